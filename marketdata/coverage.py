"""What market data we hold, per series (symbol, interval): bars, first and last, and what
is missing against the sessions (QB_SESSIONS).

Everything is read from the per-day counts (marketdata/day_counts.py), so the cost follows
the number of series and days, not of bars. Only the gap report's minute ranges look at
bars, and only on the days whose count falls short.

A day counts as complete when it holds at least the bars its sessions expect: a feed that
adds a bar outside the session hours (a closing-auction bar at 15:30, say) on the same day
as it misses one inside them shows that day as complete.
"""

import datetime as dt
from dataclasses import dataclass, field

from marketdata import facts, reads
from marketdata.models import Interval
from marketdata.sessions import KST, sessions


@dataclass
class Coverage:
    symbol: str
    interval: str
    bars: int
    first: dt.datetime
    last: dt.datetime
    name: str = ""
    missing: int | None = None  # bars missing against the sessions; None: not judged
    short_days: list = field(default_factory=list)  # (day, bars held, bars expected)
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


def judged(interval: str) -> bool:
    """Whether bars of `interval` are checked against the sessions (weeks and months are not)."""
    return interval == Interval.DAY or facts.is_intraday(interval)


def coverage(
    *,
    symbol: str | None = None,
    interval: str | None = None,
    missing: bool = False,
    pairs: list[tuple[str, str]] | None = None,
) -> list[Coverage]:
    """One row per series (those of `pairs`, else every one that matches), with the bars
    missing against the sessions and the days that fall short when `missing`."""
    if pairs is None:
        pairs = facts.series(symbol=symbol, interval=interval)
    rows = _totals(pairs)
    if missing:
        _short_days(rows)
    return rows


def gap_report(*, symbol: str | None = None, interval: str | None = None) -> list[Coverage]:
    """Coverage with each gap named: the sessions without a daily bar, and for intraday
    series the missing minutes as ranges ("2024-01-02 09:13-09:15")."""
    rows = coverage(symbol=symbol, interval=interval, missing=True)
    for row in rows:
        if facts.is_intraday(row.interval) and row.short_days:
            _missing_minutes(row)
    return rows


def _totals(pairs) -> list[Coverage]:
    if not pairs:
        return []
    with reads.connection().cursor() as cursor:
        cursor.execute(
            """
            SELECT p.symbol, p.interval_type, t.bars, t.first, t.last, coalesce(s.name, '')
            FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS p(symbol, interval_type, n)
            CROSS JOIN LATERAL (
                SELECT sum(d.bars)::bigint AS bars, min(d.first) AS first, max(d.last) AS last
                FROM market_data_days d
                WHERE d.symbol = p.symbol AND d.interval_type = p.interval_type
            ) AS t
            LEFT JOIN stock_metadata s ON s.symbol = p.symbol
            WHERE t.bars IS NOT NULL
            ORDER BY p.n
            """,
            [[s for s, _ in pairs], [i for _, i in pairs]],
        )
        return [
            Coverage(symbol=s, interval=i, bars=n, first=f, last=la, name=name)
            for s, i, n, f, la, name in cursor.fetchall()
        ]


def _day(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.astimezone(KST).date(), dt.time(), KST)


def _expected(rows) -> dict[str, dict[dt.datetime, int]]:
    """Bars expected per session day, for each judged interval of `rows`."""
    intervals = {r.interval for r in rows if judged(r.interval)}
    if not intervals:
        return {}
    first = min(r.first for r in rows).astimezone(KST).date()
    last = max(r.last for r in rows).astimezone(KST).date()
    days = sessions(first, last)
    expected = {}
    for interval in intervals:
        width = facts.step(interval)
        expected[interval] = {
            dt.datetime.combine(s.date, dt.time(), KST): len(s.slots(width)) if width else 1
            for s in days
        }
    return expected


def _short_days(rows) -> None:
    """Each judged row's missing count and the days that hold fewer bars than expected."""
    expected = _expected(rows)
    series = [r for r in rows if r.interval in expected]
    if not series:
        return
    days = [(i, d, n) for i, by_day in expected.items() for d, n in by_day.items()]
    with reads.connection().cursor() as cursor:
        cursor.execute(
            """
            SELECT p.n, e.day, coalesce(d.bars, 0), e.expected
            FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                WITH ORDINALITY AS p(symbol, interval_type, first_day, last_day, n)
            JOIN unnest(%s::text[], %s::timestamptz[], %s::int[]) AS e(interval_type, day, expected)
              ON e.interval_type = p.interval_type AND e.day BETWEEN p.first_day AND p.last_day
            LEFT JOIN market_data_days d ON d.symbol = p.symbol
                AND d.interval_type = p.interval_type AND d.day = e.day
            WHERE coalesce(d.bars, 0) < e.expected
            ORDER BY p.n, e.day
            """,
            [
                [r.symbol for r in series],
                [r.interval for r in series],
                [_day(r.first) for r in series],
                [_day(r.last) for r in series],
                [i for i, _, _ in days],
                [d for _, d, _ in days],
                [n for _, _, n in days],
            ],
        )
        found = cursor.fetchall()
    for row in series:
        row.missing = 0
    for n, day, held, wanted in found:
        row = series[n - 1]
        row.short_days.append((day.astimezone(KST).date(), held, wanted))
        row.missing += wanted - held
    for row in series:
        row.gaps = [
            str(day) if not held else f"{day} ({held} of {wanted})"
            for day, held, wanted in row.short_days
        ]


def _missing_minutes(row: Coverage) -> None:
    """The missing bars of an intraday row's short days: every slot of a day without bars,
    and the slots of the other short days that the index does not have."""
    width = facts.step(row.interval)
    held = {day: n for day, n, _ in row.short_days}
    days = [s for s in sessions(min(held), max(held)) if s.date in held]
    missing = [t for s in days if not held[s.date] for t in s.slots(width)]
    probed = [t for s in days if held[s.date] for t in s.slots(width)]
    if probed:
        with reads.connection().cursor() as cursor:
            cursor.execute(
                """
                SELECT e.t FROM unnest(%s::timestamptz[]) AS e(t)
                WHERE NOT EXISTS (SELECT 1 FROM market_data m WHERE m.symbol = %s
                                  AND m.interval_type = %s AND m.time = e.t)
                """,
                [probed, row.symbol, row.interval],
            )
            missing += [t.astimezone(KST) for (t,) in cursor.fetchall()]
    missing.sort()
    row.missing = len(missing)
    row.gaps = _ranges(missing, width)


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
