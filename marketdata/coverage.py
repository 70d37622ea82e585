"""What market data we hold: bars, first and last per (symbol, interval), and the gaps
against the KRX calendar. Computed live from market_data, with index probes only."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from marketdata import facts
from marketdata.models import Interval
from marketdata.sessions import KST, MARKET_TIME_ZONE, sessions


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


def coverage(*, symbol=None, interval=None, gaps=False) -> list[Coverage]:
    pairs = facts.series(symbol=symbol, interval=interval)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.symbol, p.interval_type, c.bars, f.time, l.time, coalesce(s.name, '')
            FROM unnest(%s::text[], %s::text[]) AS p(symbol, interval_type)
            CROSS JOIN LATERAL (SELECT time FROM market_data m WHERE m.symbol = p.symbol
                AND m.interval_type = p.interval_type ORDER BY time LIMIT 1) f
            CROSS JOIN LATERAL (SELECT time FROM market_data m WHERE m.symbol = p.symbol
                AND m.interval_type = p.interval_type ORDER BY time DESC LIMIT 1) l
            CROSS JOIN LATERAL (SELECT count(*) AS bars FROM market_data m
                WHERE m.symbol = p.symbol AND m.interval_type = p.interval_type) c
            LEFT JOIN stock_metadata s ON s.symbol = p.symbol
            ORDER BY p.symbol, p.interval_type
            """,
            [[s for s, _ in pairs], [i for _, i in pairs]],
        )
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
                "SELECT DISTINCT (time AT TIME ZONE %s)::date FROM market_data "
                "WHERE symbol = %s AND interval_type = %s",
                [MARKET_TIME_ZONE, row.symbol, row.interval],
            )
            held = {d for (d,) in cursor.fetchall()}
        row.gaps = [str(s.date) for s in days if s.date not in held]
        row.missing = len(row.gaps)
    elif facts.is_intraday(row.interval):
        step = facts.step(row.interval)
        expected = [t for s in days for t in s.slots(step)]
        with connection.cursor() as cursor:
            # Every expected bar start, probed against the index; only the missing return.
            cursor.execute(
                """
                SELECT e.t FROM unnest(%s::timestamptz[]) AS e(t)
                WHERE NOT EXISTS (SELECT 1 FROM market_data m WHERE m.symbol = %s
                                  AND m.interval_type = %s AND m.time = e.t)
                ORDER BY e.t
                """,
                [expected, row.symbol, row.interval],
            )
            missing = [t.astimezone(KST) for (t,) in cursor.fetchall()]
        row.missing = len(missing)
        row.gaps = _ranges(missing, step)


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
