"""Positions from fills, average-cost method.

Conventions, the same everywhere positions are computed:
- the average price is the quantity-weighted price of the shares held, fees excluded;
- realized PnL is (sell price - average price) x quantity over every sell, less every
  commission and tax recorded on every trade (buys included), so the fees of a trade
  count on the day it happens;
- a buy after a full close starts a new average; a sell never exceeds the holding
  (Korean cash accounts do not short);
- each account holds its own shares: the same symbol in two accounts is two holdings.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from marketdata.sessions import KST
from trading.actions import effects
from trading.models import Side

ZERO = Decimal(0)
CENT = Decimal("0.01")
AVERAGE_PLACES = Decimal("0.0001")


class OversellError(ValueError):
    def __init__(self, trade, held):
        self.trade = trade
        super().__init__(
            f"Trade {trade.id} sells {trade.quantity} {trade.symbol} at "
            f"{trade.executed_at.astimezone(KST):%Y-%m-%d %H:%M:%S%z}, "
            f"but only {held} are held then."
        )


@dataclass
class Holding:
    symbol: str
    quantity: int = 0
    average_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    # The same average with the buy commissions in the cost, as some brokers show it; only
    # to compare with them (reconciliation), never for PnL.
    average_with_fees: Decimal = ZERO
    # Cash paid for fractions of shares in corporate actions (trading/actions/effects.py).
    fraction_cash: Decimal = ZERO

    def apply(self, trade) -> None:
        fees = trade.commission + trade.tax
        if trade.side == Side.BUY:
            cost = self.average_price * self.quantity + trade.price * trade.quantity
            with_fees = self.average_with_fees * self.quantity + trade.price * trade.quantity
            self.quantity += trade.quantity
            self.average_price = cost / self.quantity
            self.average_with_fees = (with_fees + trade.commission) / self.quantity
        else:
            if trade.quantity > self.quantity:
                raise OversellError(trade, self.quantity)
            self.realized_pnl += (trade.price - self.average_price) * trade.quantity
            self.quantity -= trade.quantity
            if self.quantity == 0:
                self.average_price = self.average_with_fees = ZERO
        self.realized_pnl -= fees

    def marked(self, last_price: Decimal | None) -> dict:
        """The Position fields for this holding, valued at `last_price`."""
        fields = {
            "quantity": self.quantity,
            "average_price": self.average_price.quantize(AVERAGE_PLACES),
            "realized_pnl": self.realized_pnl.quantize(CENT),
            "last_price": last_price,
            "market_value": None,
            "unrealized_pnl": ZERO,
        }
        if last_price is not None:
            fields["market_value"] = (last_price * self.quantity).quantize(CENT)
            fields["unrealized_pnl"] = ((last_price - self.average_price) * self.quantity).quantize(
                CENT
            )
        return fields


def replay(
    trades: Iterable, actions: Iterable = (), *, seen=None
) -> dict[tuple[int, str], Holding]:
    """Holdings per (account id, symbol) after `trades`, which must come in execution order,
    and the corporate `actions` (in ex-date order), each applied at the start of its ex date
    (trading/actions/effects.py). `seen(action, holdings, fractions)`, when given, is told
    of each action as it applies, with the holdings as they stand before that day's fills
    and the cash it paid for fractions (trading/books/action_cash.py books both)."""
    holdings: dict[tuple[int, str], Holding] = {}
    pending = list(actions)

    def take(action):
        fractions = effects.apply(action, holdings, Holding)
        if seen is not None:
            seen(action, holdings, fractions)

    for trade in trades:
        while pending and effects.effective_at(pending[0]) <= trade.executed_at:
            take(pending.pop(0))
        key = (trade.account_id, trade.symbol)
        holdings.setdefault(key, Holding(trade.symbol)).apply(trade)
    for action in pending:
        take(action)
    return holdings
