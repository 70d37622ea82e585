"""What each fill should have cost, and whether its price was a possible one.

For every fill, from the account's commission schedule for the fill's venue and trade date,
the dated tax schedule (trading/fills/taxes.py) and the stock's market and kind:
- expected commission = max(minimum, amount x rate), cut below the won;
- expected tax on a sell = transaction tax + special tax at the rates in force on the
  settlement date, each cut below the won; a buy pays none;
- the charges differ when commission or tax is more than one won from what was expected;
- the price is on the tick grid (marketdata/ticks.py) and within the daily limit around the
  previous session's daily close; a fill that is not is flagged, never refused.
What cannot be known (no schedule, no stock metadata, no previous close) stays empty and
flags nothing.

`Assessment.of(trades)` reads everything it needs in three queries, whatever the number of
fills, so imports, the admin and the commands all use it in bulk.
"""

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from marketdata import sessions, ticks
from marketdata.models import Interval, SecurityKind, StockMetadata
from marketdata.sessions import KST
from trading.fills import taxes
from trading.models import ASSESSED_FIELDS, CommissionSchedule, Side, Trade

TOLERANCE = Decimal(1)  # won
FUNDS = {SecurityKind.ETF, SecurityKind.ETN}
BATCH = 2000


def day_of(moment: dt.datetime) -> dt.date:
    """The trade date (Korea time) of a moment."""
    return moment.astimezone(KST).date()


def trade_date(trade) -> dt.date:
    return day_of(trade.executed_at)


@dataclass
class Assessment:
    """Schedules, stocks, settlement dates and base prices for a set of fills."""

    schedules: dict = field(default_factory=dict)  # (account_id, venue) -> [(from, rate, min)]
    stocks: dict = field(default_factory=dict)  # symbol -> (market, kind)
    settlement: dict = field(default_factory=dict)  # trade date -> settlement date
    base_prices: dict = field(default_factory=dict)  # (symbol, trade date) -> previous close

    @classmethod
    def of(cls, trades) -> "Assessment":
        return cls.for_keys(
            accounts={t.account_id for t in trades},
            pairs={(t.symbol, trade_date(t)) for t in trades},
        )

    @classmethod
    def for_keys(cls, *, accounts, pairs) -> "Assessment":
        """For fills of `accounts` in (symbol, trade date) `pairs`."""
        found = cls()
        rows = CommissionSchedule.objects.filter(account_id__in=accounts).order_by("valid_from")
        for row in rows.values_list("account_id", "venue", "valid_from", "rate", "minimum"):
            found.schedules.setdefault(row[:2], []).append(row[2:])
        symbols = {symbol for symbol, _ in pairs}
        found.stocks = {
            s: (m, k)
            for s, m, k in StockMetadata.objects.filter(symbol__in=symbols).values_list(
                "symbol", "market", "kind"
            )
        }
        found.settlement = taxes.settlement_dates(day for _, day in pairs)
        found.base_prices = previous_closes(pairs)
        return found

    def commission(self, trade) -> Decimal | None:
        schedule = self.schedules.get((trade.account_id, trade.venue))
        if not schedule:
            return None
        index = bisect.bisect_right([row[0] for row in schedule], trade_date(trade)) - 1
        if index < 0:
            return None
        _, rate, minimum = schedule[index]
        return max(minimum, taxes.won(trade.quantity * trade.price * rate))

    def taxes(self, trade) -> tuple[Decimal | None, Decimal | None, dt.date | None]:
        """(expected tax, its special part, settlement date)."""
        settles_on = self.settlement.get(trade_date(trade))
        if trade.side == Side.BUY:
            return Decimal(0), Decimal(0), settles_on
        stock = self.stocks.get(trade.symbol)
        if stock is None or settles_on is None:
            return None, None, settles_on
        rate = taxes.rate(market=stock[0], kind=stock[1], settles_on=settles_on)
        if rate is None:
            return None, None, settles_on
        total, special = taxes.tax(trade.quantity * trade.price, rate)
        return total, special, settles_on

    def price_checks(self, trade) -> tuple[bool | None, bool | None]:
        """(on the tick grid, within the daily limit); None where it cannot be told."""
        stock = self.stocks.get(trade.symbol)
        day = trade_date(trade)
        if stock is None or day < ticks.TABLE_SINCE:
            return None, None
        fund = stock[1] in FUNDS
        on_grid = ticks.on_tick(trade.price, fund=fund)
        base = self.base_prices.get((trade.symbol, day))
        if base is None:
            return on_grid, None
        lower, upper = ticks.daily_limits(base, fund=fund)
        return on_grid, lower <= trade.price <= upper

    def apply(self, trade) -> None:
        """Set the assessed fields of `trade` (not saved)."""
        trade.expected_commission = self.commission(trade)
        trade.expected_tax, trade.expected_special_tax, trade.settles_on = self.taxes(trade)
        trade.on_tick, trade.within_limit = self.price_checks(trade)
        trade.charges_differ = differs(trade.commission, trade.expected_commission) or differs(
            trade.tax, trade.expected_tax
        )


def differs(charged, expected) -> bool:
    return expected is not None and charged is not None and abs(charged - expected) > TOLERANCE


def previous_closes(pairs) -> dict[tuple[str, dt.date], Decimal]:
    """The daily close of the session before each (symbol, date), where we hold that bar."""
    pairs = set(pairs)
    if not pairs:
        return {}
    days = sorted({day for _, day in pairs})
    calendar = [s.date for s in sessions.sessions(days[0] - dt.timedelta(days=20), days[-1])]
    previous = {}
    for day in days:
        index = bisect.bisect_left(calendar, day) - 1
        if index >= 0:
            previous[day] = calendar[index]
    wanted = [(s, previous[d]) for s, d in pairs if d in previous]
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.symbol, m.time, m.close FROM market_data m
            JOIN unnest(%s::text[], %s::timestamptz[]) AS w(symbol, time)
              ON m.symbol = w.symbol AND m.time = w.time
            WHERE m.interval_type = %s
            """,
            [
                [s for s, _ in wanted],
                [dt.datetime.combine(d, dt.time(), KST) for _, d in wanted],
                Interval.DAY,
            ],
        )
        closes = {(s, t.astimezone(KST).date()): c for s, t, c in cursor.fetchall()}
    return {
        (s, d): closes[s, previous[d]]
        for s, d in pairs
        if d in previous and (s, previous[d]) in closes
    }


def assess(trades) -> list:
    """Assess `trades` in memory (three queries in all); returns them."""
    trades = list(trades)
    if trades:
        assessment = Assessment.of(trades)
        for trade in trades:
            assessment.apply(trade)
    return trades


def reassess(queryset) -> dict[str, int]:
    """Assess the trades of `queryset` again and store the result, in batches; returns counts."""
    counts = defaultdict(int, assessed=0)
    batch = []

    def flush():
        with transaction.atomic():
            Trade.objects.bulk_update(assess(batch), ASSESSED_FIELDS)
        for trade in batch:
            counts["assessed"] += 1
            counts["charges differ"] += trade.charges_differ
            counts["off the tick grid"] += trade.on_tick is False
            counts["outside the daily limit"] += trade.within_limit is False
        batch.clear()

    for trade in queryset.order_by("executed_at", "id").iterator(chunk_size=BATCH):
        batch.append(trade)
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    return dict(counts)
