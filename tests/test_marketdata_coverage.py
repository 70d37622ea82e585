import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from marketdata.coverage import coverage as coverage_rows
from marketdata.coverage import gap_report
from marketdata.models import MarketData, StockMetadata
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def coverage(*args):
    out = StringIO()
    call_command("marketdata_coverage", *args, stdout=out)
    return out.getvalue()


def daily(symbol, *days):
    MarketData.objects.bulk_create(
        factories.bar(symbol=symbol, time=dt.datetime(2024, 2, d, tzinfo=KST)) for d in days
    )


def test_each_symbol_and_interval_gets_its_bars_first_and_last():
    factories.stock().save()
    daily("005930", 5, 6, 7)
    factories.bar(
        symbol="000660", interval_type="1m", time=dt.datetime(2024, 2, 5, 9, tzinfo=KST)
    ).save()

    assert coverage() == (
        "symbol  name      interval  bars  first             last\n"
        "000660            1m        1     2024-02-05 09:00  2024-02-05 09:00\n"
        "005930  삼성전자  1d        3     2024-02-05 00:00  2024-02-07 00:00\n"
    )


def test_seollal_is_not_a_gap_but_a_missing_session_is():
    # 2024-02-09 (Fri) and 2024-02-12 (Mon, substitute holiday) were Seollal: no sessions.
    daily("005930", 5, 6, 7, 8, 14, 15, 16)

    output = coverage("--gaps", "--symbol", "005930")

    assert output.splitlines()[1].split()[-1] == "1"
    assert output.splitlines()[2:] == ["    missing 2024-02-13"]


def test_missing_minutes_inside_a_session_are_listed_as_ranges():
    session = dt.datetime(2024, 2, 5, 9, tzinfo=KST)
    held = [m for m in range(380) if m not in (13, 14, 15, 200)]
    MarketData.objects.bulk_create(
        factories.bar(time=session + dt.timedelta(minutes=m), interval_type="1m") for m in held
    )

    [row] = json.loads(coverage("--gaps", "--format", "json"))

    assert (row["bars"], row["missing"]) == (376, 4)
    assert row["gaps"] == ["2024-02-05 09:13-09:15", "2024-02-05 12:20"]


def test_csv_output_has_one_row_per_pair():
    daily("005930", 5, 6)
    assert coverage("--format", "csv").splitlines() == [
        "symbol,name,interval,bars,first,last,missing",
        "005930,,1d,2,2024-02-04T15:00:00+00:00,2024-02-05T15:00:00+00:00,",
    ]


def test_filters_narrow_the_rows():
    daily("005930", 5)
    daily("000660", 5)
    assert [json.loads(coverage("--symbol", "000660", "--format", "json"))[0]["symbol"]] == [
        "000660"
    ]
    assert json.loads(coverage("--interval", "1m", "--format", "json")) == []


def test_with_nextrade_hours_the_pre_and_after_market_minutes_are_expected(settings):
    settings.QB_SESSIONS = "krx+nxt"
    session = dt.datetime(2025, 11, 26, 9, tzinfo=KST)
    MarketData.objects.bulk_create(
        factories.bar(time=session + dt.timedelta(minutes=m), interval_type="1m")
        for m in range(380)
    )

    [row] = json.loads(coverage("--gaps", "--format", "json"))

    assert (row["bars"], row["missing"]) == (380, 50 + 270)
    assert row["gaps"] == ["2025-11-26 08:00-08:49", "2025-11-26 15:30-19:59"]


@pytest.mark.django_db
def test_the_csv_quotes_names_a_spreadsheet_would_run_as_formulas():
    StockMetadata.objects.create(symbol="005930", name="=cmd|' /C calc'!A0", market="KOSPI")
    factories.bar().save()
    out = StringIO()
    call_command("marketdata_coverage", "--format", "csv", stdout=out)
    assert out.getvalue().splitlines()[1].startswith("005930,'=cmd|' /C calc'!A0,1d,1,")


def test_the_list_counts_what_the_gap_report_names():
    # 2024-11-14 was the CSAT day: KRX traded an hour later, 10:00-16:30.
    minutes = []
    for day, held in (
        (dt.date(2024, 11, 13), range(380)),  # complete
        (dt.date(2024, 11, 14), range(60, 440)),  # complete, an hour late
        # 11-15 missing entirely; 11-16 a Saturday holding one bar
        (dt.date(2024, 11, 16), [0]),
        (dt.date(2024, 11, 18), [*range(379), 400]),  # 15:19 missing, a bar at 15:40
        (dt.date(2024, 11, 19), range(100)),  # short by 280
    ):
        start = dt.datetime.combine(day, dt.time(9), KST)
        minutes += [start + dt.timedelta(minutes=m) for m in held]
    MarketData.objects.bulk_create(factories.bar(time=t, interval_type="1m") for t in minutes)
    daily("005930", 5, 6, 8)  # 2024-02-07 missing

    listed = {(r.interval, r.missing) for r in coverage_rows(missing=True)}
    reported = gap_report()

    assert listed == {(r.interval, r.missing) for r in reported} == {("1m", 660), ("1d", 1)}
    minute_gaps = next(r for r in reported if r.interval == "1m").gaps
    assert minute_gaps == ["2024-11-15 09:00-15:19", "2024-11-19 10:40-15:19"]
