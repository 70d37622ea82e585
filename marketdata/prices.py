"""The last known price of a symbol at a moment, from the bars we hold."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection

from marketdata.models import Interval

# How long after its `time` a bar's close is known. A daily bar is stamped 00:00 KST and
# closes with the session at 15:30; weeks and months are taken whole.
BAR_CLOSES_AFTER = {
    Interval.MIN_1: timedelta(minutes=1),
    Interval.MIN_3: timedelta(minutes=3),
    Interval.MIN_5: timedelta(minutes=5),
    Interval.MIN_10: timedelta(minutes=10),
    Interval.MIN_15: timedelta(minutes=15),
    Interval.MIN_30: timedelta(minutes=30),
    Interval.MIN_60: timedelta(minutes=60),
    Interval.DAY: timedelta(hours=15, minutes=30),
    Interval.WEEK: timedelta(days=7),
    Interval.MONTH: timedelta(days=31),
}


@dataclass(frozen=True)
class Quote:
    symbol: str
    close: Decimal
    time: datetime  # when the close was known
    interval: str


def latest_closes(symbols, as_of: datetime) -> dict[str, Quote]:
    """For each symbol, the newest close known at `as_of`; on a tie, the finest interval's.

    One index probe per symbol and interval (LATERAL ... LIMIT 1), so the cost does not
    grow with the number of bars.
    """
    symbols = sorted(set(symbols))
    if not symbols:
        return {}
    finest_first = list(BAR_CLOSES_AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.symbol, i.interval_type, b.close, b.time + i.closes_after
            FROM unnest(%s::text[]) AS s(symbol)
            CROSS JOIN unnest(%s::text[], %s::interval[]) AS i(interval_type, closes_after)
            CROSS JOIN LATERAL (
                SELECT m.close, m.time FROM market_data m
                WHERE m.symbol = s.symbol AND m.interval_type = i.interval_type
                  AND m.time <= %s::timestamptz - i.closes_after
                ORDER BY m.time DESC LIMIT 1
            ) AS b
            """,
            [
                symbols,
                [str(i) for i in finest_first],
                list(BAR_CLOSES_AFTER.values()),
                as_of,
            ],
        )
        rows = cursor.fetchall()
    best: dict[str, Quote] = {}
    rank = {str(i): n for n, i in enumerate(finest_first)}
    for symbol, interval, close, known_at in rows:
        current = best.get(symbol)
        if current is None or (known_at, -rank[interval]) > (current.time, -rank[current.interval]):
            best[symbol] = Quote(symbol, close, known_at, interval)
    return best
