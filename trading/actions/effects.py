"""What a corporate action does to the holdings a replay of fills has built up
(trading/positions/accounting.py `replay`): the count, the average price and the cost.

- Split, reverse split, bonus issue, stock dividend of factor f (shares after per share
  before): quantity x f, average / f, cost unchanged. The fraction of a share that x f leaves
  is paid in cash at the action's fraction price (단주대금; at the average price when none is
  given), the won cut off; the fraction's price less its share of the cost is realized.
- Merger, symbol change: the holding moves to the new symbol at the ratio (1 for a symbol
  change) with its cost; fractions as above; a holding already in the new symbol is averaged
  with it. The old symbol keeps its realized PnL and holds 0.
- Cash dividends, rights issues and delistings leave the holding as it is (dividends are cash:
  trading/actions/dividends.py; new shares bought in a rights issue are fills).

Each action takes effect at the start of its ex date (Korea time), before that day's fills.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from marketdata.actions import SHARE_KINDS, ActionKind
from marketdata.sessions import KST


@dataclass(frozen=True)
class FractionCash:
    account_id: int
    symbol: str
    day: dt.date  # the pay (or listing) date, else the ex date
    shares: Decimal  # the fraction of a share paid out
    amount: Decimal  # won


def effective_at(action) -> dt.datetime:
    return dt.datetime.combine(action.ex_date, dt.time(), KST)


def _convert(holding, factor: Decimal, fraction_price, fractions, key, action):
    """Multiply `holding`'s count by `factor`, cost kept; pay the fraction in cash."""
    exact = holding.quantity * factor
    whole = int(exact.to_integral_value(rounding=ROUND_FLOOR))
    fraction = exact - whole
    average = holding.average_price / factor
    with_fees = holding.average_with_fees / factor
    if fraction:
        price = fraction_price if fraction_price is not None else average
        amount = (fraction * price).to_integral_value(rounding=ROUND_FLOOR)
        holding.realized_pnl += amount - fraction * average
        holding.fraction_cash += amount
        fractions.append(
            FractionCash(
                key[0], holding.symbol, action.pay_date or action.ex_date, fraction, amount
            )
        )
    holding.quantity = whole
    holding.average_price = average if whole else Decimal(0)
    holding.average_with_fees = with_fees if whole else Decimal(0)


def apply(action, holdings: dict, make) -> list[FractionCash]:
    """Apply `action` to every holding of its symbol in `holdings` ((account id, symbol) ->
    Holding, changed in place); `make(symbol)` makes an empty holding. Returns the cash paid
    for fractions."""
    fractions: list[FractionCash] = []
    moves = action.kind in (ActionKind.MERGER, ActionKind.SYMBOL_CHANGE)
    if action.kind not in SHARE_KINDS and not moves:
        return fractions
    for key in [k for k, h in holdings.items() if k[1] == action.symbol and h.quantity]:
        holding = holdings[key]
        if not moves:
            _convert(holding, action.share_factor, action.fraction_price, fractions, key, action)
            continue
        ratio = action.ratio if action.kind == ActionKind.MERGER else Decimal(1)
        moved = make(action.new_symbol)
        moved.quantity, moved.average_price = holding.quantity, holding.average_price
        moved.average_with_fees = holding.average_with_fees
        holding.quantity = 0
        holding.average_price = holding.average_with_fees = Decimal(0)
        _convert(moved, ratio, action.fraction_price, fractions, key, action)
        holding.realized_pnl += moved.realized_pnl
        holding.fraction_cash += moved.fraction_cash
        target = holdings.setdefault((key[0], action.new_symbol), make(action.new_symbol))
        total = target.quantity + moved.quantity
        if total:
            target.average_price = (
                target.average_price * target.quantity + moved.average_price * moved.quantity
            ) / total
            target.average_with_fees = (
                target.average_with_fees * target.quantity
                + moved.average_with_fees * moved.quantity
            ) / total
        target.quantity = total
    return fractions


def actions_until(until: dt.datetime, *, symbols=None):
    """The actions in effect by `until` that change holdings, in the order they apply."""
    from marketdata.actions import CorporateAction

    kinds = [*SHARE_KINDS, ActionKind.MERGER, ActionKind.SYMBOL_CHANGE]
    actions = CorporateAction.objects.filter(
        kind__in=kinds, ex_date__lte=until.astimezone(KST).date()
    ).order_by("ex_date", "id")
    if symbols:
        actions = actions.filter(symbol__in=symbols)
    return list(actions)
