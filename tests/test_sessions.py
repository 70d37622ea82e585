"""Sessions by QB_SESSIONS, and the facts that follow them: expected bars, the last closed
session, when a daily close is known."""

import datetime as dt
from decimal import Decimal

import pytest

from marketdata import facts, sessions
from marketdata.prices import latest_closes
from tests import factories

KST = sessions.KST
MINUTE = dt.timedelta(minutes=1)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), KST)


def hours(session):
    return [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in session.windows]


def test_krx_expects_bars_from_the_open_to_the_closing_auction(settings):
    settings.QB_SESSIONS = "krx"
    [day] = sessions.sessions(dt.date(2025, 11, 26), dt.date(2025, 11, 26))
    assert hours(day) == [("09:00", "15:20")]
    assert day.end == at(day.date, 15, 30)
    assert len(day.slots(MINUTE)) == 380
    assert [f"{t:%H:%M}" for t in day.slots(dt.timedelta(minutes=60))] == [
        "09:00",
        "10:00",
        "11:00",
        "12:00",
        "13:00",
        "14:00",
        "15:00",
    ]


def test_krx_and_nextrade_add_the_pre_and_after_market(settings):
    settings.QB_SESSIONS = "krx+nxt"
    [day] = sessions.sessions(dt.date(2025, 11, 26), dt.date(2025, 11, 26))
    assert hours(day) == [("08:00", "08:50"), ("09:00", "15:20"), ("15:30", "20:00")]
    assert day.end == at(day.date, 20)
    assert len(day.slots(MINUTE)) == 50 + 380 + 270
    assert day.slots(dt.timedelta(minutes=30))[-1] == at(day.date, 19, 30)


def test_there_was_no_nextrade_before_2025_03_04(settings):
    settings.QB_SESSIONS = "krx+nxt"
    before, first = sessions.sessions(dt.date(2025, 2, 28), dt.date(2025, 3, 4))
    assert hours(before) == [("09:00", "15:20")]
    assert hours(first) == [("08:00", "08:50"), ("09:00", "15:20"), ("15:30", "20:00")]


def test_a_late_opening_day_has_no_pre_market(settings):
    # The first session of 2026 opened at 10:00.
    settings.QB_SESSIONS = "krx+nxt"
    [day] = sessions.sessions(dt.date(2026, 1, 2), dt.date(2026, 1, 2))
    assert hours(day) == [("10:00", "15:20"), ("15:30", "20:00")]


def test_the_last_closed_session_waits_for_the_after_market(settings):
    afternoon = at(dt.date(2025, 11, 26), 16)
    settings.QB_SESSIONS = "krx"
    assert sessions.last_closed(afternoon).date == dt.date(2025, 11, 26)
    settings.QB_SESSIONS = "krx+nxt"
    assert sessions.last_closed(afternoon).date == dt.date(2025, 11, 25)
    assert sessions.last_closed(at(dt.date(2025, 11, 26), 20)).date == dt.date(2025, 11, 26)


def test_the_newest_bar_expected_follows_the_sessions(settings):
    settings.QB_SESSIONS = "krx+nxt"
    [day] = sessions.sessions(dt.date(2025, 11, 26), dt.date(2025, 11, 26))
    assert facts.expected_newest(day, "1m") == at(day.date, 19, 59)
    assert facts.expected_newest(day, "1d") == at(day.date, 0)
    assert facts.expected_newest(day, "1w") is None


@pytest.mark.django_db
def test_a_daily_close_is_known_when_the_last_session_of_the_day_ends(settings):
    day = dt.date(2025, 11, 26)
    factories.bar(time=at(day, 0), close=Decimal("72800")).save()
    settings.QB_SESSIONS = "krx"
    assert latest_closes(["005930"], at(day, 16))["005930"].time == at(day, 15, 30)
    settings.QB_SESSIONS = "krx+nxt"
    assert latest_closes(["005930"], at(day, 16)) == {}
    assert latest_closes(["005930"], at(day, 20))["005930"].time == at(day, 20)
