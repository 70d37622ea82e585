"""The year's tax picture of one account: realized gains per symbol (the moving-average cost
brokers report, FIFO as an option), the securities transaction tax and the special tax paid
per market, commissions, dividends gross and withheld, and the holdings at the year's last
session valued at its close with the large-shareholder tests that apply.

Gains are (sell price - cost) x quantity, fees apart (they are in the totals); the cost
follows every corporate action (trading/actions/effects.py). The taxes are those the fills
were charged: a fill's `tax` is the transaction tax with, on KOSPI, the special tax; the
special part is its expected special tax (trading/fills/charges.py), never more than the tax.
Docs: docs/corporate-actions.md.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from marketdata import sessions
from marketdata.models import Market, StockMetadata
from marketdata.prices import latest_closes
from trading.actions import effects
from trading.books import action_cash
from trading.models import Side, Trade
from trading.models.books import DIVIDEND_KINDS, CashKind, CashMovement
from trading.positions.accounting import Holding

ZERO = Decimal(0)
METHODS = ("moving_average", "fifo")

# Large shareholders of listed stocks (소득세법 시행령 §157 ④): a holding at the end of the
# year before the sale of at least this value per stock, or this share of the listed shares
# by market. Figures as secondary sources give them for 2025-2026 (see the docs: not verified
# against the decree's text here); the test counts this account alone, not the relatives and
# related parties the law adds.
LARGE_VALUE = Decimal("5000000000")
LARGE_SHARE = {
    Market.KOSPI: Decimal("0.01"),
    Market.KOSDAQ: Decimal("0.02"),
    Market.KOSDAQ_GLOBAL: Decimal("0.02"),
    Market.KONEX: Decimal("0.04"),
}


class NoSession(ValueError):
    pass


@dataclass
class Sale:
    symbol: str
    quantity: int
    proceeds: Decimal
    cost: Decimal


class _Fifo:
    """Lots of (quantity, price) per symbol, oldest first; actions scale them."""

    def __init__(self):
        self.lots = defaultdict(list)

    def buy(self, trade):
        self.lots[trade.symbol].append([Decimal(trade.quantity), trade.price])

    def sell(self, trade) -> Decimal:
        left, cost, lots = Decimal(trade.quantity), ZERO, self.lots[trade.symbol]
        while left and lots:
            taken = min(left, lots[0][0])
            cost += taken * lots[0][1]
            lots[0][0] -= taken
            left -= taken
            if not lots[0][0]:
                lots.pop(0)
        return cost

    def act(self, action):
        lots = self.lots.get(action.symbol)
        if not lots:
            return
        if action.kind in ("merger", "symbol_change"):
            ratio = action.ratio if action.kind == "merger" else Decimal(1)
            moved = [[q * ratio, p / ratio] for q, p in lots]
            self.lots[action.new_symbol].extend(moved)
            self.lots[action.symbol] = []
            return
        factor = action.share_factor
        self.lots[action.symbol] = [[q * factor, p / factor] for q, p in lots]


def _sales(account, year: int, method: str) -> list[Sale]:
    end = dt.datetime(year + 1, 1, 1, tzinfo=sessions.KST)
    trades = Trade.objects.filter(account=account, executed_at__lt=end).order_by(
        "executed_at", "created_at", "id"
    )
    pending = effects.actions_until(end)
    holdings, fifo, sales = {}, _Fifo(), []
    for trade in trades:
        while pending and effects.effective_at(pending[0]) <= trade.executed_at:
            action = pending.pop(0)
            effects.apply(action, holdings, Holding)
            fifo.act(action)
        holding = holdings.setdefault((account.pk, trade.symbol), Holding(trade.symbol))
        if trade.side == Side.SELL:
            average_cost = holding.average_price * trade.quantity
            fifo_cost = fifo.sell(trade)
            if trade.executed_at.astimezone(sessions.KST).year == year:
                cost = average_cost if method == "moving_average" else fifo_cost
                sales.append(Sale(trade.symbol, trade.quantity, trade.price * trade.quantity, cost))
        else:
            fifo.buy(trade)
        holding.apply(trade)
    return sales


def _year_end(year: int):
    found = sessions.sessions(dt.date(year, 12, 1), dt.date(year, 12, 31))
    if not found:
        raise NoSession(f"No KRX session in December {year} is known to the calendar.")
    return found[-1]


def holdings_at_year_end(account, year: int) -> list[dict]:
    from trading.positions import recompute

    last = _year_end(year)
    computed = recompute(as_of=last.end, accounts=[account.pk])
    symbols = sorted(s for (_, s), f in computed.items() if f["quantity"])
    quotes = latest_closes(set(symbols), last.end)
    stocks = StockMetadata.objects.in_bulk(symbols)
    rows = []
    for symbol in symbols:
        quantity = computed[account.pk, symbol]["quantity"]
        close = quotes[symbol].close if symbol in quotes else None
        value = close * quantity if close is not None else None
        stock = stocks.get(symbol)
        share_limit = LARGE_SHARE.get(stock.market) if stock else None
        share = Decimal(quantity) / stock.listed_shares if stock and stock.listed_shares else None
        rows.append(
            {
                "symbol": symbol,
                "market": stock.market if stock else "",
                "quantity": quantity,
                "session": str(last.date),
                "close": close,
                "value": value,
                "share_of_listed": share,
                "large_shareholder": {
                    "value_test": value is not None and value >= LARGE_VALUE,
                    "share_test": share is not None
                    and share_limit is not None
                    and share >= share_limit,
                    "value_threshold": LARGE_VALUE,
                    "share_threshold": share_limit,
                },
            }
        )
    return rows


def _taxes(account, year: int) -> dict:
    start = dt.datetime(year, 1, 1, tzinfo=sessions.KST)
    end = dt.datetime(year + 1, 1, 1, tzinfo=sessions.KST)
    fills = Trade.objects.filter(account=account, executed_at__gte=start, executed_at__lt=end)
    markets = dict(StockMetadata.objects.values_list("symbol", "market"))
    by_market = defaultdict(lambda: {"securities_transaction_tax": ZERO, "special_tax": ZERO})
    commissions = ZERO
    for fill in fills:
        commissions += fill.commission
        special = min(fill.expected_special_tax or ZERO, fill.tax)
        entry = by_market[markets.get(fill.symbol, "")]
        entry["securities_transaction_tax"] += fill.tax - special
        entry["special_tax"] += special
    cent = Decimal("0.01")
    by_market = {
        market: {name: amount.quantize(cent) for name, amount in taxes.items()}
        for market, taxes in sorted(by_market.items())
    }
    return {"commissions": commissions, "by_market": by_market}


def _dividends(account, year: int) -> tuple[Decimal, Decimal, list]:
    """The dividends paid in `year`: those of the corporate actions as the books book them
    (trading/books/action_cash.py, read without writing) and those the ledger holds without
    an action (a cash file's, a person's); gross and withheld, and each payment."""
    payments = [
        (p.day, ("action", p.action.pk), p.action.symbol, p.kind, p.amount, p.note)
        for p in action_cash.expected([account.pk])[0]
        if p.day.year == year and p.kind in DIVIDEND_KINDS
    ]
    for row in CashMovement.objects.filter(
        account=account,
        kind__in=DIVIDEND_KINDS,
        trade_date__year=year,
        corporate_action__isnull=True,
    ):
        payments.append((row.trade_date, ("row", row.pk), "", row.kind, row.amount, row.note))
    gross = withheld = ZERO
    paid = {}
    for day, source, symbol, kind, amount, note in sorted(
        payments, key=lambda p: (p[0], str(p[1]))
    ):
        amount = amount.to_integral_value()  # whole won
        entry = paid.setdefault(
            (day, source),
            {"symbol": symbol, "date": str(day), "gross": ZERO, "withheld": ZERO, "note": note},
        )
        if kind == CashKind.DIVIDEND:
            gross += amount
            entry["gross"] += amount
        else:
            withheld -= amount
            entry["withheld"] -= amount
    return gross, withheld, list(paid.values())


def tax_report(account, year: int, *, method: str = "moving_average") -> dict:
    """The year's picture as a dict of plain values (Decimals for money)."""
    if method not in METHODS:
        raise ValueError(f"Unknown cost method {method!r}; use {' or '.join(METHODS)}.")
    per_symbol = {}
    for sale in _sales(account, year, method):
        row = per_symbol.setdefault(
            sale.symbol,
            {"symbol": sale.symbol, "quantity_sold": 0, "proceeds": ZERO, "cost": ZERO},
        )
        row["quantity_sold"] += sale.quantity
        row["proceeds"] += sale.proceeds
        row["cost"] += sale.cost
    realized = []
    for symbol in sorted(per_symbol):
        row = per_symbol[symbol]
        row["cost"] = row["cost"].quantize(Decimal("0.01"))
        row["gain"] = row["proceeds"] - row["cost"]
        row["method"] = method
        realized.append(row)
    taxes = _taxes(account, year)
    gross, withheld, paid = _dividends(account, year)
    by_market = taxes["by_market"]
    return {
        "account": account.code,
        "year": year,
        "realized": realized,
        "totals": {
            "realized_gain": sum((r["gain"] for r in realized), ZERO),
            "securities_transaction_tax": sum(
                (m["securities_transaction_tax"] for m in by_market.values()), ZERO
            ),
            "special_tax": sum((m["special_tax"] for m in by_market.values()), ZERO),
            "commissions": taxes["commissions"],
            "dividends_gross": gross,
            "dividends_withheld": withheld,
        },
        "taxes_by_market": by_market,
        "dividends": paid,
        "holdings_at_year_end": holdings_at_year_end(account, year),
    }
