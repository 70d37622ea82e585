"""Trading sessions: the KRX calendar (exchange_calendars' XKRX: holidays, late opens) and
the hours in which bars are expected, by QB_SESSIONS.

- `krx` (default): KRX's regular session, 09:00-15:30; continuous trading ends at 15:20,
  when the closing call auction starts (one print at 15:30, not a bar a minute).
- `krx+nxt`: also Nextrade's pre-market 08:00-08:50 and after-market 15:30-20:00, from
  its first day of trading, 2025-03-04. Nextrade's main market runs with KRX's continuous
  trading (09:00-15:20); on a day KRX opens late (the CSAT day) Nextrade holds no
  pre-market and its after-market starts when KRX closes.

Days KRX is closed that the calendar package does not know yet (an election day, a new
public holiday) are taken out of every session list here: the built-in CLOSURES, with the
rule that closes each, and QB_MARKET_CLOSURES for ones announced later. Everything that
asks whether a day is a session (settlement dates, previous closes, the last closed
session, coverage and freshness, performance days) asks `sessions()`.

docs/sessions.md cites where these hours and closures come from.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

MARKET_TIME_ZONE = "Asia/Seoul"
KST = ZoneInfo(MARKET_TIME_ZONE)
# The closing call auction (the last 10 minutes) prints one trade, not a bar a minute.
CLOSING_AUCTION = dt.timedelta(minutes=10)
PROFILES = ("krx", "krx+nxt")
NXT_FIRST_DAY = dt.date(2025, 3, 4)
NXT_PRE_MARKET = (dt.time(8, 0), dt.time(8, 50))
NXT_AFTER_MARKET_END = dt.time(20, 0)
REGULAR_OPEN = dt.time(9, 0)
CALENDAR_FROM = 2000
# KRX closes on every public holiday of the Regulation on Holidays of Government Offices
# (유가증권시장 업무규정 제5조); exchange_calendars 4.13.2 (XKRX) misses these of them.
CLOSURES = frozenset(
    {
        # 9th nationwide local elections: an election day at the end of a term is a public
        # holiday (관공서의 공휴일에 관한 규정 제2조 제10호; 공직선거법 제34조 제1항 제3호).
        dt.date(2026, 6, 3),
        # Constitution Day, a public holiday again from 2026 (공휴일에 관한 법률 개정,
        # passed 2026-01-29).
        dt.date(2026, 7, 17),
    }
)


def parse_closures(text: str) -> frozenset[dt.date]:
    """QB_MARKET_CLOSURES: ISO dates separated by commas; ValueError naming a bad one."""
    days = set()
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            days.add(dt.date.fromisoformat(item))
        except ValueError as e:
            raise ValueError(f"{item!r} is not a date like 2026-06-03") from e
    return frozenset(days)


def closures() -> frozenset[dt.date]:
    """Days KRX is closed beyond what the calendar package knows."""
    return CLOSURES | settings.QB_MARKET_CLOSURES


@dataclass(frozen=True)
class Session:
    """One trading day. `open` and `close` are KRX's regular session; `windows` are the
    stretches of continuous trading in which intraday bars are expected; `end` is when the
    day's last price is final."""

    date: dt.date
    open: dt.datetime
    close: dt.datetime
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]

    @property
    def end(self) -> dt.datetime:
        return max(self.close, self.windows[-1][1])

    @property
    def continuous_end(self) -> dt.datetime:
        """End of the last window: intraday bars are expected up to here."""
        return self.windows[-1][1]

    def slots(self, step: dt.timedelta) -> list[dt.datetime]:
        """Starts of the bars of width `step` expected this day: every multiple of `step`
        from midnight (Korea time) that falls inside a window."""
        return [first + n * step for first, count in self.spans(step) for n in range(count)]

    def slot_count(self, step: dt.timedelta) -> int:
        return sum(count for _first, count in self.spans(step))

    def spans(self, step: dt.timedelta):
        """(first slot, number of slots) of each window."""
        midnight = dt.datetime.combine(self.date, dt.time(), KST)
        for start, end in self.windows:
            first = midnight + -(-(start - midnight) // step) * step
            yield first, max(0, -(-(end - first) // step))


def _windows(day, open_, close, profile) -> tuple:
    regular = (open_, close - CLOSING_AUCTION)
    if profile == "krx" or day < NXT_FIRST_DAY:
        return (regular,)
    windows = []
    if open_.time() == REGULAR_OPEN:
        start, end = (dt.datetime.combine(day, t, KST) for t in NXT_PRE_MARKET)
        windows.append((start, end))
    windows.append(regular)
    windows.append((close, dt.datetime.combine(day, NXT_AFTER_MARKET_END, KST)))
    return tuple(windows)


@lru_cache(maxsize=8)
def _calendar(first_year: int):
    # Imported here: pandas and the calendar take a second or two to load.
    import exchange_calendars

    return exchange_calendars.get_calendar("XKRX", start=f"{first_year}-01-01")


def sessions(start: dt.date, end: dt.date, *, profile: str | None = None) -> list[Session]:
    """The sessions from `start` to `end`, both included, with the hours of `profile`
    (QB_SESSIONS by default)."""
    return list(_sessions(start, end, profile or settings.QB_SESSIONS, closures()))


@lru_cache(maxsize=256)
def _sessions(
    start: dt.date, end: dt.date, profile: str, closed: frozenset[dt.date]
) -> tuple[Session, ...]:
    if end < start:
        return ()
    # One calendar a process (building one takes seconds), unless asked for older years.
    calendar = _calendar(min(start.year, CALENDAR_FROM))
    end = min(end, calendar.last_session.date())
    if end < start:
        return ()
    schedule = calendar.schedule.loc[str(start) : str(end)]
    days = []
    for day, open_, close in zip(
        schedule.index.date,
        schedule["open"].dt.tz_convert(KST).dt.to_pydatetime(),
        schedule["close"].dt.tz_convert(KST).dt.to_pydatetime(),
        strict=True,
    ):
        if day in closed:
            continue
        days.append(
            Session(date=day, open=open_, close=close, windows=_windows(day, open_, close, profile))
        )
    return tuple(days)


def last_closed(now: dt.datetime) -> Session:
    """The newest session whose trading has ended by `now`."""
    today = now.astimezone(KST).date()
    return [s for s in sessions(today - dt.timedelta(days=20), today) if s.end <= now][-1]


def day_close_after() -> dt.timedelta:
    """How long after 00:00 of its day a daily bar's close is final, by QB_SESSIONS."""
    if settings.QB_SESSIONS == "krx":
        return dt.timedelta(hours=15, minutes=30)
    return dt.timedelta(hours=NXT_AFTER_MARKET_END.hour, minutes=NXT_AFTER_MARKET_END.minute)


def as_of(text: str) -> dt.datetime:
    """A moment given on a command line: ISO date-time (Korea time when naive), or a date,
    which means the end of that day in Korea."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time.max, KST)
        moment = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(
            f"{text!r} is not a date (2024-01-31) or date-time (2024-01-31T15:30)"
        ) from e
    return moment if moment.tzinfo else moment.replace(tzinfo=KST)
