"""The interval of a file's bars, from the spacing of their times, when nothing else says it.

Daily, weekly and monthly bars are stamped 00:00 KST (the session date, the week's or the
month's first session); the average number of days between a symbol's bars tells them
apart. Minute bars sit on a grid of their interval counted from 00:00 KST (09:00, 09:15,
...): the greatest common divisor of the gaps between the distinct times of day is the
interval, whatever bars are missing.
"""

import itertools
import math
from dataclasses import dataclass

from marketdata.facts import MINUTES, is_intraday
from marketdata.loader.errors import LoadError
from marketdata.models import Interval

__all__ = ["MINUTES", "is_intraday"]

DAILY = (Interval.DAY, Interval.WEEK, Interval.MONTH)
# Average days between bars: daily bars skip weekends and holidays, monthly ones vary.
DAYS_APART = ((Interval.DAY, 0, 4), (Interval.WEEK, 5, 10), (Interval.MONTH, 25, 35))
# The KRX regular session, in minutes since 00:00 KST.
SESSION_OPEN, SESSION_CLOSE = 9 * 60, 15 * 60 + 30


@dataclass(frozen=True)
class SeriesSpan:
    bars: int
    days: float  # from the first bar to the last


def daily_interval(spans: list[SeriesSpan], name: str) -> str:
    """1d, 1w or 1M from how far apart each symbol's bars are on average."""
    gaps = sum(s.bars - 1 for s in spans if s.bars > 1)
    if not gaps:
        return Interval.DAY  # one bar per symbol: a day, as the sources mean by default
    days = sum(s.days for s in spans if s.bars > 1) / gaps
    for interval, low, high in DAYS_APART:
        if low <= days < high:
            return interval
    raise LoadError(
        [
            f"{name}: cannot tell the interval: the bars are {days:.1f} days apart on "
            "average; pass --interval"
        ]
    )


def minute_interval(minutes: list[int], name: str) -> str:
    """The interval of minute bars whose distinct times of day are `minutes`."""
    if len(minutes) < 2:
        at = f"{minutes[0] // 60:02d}:{minutes[0] % 60:02d}" if minutes else "one time"
        raise LoadError(
            [
                f"{name}: cannot tell the interval: every bar is at {at} KST, which is not "
                "00:00 (daily bars); pass --interval"
            ]
        )
    step = math.gcd(*(b - a for a, b in itertools.pairwise(minutes)))
    for interval, size in MINUTES.items():
        if step == size:
            return interval
    if step % 60 == 0:
        return Interval.MIN_60
    raise LoadError(
        [
            f"{name}: cannot tell the interval: the bars are {step} minutes apart, which is "
            f"no interval we keep ({', '.join(MINUTES)}); pass --interval"
        ]
    )


def looks_end_stamped(minutes: list[int], interval: str) -> bool:
    """Regular-session bars none of which starts at the open, the first one interval after
    it, the last at the close: bars stamped with their end (Cybos, some brokers' exports)."""
    size = MINUTES[interval]
    return bool(minutes) and min(minutes) == SESSION_OPEN + size and max(minutes) == SESSION_CLOSE
