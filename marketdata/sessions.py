"""KRX trading sessions from exchange_calendars' XKRX calendar (holidays, late opens)."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
# The closing call auction (the last 10 minutes) prints one trade, not a bar a minute.
CLOSING_AUCTION = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Session:
    date: dt.date
    open: dt.datetime
    close: dt.datetime

    @property
    def continuous_end(self) -> dt.datetime:
        """End of continuous trading: intraday bars are expected up to here."""
        return self.close - CLOSING_AUCTION


@lru_cache(maxsize=8)
def _calendar(first_year: int):
    # Imported here: pandas and the calendar take a second or two to load.
    import exchange_calendars

    return exchange_calendars.get_calendar("XKRX", start=f"{first_year}-01-01")


def sessions(start: dt.date, end: dt.date) -> list[Session]:
    """The KRX sessions from `start` to `end`, both included."""
    if end < start:
        return []
    calendar = _calendar(min(start.year, dt.date.today().year - 1))
    end = min(end, calendar.last_session.date())
    if end < start:
        return []
    schedule = calendar.schedule.loc[str(start) : str(end)]
    return [
        Session(
            date=day.date(),
            open=row.open.to_pydatetime().astimezone(KST),
            close=row.close.to_pydatetime().astimezone(KST),
        )
        for day, row in schedule.iterrows()
    ]


def last_closed(now: dt.datetime) -> Session:
    """The newest session that has closed by `now`."""
    today = now.astimezone(KST).date()
    return [s for s in sessions(today - dt.timedelta(days=20), today) if s.close <= now][-1]


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
