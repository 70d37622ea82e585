"""The broker's realized P&L, fees and taxes, beside ours, per day and per symbol.

Two KIS reports (field names as in KIS's own examples, koreainvestment/open-trading-api,
examples_llm/domestic_stock/inquire_period_profit/chk_inquire_period_profit.py and
inquire_period_trade_profit/chk_inquire_period_trade_profit.py):

- `inquire-period-profit` (기간별손익일별합산조회, TR TTTC8708R): `output1` one row per
  day: `trad_dt` 매매일자, `buy_amt` 매수금액, `sll_amt` 매도금액, `rlzt_pfls` 실현손익,
  `fee` 수수료, `tl_tax` 제세금 (and `loan_int`, `pfls_rt`); `output2` the period's sums;
- `inquire-period-trade-profit` (기간별매매손익현황조회, TR TTTC8715R): `output1` one row
  per day and symbol: `trad_dt`, `pdno`, `buy_amt`, `sll_amt`, `rlzt_pfls`, `fee`,
  `tl_tax`, `pchs_unpr` 매입단가, ...
A file is the API's JSON (the body, its output1, or a list of bodies) or a CSV with those
field names, as the other broker reports (trading/broker_reports.py); a report with `pdno`
in its rows is the per-symbol one.

Ours, per day (and symbol), from the fills replayed with the moving average of the buy
prices, fees excluded (trading/accounting.py): realized P&L before costs = (sell price -
average) x quantity; fees = the commissions of the day's fills; taxes = their taxes.
Which costs the broker's `rlzt_pfls` is net of is found, not assumed: equal to ours before
costs, or to ours less the day's fees and taxes (the broker's own), or with the buy
commissions in the average; the result says which. Fees and taxes are compared on their
own, so a fee that differs is one difference (`fees`), not two. All to the won.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from marketdata.sessions import KST
from trading.books import readers
from trading.books.broker_balance import Difference, to_won
from trading.models import Side
from trading.positions import trades_in_order
from trading.positions.accounting import Holding
from trading.reconciliation.broker_reports import BrokerFileError, read_rows

ZERO = Decimal(0)
DAILY_FIELDS = ("trad_dt", "rlzt_pfls", "fee", "tl_tax")
BEFORE_COSTS = "before fees and taxes"
AFTER_COSTS = "after the day's fees and taxes"
FEES_IN_COST = "buy commissions in the average cost"
OURS = (
    "realized PnL before fees and taxes, on the moving average of the buy prices, fees "
    "excluded; fees and taxes compared on their own"
)


@dataclass(frozen=True)
class ProfitRow:
    where: str
    date: dt.date
    symbol: str  # "" in the per-day report
    realized: Decimal
    fee: Decimal
    tax: Decimal


@dataclass
class Ours:
    realized: Decimal = ZERO
    with_fees: Decimal = ZERO  # the same with the buy commissions in the average
    fee: Decimal = ZERO
    tax: Decimal = ZERO


@dataclass
class Comparison:
    differences: list[Difference] = field(default_factory=list)
    rows: int = 0
    conventions: dict = field(default_factory=dict)


def rows(data: bytes, name: str) -> list[ProfitRow]:
    """The rows of an inquire-period-profit or inquire-period-trade-profit file."""
    found = []
    for where, fields in read_rows(data, name, DAILY_FIELDS, "inquire-period-profit"):
        missing = [key for key in DAILY_FIELDS if key not in fields]
        if missing:
            raise BrokerFileError(
                f"{where.rstrip(': .')}: no field {', '.join(missing)}; KIS's "
                f"inquire-period-profit rows have {', '.join(DAILY_FIELDS)}"
            )
        values = {}
        for key in ("rlzt_pfls", "fee", "tl_tax"):
            try:
                values[key] = readers.amount(fields.get(key), signed=key == "rlzt_pfls", places=8)
            except readers.BadValue as e:
                raise BrokerFileError(f"{where}{key}: {e}") from e
        try:
            day = readers.day(fields.get("trad_dt"), compact_only=True)
        except readers.BadValue as e:
            raise BrokerFileError(f"{where}trad_dt: {e}") from e
        symbol = str(fields.get("pdno") or "").strip()[-6:]
        found.append(
            ProfitRow(
                where.rstrip(": ."),
                day,
                symbol,
                values["rlzt_pfls"],
                values["fee"],
                values["tl_tax"],
            )
        )
    return found


def ours(account, until: dt.date) -> dict[tuple[dt.date, str], Ours]:
    """Our realized P&L, fees and taxes per (trade date, symbol), fills up to `until`."""
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), KST)
    holdings: dict[str, Holding] = {}
    found = defaultdict(Ours)
    for trade in trades_in_order(until=end, accounts=[account.pk]):
        held = holdings.setdefault(trade.symbol, Holding(trade.symbol))
        mine = found[trade.executed_at.astimezone(KST).date(), trade.symbol]
        if trade.side == Side.SELL:
            mine.realized += (trade.price - held.average_price) * trade.quantity
            mine.with_fees += (trade.price - held.average_with_fees) * trade.quantity
        mine.fee += trade.commission
        mine.tax += trade.tax
        held.apply(trade)
    return found


def _convention(row: ProfitRow, mine: Ours) -> str | None:
    broker = to_won(row.realized)
    if broker == to_won(mine.realized):
        return BEFORE_COSTS
    if broker == to_won(mine.realized - row.fee - row.tax):
        return AFTER_COSTS
    if broker == to_won(mine.with_fees):
        return FEES_IN_COST
    return None


def compare(account, found_rows: list[ProfitRow]) -> Comparison:
    result = Comparison(rows=len(found_rows))
    if not found_rows:
        return result
    per_symbol = ours(account, max(r.date for r in found_rows))
    per_day = defaultdict(Ours)
    for (day, _symbol), mine in per_symbol.items():
        total = per_day[day]
        total.realized += mine.realized
        total.with_fees += mine.with_fees
        total.fee += mine.fee
        total.tax += mine.tax
    seen = set()
    for row in sorted(found_rows, key=lambda r: (r.date, r.symbol)):
        mine = per_symbol.get((row.date, row.symbol), Ours()) if row.symbol else per_day[row.date]
        convention = _convention(row, mine)
        if convention and (row.realized or mine.realized):
            seen.add(convention)  # a day of buys only says nothing of the convention
        elif convention is None:
            result.differences.append(
                Difference("realized_pnl", "rlzt_pfls", row.date, row.realized, mine.realized,
                           row.symbol)
            )  # fmt: skip
        for kind, key, broker, our in (
            ("fees", "fee", row.fee, mine.fee),
            ("taxes", "tl_tax", row.tax, mine.tax),
        ):
            if to_won(broker) != to_won(our):
                result.differences.append(Difference(kind, key, row.date, broker, our, row.symbol))
    result.conventions = {
        "ours": OURS,
        "broker": ", ".join(sorted(seen)) if seen else "not known: no day agreed either way",
    }
    return result
