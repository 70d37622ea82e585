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
    short = [r for r in rows if facts.is_intraday(r.interval) and r.short_days]
    if short:
        days = [day for r in short for day, _, _ in r.short_days]
        by_date = {s.date: s for s in sessions(min(days), max(days))}
        held = _held_times(short)
        for n, row in enumerate(short):
            _missing_minutes(row, by_date, held.get(n, set()))
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
            dt.datetime.combine(s.date, dt.time(), KST): s.slot_count(width) if width else 1
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
        # The series' counts are read once (an index range each) and matched to the
        # sessions by hashing, not probed day by day.
        cursor.execute(
            """
            WITH p AS MATERIALIZED (
                SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])
                    WITH ORDINALITY AS p(symbol, interval_type, first_day, last_day, n)
            ),
            held AS MATERIALIZED (
                SELECT p.n, d.day, d.bars FROM p
                JOIN market_data_days d ON d.symbol = p.symbol AND d.interval_type = p.interval_type
            ),
            wanted AS MATERIALIZED (
                SELECT p.n, e.day, e.expected FROM p
                JOIN unnest(%s::text[], %s::timestamptz[], %s::int[])
                    AS e(interval_type, day, expected)
                  ON e.interval_type = p.interval_type AND e.day BETWEEN p.first_day AND p.last_day
            )
            SELECT w.n, w.day, coalesce(h.bars, 0), w.expected
            FROM wanted w LEFT JOIN held h ON h.n = w.n AND h.day = w.day
            WHERE coalesce(h.bars, 0) < w.expected
            ORDER BY w.n, w.day
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


def _held_times(rows) -> dict[int, set]:
    """The bar times (epoch seconds) that the short days of `rows` do hold (those not
    empty), by row: one index range per day, all in one query."""
    partial = [(n, r, day) for n, r in enumerate(rows) for day, held, _ in r.short_days if held]
    if not partial:
        return {}
    with reads.connection().cursor() as cursor:
        cursor.execute(
            """
            SELECT p.n, extract(epoch FROM m.time)::bigint
            FROM unnest(%s::int[], %s::text[], %s::text[], %s::timestamptz[])
                AS p(n, symbol, interval_type, day)
            CROSS JOIN LATERAL (
                SELECT time FROM market_data m
                WHERE m.symbol = p.symbol AND m.interval_type = p.interval_type
                  AND m.time >= p.day AND m.time < p.day + interval '1 day'
                -- A day holds at most 1,440 bars; the limit also keeps the planner on one
                -- index range per day instead of hashing the whole table.
                ORDER BY m.time LIMIT 1440
            ) AS m
            """,
            [
                [n for n, _, _ in partial],
                [r.symbol for _, r, _ in partial],
                [r.interval for _, r, _ in partial],
                [dt.datetime.combine(day, dt.time(), KST) for _, _, day in partial],
            ],
        )
        held: dict[int, set] = {}
        for n, time in cursor.fetchall():
            held.setdefault(n, set()).add(time)
    return held


def _missing_minutes(row: Coverage, by_date: dict, held: set) -> None:
    """The missing bars of an intraday row's short days: the expected slots they lack.
    Compared as epoch seconds: hundreds of thousands of slots stay cheap."""
    width = facts.step(row.interval)
    seconds = int(width.total_seconds())
    missing = [
        dt.datetime.fromtimestamp(second, KST)
        for day, _, _ in row.short_days
        for first, count in by_date[day].spans(width)
        for second in range(
            int(first.timestamp()), int(first.timestamp()) + count * seconds, seconds
        )
        if second not in held
    ]
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
