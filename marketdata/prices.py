"""The last known price of a symbol at a moment, from the bars we hold."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from marketdata.facts import closes_after


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
    known_after = closes_after()
    finest_first = list(known_after)
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
                list(known_after.values()),
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
