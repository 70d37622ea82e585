"""What market data we hold, per series (symbol, interval): bars, first and last, and what
is missing against the sessions (QB_SESSIONS).

Everything is read from the per-day counts (marketdata/timescale/day_counts.py), so the cost follows
the number of series and days, not of bars. Only the gap report's minute ranges look at
bars, and only on the days whose count falls short.

A day counts as complete when it holds at least the bars its sessions expect: a feed that
adds a bar outside the session hours (a closing-auction bar at 15:30, say) on the same day
as it misses one inside them shows that day as complete.
"""

import datetime as dt
import itertools
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
    """One row per series (those of `pairs`, else every one that matches), with the number
    of bars missing against the sessions when `missing`."""
    if pairs is None:
        pairs = facts.series(symbol=symbol, interval=interval)
    rows = _totals(pairs)
    if missing:
        _missing(rows)
    return rows


def gap_report(*, symbol: str | None = None, interval: str | None = None) -> list[Coverage]:
    """Coverage with each gap named: the sessions without a daily bar, and for intraday
    series the missing minutes as ranges ("2024-01-02 09:13-09:15")."""
    rows = coverage(symbol=symbol, interval=interval)
    _short_days(rows)
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


@dataclass
class _Calendar:
    """The bars each calendar day from `first` on expects, per judged interval of some
    rows: arrays indexed by the day, so that the per-day counts are matched to them
    without a join."""

    first: dt.date
    intervals: list[str]
    expected: list[list[int]]  # [interval][day - first]; 0 on days without a session

    @classmethod
    def of(cls, rows) -> "_Calendar":
        first = min(r.first for r in rows).astimezone(KST).date()
        last = max(r.last for r in rows).astimezone(KST).date()
        intervals = sorted({r.interval for r in rows})
        expected = [[0] * ((last - first).days + 1) for _ in intervals]
        for session in sessions(first, last):
            day = (session.date - first).days
            for k, interval in enumerate(intervals):
                width = facts.step(interval)
                expected[k][day] = session.slot_count(width) if width else 1
        return cls(first=first, intervals=intervals, expected=expected)

    def of_row(self, row) -> list[int]:
        return self.expected[self.intervals.index(row.interval)]

    def day(self, moment: dt.datetime) -> int:
        return (moment.astimezone(KST).date() - self.first).days

    def params(self, rows) -> dict:
        return {
            "symbols": [r.symbol for r in rows],
            "intervals": [r.interval for r in rows],
            "k": [self.intervals.index(r.interval) + 1 for r in rows],
            # One dimension: PostgreSQL reads a flat array's items faster.
            "expected": [n for by_day in self.expected for n in by_day],
            "days": len(self.expected[0]),
            "origin": dt.datetime.combine(self.first, dt.time(), KST),
        }


# Each series' per-day counts (an index range each) with the day's place in the calendar
# (days since its first, counted between Korean midnights) and the bars it expects.
_HELD_DAYS = """
    SELECT day, bars, i, (%(expected)s::int[])[(p.k - 1) * %(days)s + i] AS expected
    FROM (
        SELECT day, bars, date_part('day', day - %(origin)s)::int + 1 AS i
        FROM market_data_days
        WHERE symbol = p.symbol AND interval_type = p.interval_type
    ) AS held
"""
_SERIES = """
    unnest(%(symbols)s::text[], %(intervals)s::text[], %(k)s::int[])
        WITH ORDINALITY AS p(symbol, interval_type, k, n)
"""


def _missing(rows) -> None:
    """Each judged row's number of missing bars: what its sessions expect from its first
    day to its last, less what its days hold up to what each expects. One aggregate over
    each series' per-day counts."""
    series = [r for r in rows if judged(r.interval)]
    if not series:
        return
    calendar = _Calendar.of(series)
    with reads.connection().cursor() as cursor:
        cursor.execute(
            f"SELECT p.n, coalesce(sum(least(d.bars, d.expected)), 0) FROM {_SERIES} "
            f"CROSS JOIN LATERAL ({_HELD_DAYS}) AS d GROUP BY p.n",
            calendar.params(series),
        )
        held = dict(cursor.fetchall())
    for n, row in enumerate(series, start=1):
        by_day = calendar.of_row(row)
        wanted = sum(by_day[calendar.day(row.first) : calendar.day(row.last) + 1])
        row.missing = wanted - held.get(n, 0)


def _short_days(rows) -> None:
    """Each judged row's missing count and the days that hold fewer bars than expected,
    sessions without any bar included: only the short days, and the held days that follow
    a skipped session, come back from the database."""
    series = [r for r in rows if judged(r.interval)]
    if not series:
        return
    calendar = _Calendar.of(series)
    sessions_up_to = list(itertools.accumulate(1 if n else 0 for n in calendar.expected[0]))
    with reads.connection().cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.n, d.i, d.previous, d.bars, d.expected
            FROM {_SERIES}
            CROSS JOIN LATERAL (
                SELECT i, bars, expected, lag(i) OVER (ORDER BY day) AS previous
                FROM ({_HELD_DAYS}) AS held
            ) AS d
            WHERE d.bars < d.expected
               OR (%(sessions)s::int[])[d.i - 1] > (%(sessions)s::int[])[d.previous]
            ORDER BY p.n, d.i
            """,
            calendar.params(series) | {"sessions": sessions_up_to},
        )
        found = cursor.fetchall()
    for n, i, previous, held, wanted in found:
        row = series[n - 1]
        by_day = calendar.of_row(row)
        if previous is not None:  # the sessions skipped since the previous day held
            for day in range(previous, i - 1):
                if by_day[day]:
                    row.short_days.append((calendar.first + dt.timedelta(days=day), 0, by_day[day]))
        if held < wanted:
            row.short_days.append((calendar.first + dt.timedelta(days=i - 1), held, wanted))
    for row in series:
        row.missing = sum(wanted - held for _, held, wanted in row.short_days)
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
