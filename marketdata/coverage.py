"""What market data we hold: bars, first and last per (symbol, interval), and the gaps
against the KRX calendar. Computed live from market_data, with index probes only."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from marketdata.models import Interval
from marketdata.sessions import KST, sessions

INTRADAY_MINUTES = {
    Interval.MIN_1: 1,
    Interval.MIN_3: 3,
    Interval.MIN_5: 5,
    Interval.MIN_10: 10,
    Interval.MIN_15: 15,
    Interval.MIN_30: 30,
    Interval.MIN_60: 60,
}


@dataclass
class Coverage:
    symbol: str
    interval: str
    bars: int
    first: dt.datetime
    last: dt.datetime
    name: str = ""
    missing: int | None = None  # bars missing against the calendar, with --gaps
    gaps: list[str] = field(default_factory=list)  # "2024-02-13" or "2024-01-02 09:13-09:15"

    def as_dict(self):
        return {
            "symbol": self.symbol,
            "name": self.name,
            "interval": self.interval,
            "bars": self.bars,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "missing": self.missing,
            "gaps": self.gaps,
        }


def _pairs_sql(symbol, interval, *, counts=True):
    """Distinct (symbol, interval) by a loose index scan: one probe per pair."""
    where, params = [], []
    if symbol:
        where.append("symbol = %s")
        params.append(symbol)
    if interval:
        where.append("interval_type = %s")
        params.append(interval)
    extra = "".join(f" AND {w}" for w in where)
    count = (
        "CROSS JOIN LATERAL (SELECT count(*) AS bars FROM market_data m "
        "WHERE m.symbol = p.symbol AND m.interval_type = p.interval_type) c"
        if counts
        else "CROSS JOIN (SELECT NULL::bigint AS bars) c"
    )
    first_where = f"WHERE {' AND '.join(where)}" if where else ""
    sql = f"""
    WITH RECURSIVE pairs AS (
        (SELECT symbol, interval_type FROM market_data {first_where}
         ORDER BY symbol, interval_type LIMIT 1)
        UNION ALL
        SELECT n.symbol, n.interval_type FROM pairs p CROSS JOIN LATERAL (
            SELECT symbol, interval_type FROM market_data m
            WHERE (m.symbol, m.interval_type) > (p.symbol, p.interval_type){extra}
            ORDER BY symbol, interval_type LIMIT 1
        ) n
    )
    SELECT p.symbol, p.interval_type, c.bars, f.time, l.time, coalesce(s.name, '')
    FROM pairs p
    CROSS JOIN LATERAL (SELECT time FROM market_data m WHERE m.symbol = p.symbol
        AND m.interval_type = p.interval_type ORDER BY time LIMIT 1) f
    CROSS JOIN LATERAL (SELECT time FROM market_data m WHERE m.symbol = p.symbol
        AND m.interval_type = p.interval_type ORDER BY time DESC LIMIT 1) l
    {count}
    LEFT JOIN stock_metadata s ON s.symbol = p.symbol
    ORDER BY p.symbol, p.interval_type
    """
    return sql, params + params


def coverage(*, symbol=None, interval=None, gaps=False) -> list[Coverage]:
    sql, params = _pairs_sql(symbol, interval)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [
            Coverage(symbol=s, interval=i, bars=n, first=f, last=la, name=name)
            for s, i, n, f, la, name in cursor.fetchall()
        ]
    if gaps:
        for row in rows:
            _find_gaps(row)
    return rows


def _find_gaps(row: Coverage) -> None:
    first, last = row.first.astimezone(KST).date(), row.last.astimezone(KST).date()
    days = sessions(first, last)
    if row.interval == Interval.DAY:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT (time AT TIME ZONE 'Asia/Seoul')::date FROM market_data "
                "WHERE symbol = %s AND interval_type = %s",
                [row.symbol, row.interval],
            )
            held = {d for (d,) in cursor.fetchall()}
        row.gaps = [str(s.date) for s in days if s.date not in held]
        row.missing = len(row.gaps)
    elif row.interval in INTRADAY_MINUTES:
        step = INTRADAY_MINUTES[row.interval]
        with connection.cursor() as cursor:
            # Every expected bar start, probed against the index; only the missing return.
            cursor.execute(
                """
                SELECT e.t FROM unnest(%s::timestamptz[], %s::timestamptz[]) AS s(o, c)
                CROSS JOIN generate_series(s.o, s.c - %s::interval, %s::interval) AS e(t)
                WHERE NOT EXISTS (SELECT 1 FROM market_data m WHERE m.symbol = %s
                                  AND m.interval_type = %s AND m.time = e.t)
                ORDER BY e.t
                """,
                [
                    [s.open for s in days],
                    [s.continuous_end for s in days],
                    dt.timedelta(minutes=step),
                    dt.timedelta(minutes=step),
                    row.symbol,
                    row.interval,
                ],
            )
            missing = [t.astimezone(KST) for (t,) in cursor.fetchall()]
        row.missing = len(missing)
        row.gaps = _ranges(missing, dt.timedelta(minutes=step))


def _ranges(times, step) -> list[str]:
    """Consecutive missing bars as "2024-01-02 09:13-09:15"."""
    ranges, start, previous = [], None, None
    for t in [*times, None]:
        if t is not None and previous is not None and t - previous == step:
            previous = t
            continue
        if start is not None:
            end = "" if previous == start else f"-{previous:%H:%M}"
            ranges.append(f"{start:%Y-%m-%d %H:%M}{end}")
        start = previous = t
    return ranges


def newest_by_interval() -> dict[str, dt.datetime]:
    """The newest bar of each interval held, by index probes (one per symbol and interval)."""
    sql, params = _pairs_sql(None, None, counts=False)
    newest: dict[str, dt.datetime] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for _symbol, interval, _bars, _first, last, _name in cursor.fetchall():
            if interval not in newest or last > newest[interval]:
                newest[interval] = last
    return newest
