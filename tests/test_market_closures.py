"""Days KRX is closed that exchange_calendars does not know (marketdata/sessions.py
CLOSURES and QB_MARKET_CLOSURES): no session, so no settlement, no expected bars."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from marketdata import sessions
from marketdata.models import MarketData, StockMetadata
from tests import factories
from trading import fills
from trading.fills import taxes

KST = dt.timezone(dt.timedelta(hours=9))
ELECTION = dt.date(2026, 6, 3)


def days(start, end):
    return [s.date for s in sessions.sessions(start, end)]


def test_the_2026_local_election_day_and_constitution_day_are_not_sessions():
    assert days(dt.date(2026, 6, 1), dt.date(2026, 6, 5)) == [
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 2),
        dt.date(2026, 6, 4),
        dt.date(2026, 6, 5),
    ]
    assert dt.date(2026, 7, 17) not in days(dt.date(2026, 7, 13), dt.date(2026, 7, 20))


def test_the_last_closed_session_on_election_day_is_the_day_before():
    now = dt.datetime(2026, 6, 3, 18, 0, tzinfo=KST)
    assert sessions.last_closed(now).date == dt.date(2026, 6, 2)


@pytest.mark.django_db
def test_a_fill_on_the_eve_of_the_election_settles_two_sessions_later():
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    trade = factories.trade(
        side="SELL",
        quantity=10,
        price=Decimal(70000),
        executed_at=dt.datetime(2026, 6, 2, 10, tzinfo=KST),
    )

    [assessed] = fills.assess([trade])

    # 06-03 closed, 06-04 a session: T+2 is 06-05.
    assert assessed.settles_on == dt.date(2026, 6, 5)
    assert taxes.settlement_dates([dt.date(2026, 6, 1)]) == {
        dt.date(2026, 6, 1): dt.date(2026, 6, 4)
    }


@pytest.mark.django_db
def test_coverage_expects_no_bar_on_election_day():
    MarketData.objects.bulk_create(
        factories.bar(symbol="005930", time=dt.datetime(2026, 6, d, tzinfo=KST))
        for d in (1, 2, 4, 5)
    )
    out = StringIO()
    call_command("marketdata_coverage", "--gaps", "--format", "json", stdout=out)

    [row] = json.loads(out.getvalue())
    assert (row["bars"], row["missing"], row["gaps"]) == (4, 0, [])


@pytest.mark.django_db
def test_a_closure_announced_later_is_a_setting(settings):
    settings.QB_MARKET_CLOSURES = frozenset({dt.date(2026, 6, 5)})

    assert days(dt.date(2026, 6, 1), dt.date(2026, 6, 8)) == [
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 2),
        dt.date(2026, 6, 4),
        dt.date(2026, 6, 8),
    ]
    assert taxes.settlement_dates([ELECTION - dt.timedelta(days=1)]) == {
        dt.date(2026, 6, 2): dt.date(2026, 6, 8)
    }


def test_the_setting_reads_iso_dates_and_names_a_bad_one():
    assert sessions.parse_closures(" 2026-06-05, 2026-09-28 ,") == {
        dt.date(2026, 6, 5),
        dt.date(2026, 9, 28),
    }
    assert sessions.parse_closures("") == frozenset()
    with pytest.raises(ValueError, match="'2026-13-01' is not a date like 2026-06-03"):
        sessions.parse_closures("2026-06-05,2026-13-01")
