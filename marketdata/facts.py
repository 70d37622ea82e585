"""Facts about the bars we hold, in one place: which intervals are intraday, when a bar's
close is known, the newest bar of each series (symbol, interval), and whether the data
is fresh. The health check, the front page, coverage, prices and risk all ask here.

Sessions and the last closed session are in marketdata/sessions.py.
"""

import datetime as dt
from dataclasses import dataclass, field

from marketdata import loose_scan, reads, sessions
from marketdata.models import Interval
from marketdata.timescale import day_counts

MINUTES = {
    Interval.MIN_1: 1,
    Interval.MIN_3: 3,
    Interval.MIN_5: 5,
    Interval.MIN_10: 10,
    Interval.MIN_15: 15,
    Interval.MIN_30: 30,
    Interval.MIN_60: 60,
}


def is_intraday(interval: str) -> bool:
    return interval in MINUTES


def step(interval: str) -> dt.timedelta | None:
    """The width of an intraday bar; None for days, weeks and months."""
    return dt.timedelta(minutes=MINUTES[interval]) if interval in MINUTES else None


def closes_after() -> dict[str, dt.timedelta]:
    """How long after its `time` each interval's bar has a known close, finest first. A
    daily bar is stamped 00:00 KST and closes with the day's last session (QB_SESSIONS);
    weeks and months are taken whole."""
    return {
        **{interval: step(interval) for interval in MINUTES},
        Interval.DAY: sessions.day_close_after(),
        Interval.WEEK: dt.timedelta(days=7),
        Interval.MONTH: dt.timedelta(days=31),
    }


def series(*, symbol: str | None = None, interval: str | None = None) -> list[tuple[str, str]]:
    """Every (symbol, interval) that has bars, in order, from the per-day counts."""
    if interval and not symbol:
        symbols = loose_scan.distinct(
            reads.connection(),
            table=day_counts.TABLE,
            columns=["symbol"],
            equal={"interval_type": interval},
        )
        return [(s, interval) for s in symbols]
    equal = {"symbol": symbol} | ({"interval_type": interval} if interval else {})
    return loose_scan.distinct(
        reads.connection(),
        table=day_counts.TABLE,
        columns=["symbol", "interval_type"],
        equal=equal if symbol else None,
    )


def newest_bars(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dt.datetime]:
    """The time of the newest bar of each (symbol, interval): one index probe each."""
    if not pairs:
        return {}
    with reads.connection().cursor() as cursor:
        cursor.execute(
            """
            SELECT p.symbol, p.interval_type, n.time
            FROM unnest(%s::text[], %s::text[]) AS p(symbol, interval_type)
            CROSS JOIN LATERAL (
                SELECT time FROM market_data m
                WHERE m.symbol = p.symbol AND m.interval_type = p.interval_type
                ORDER BY time DESC LIMIT 1
            ) AS n
            """,
            [[s for s, _ in pairs], [i for _, i in pairs]],
        )
        return {(s, i): t for s, i, t in cursor.fetchall()}


def expected_newest(session: sessions.Session, interval: str) -> dt.datetime | None:
    """The newest bar of `interval` that `session` should have left; None where freshness is
    not judged (weeks and months)."""
    if interval == Interval.DAY:
        return dt.datetime.combine(session.date, dt.time(), sessions.KST)
    width = step(interval)
    if width is None:
        return None
    slots = session.slots(width)
    return slots[-1] if slots else None


@dataclass
class IntervalFreshness:
    interval: str
    newest: dt.datetime
    expected: dt.datetime | None  # None: not judged
    series: int
    stale: list[str] = field(default_factory=list)  # symbols that stop before `expected`

    @property
    def fresh(self) -> bool:
        return not self.stale

    def as_dict(self) -> dict:
        return {
            "newest": self.newest.isoformat(),
            "expected": self.expected.isoformat() if self.expected else None,
            "symbols": self.series,
            "stale_symbols": self.stale,
        }


@dataclass
class Freshness:
    session: sessions.Session  # the last closed session
    intervals: list[IntervalFreshness]

    @property
    def fresh(self) -> bool:
        return all(i.fresh for i in self.intervals)


def freshness(now: dt.datetime) -> Freshness:
    """Per interval held: the newest bar, and the symbols whose newest bar is older than
    the last bar the last closed session should have left. The one rule for "fresh"."""
    session = sessions.last_closed(now)
    by_interval: dict[str, dict[str, dt.datetime]] = {}
    for (symbol, interval), newest in newest_bars(series()).items():
        by_interval.setdefault(interval, {})[symbol] = newest
    order = [Interval.DAY, *MINUTES, Interval.WEEK, Interval.MONTH]
    intervals = []
    for interval in sorted(by_interval, key=order.index):
        newest = by_interval[interval]
        expected = expected_newest(session, interval)
        stale = sorted(s for s, t in newest.items() if expected and t < expected)
        intervals.append(
            IntervalFreshness(
                interval=interval,
                newest=max(newest.values()),
                expected=expected,
                series=len(newest),
                stale=stale,
            )
        )
    return Freshness(session=session, intervals=intervals)
