"""Rows that are not bars: Yahoo and Investing.com write a row for a day KRX was closed
(a holiday) that copies the session before it, or repeats its close with no volume. The
loader skips and counts those, for daily bars only.

A row is such a copy when it repeats the previous row of its series (open, high, low,
close and volume, or the close with open = high = low = close and volume 0) and the KRX
calendar (marketdata/sessions.py) marks its day closed. A real session the calendar
lacks (KRX traded on Saturdays until December 1998) has bars of its own: it is kept.
The calendar is consulted only when a file has copies at all.
"""

import datetime as dt

from psycopg2 import sql

from marketdata import sessions
from marketdata.loader.stage_sql import KST

MAX_COPIES = 100_000  # more copies than this is not a file of daily bars with holidays


def copies(bars: sql.Composable) -> sql.Composed:
    """(line, session date) of each good row that copies the row before it in its series."""
    previous = sql.SQL(", ").join(
        sql.SQL("lag({0}) OVER w AS {1}").format(sql.Identifier(c), sql.Identifier(f"p_{c}"))
        for c in ("open", "high", "low", "close", "volume")
    )
    return sql.SQL(
        "SELECT line, (time AT TIME ZONE {kst})::date FROM (SELECT line, time, open, high, "
        "low, close, volume, {previous} FROM ({bars}) b WHERE ok "
        "WINDOW w AS (PARTITION BY symbol, iv ORDER BY time)) x "
        "WHERE close = p_close AND ((open, high, low, volume) = (p_open, p_high, p_low, "
        "p_volume) OR (open = close AND high = close AND low = close AND volume = 0)) "
        "ORDER BY line LIMIT {limit}"
    ).format(kst=KST, previous=previous, bars=bars, limit=sql.Literal(MAX_COPIES))


def closed_days_among(days: set[dt.date]) -> set[dt.date]:
    """The days of `days` the KRX calendar marks closed, within the span it covers."""
    if not days:
        return set()
    # A fortnight either side: the sessions around the days bound what the calendar covers.
    margin = dt.timedelta(days=14)
    open_days = [s.date for s in sessions.sessions(min(days) - margin, max(days) + margin)]
    if not open_days:
        return set()
    known = set(open_days)
    return {d for d in days if d not in known and open_days[0] <= d <= open_days[-1]}


def holiday_lines(rows: list[tuple[int, dt.date]]) -> list[int]:
    """The lines of `rows` (from `copies`) on days KRX was closed."""
    closed = closed_days_among({day for _, day in rows})
    return [line for line, day in rows if day in closed]
