"""The direct way on plain PostgreSQL: a canonical file in one COPY, its series and the
per-day counts handed over by the insert trigger, the times checked by COPY itself."""

import datetime as dt

import pytest
from django.db import connection, transaction

from marketdata.loader import loading
from marketdata.loader.errors import LoadError
from marketdata.models import Load, MarketData
from marketdata.timescale import day_counts
from tests import factories

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
HEADER = "time,symbol,interval_type,open,high,low,close,volume\n"


def write(tmp_path, lines):
    path = tmp_path / "bars.csv"
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines))
    return path


def minute(hhmm, symbol="005930", day="2024-03-04", interval="1m"):
    return f"{day}T{hhmm}:00+09:00,{symbol},{interval},71000,72000,70000,71500,1000"


def load(path):
    (result,) = loading.load([str(path)], loading.Options())
    return result


def counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT symbol, interval_type, day, bars, first, last FROM market_data_days "
            "ORDER BY 1, 2, 3"
        )
        return [
            (s, i, f"{d.astimezone(KST):%Y-%m-%d}", n, f"{a:%H:%M}", f"{b:%H:%M}")
            for s, i, d, n, a, b in (
                (s, i, d, n, a.astimezone(KST), b.astimezone(KST))
                for s, i, d, n, a, b in cursor.fetchall()
            )
        ]


def test_a_canonical_file_goes_in_directly_and_its_days_are_counted(tmp_path):
    path = write(
        tmp_path,
        [
            minute("09:00"),
            minute("09:01"),
            minute("15:30", day="2024-03-05"),
            minute("10:00", symbol="000660"),
        ],
    )
    result = load(path)

    assert (result.way, result.write, result.inserted) == ("direct", "insert", 4)
    assert [(s.symbol, s.interval, s.inserted) for s in result.series] == [
        ("000660", "1m", 1),
        ("005930", "1m", 3),
    ]
    assert counts() == [
        ("000660", "1m", "2024-03-04", 1, "10:00", "10:00"),
        ("005930", "1m", "2024-03-04", 2, "09:00", "09:01"),
        ("005930", "1m", "2024-03-05", 1, "15:30", "15:30"),
    ]
    day_counts.rebuild()
    assert counts()[1] == ("005930", "1m", "2024-03-04", 2, "09:00", "09:01")


def test_the_series_of_a_direct_load_hold_the_times_of_its_bars(tmp_path):
    result = load(write(tmp_path, ["2024-01-02,005930,1d,71000,72000,70000,71500,1000"]))

    (series,) = Load.objects.get(pk=result.load_id).series.all()
    assert (series.first, series.last) == (
        dt.datetime(2024, 1, 2, tzinfo=KST),
        dt.datetime(2024, 1, 2, tzinfo=KST),
    )
    assert list(MarketData.objects.values_list("time", "load_id")) == [
        (dt.datetime(2024, 1, 2, tzinfo=KST), result.load_id)
    ]


def test_a_direct_load_beside_stored_bars_of_the_same_day_adds_to_its_count(tmp_path):
    factories.bar(interval_type="1m", time=dt.datetime(2024, 3, 4, 9, 0, tzinfo=KST)).save()
    result = load(write(tmp_path, [minute("09:01"), minute("09:02")]))

    assert (result.way, result.inserted) == ("direct", 2)
    assert counts() == [("005930", "1m", "2024-03-04", 3, "09:00", "09:02")]
    assert list(MarketData.objects.order_by("time").values_list("load_id", flat=True)) == [
        None,
        result.load_id,
        result.load_id,
    ]


def test_a_bar_off_its_grid_stops_the_copy_and_the_text_way_names_it(tmp_path):
    path = write(tmp_path, [minute("09:00", interval="5m"), minute("09:01", interval="5m")])

    with pytest.raises(LoadError) as caught:
        load(path)
    assert caught.value.errors == [
        f"{path}:3: time: 2024-03-04T09:01:00+09:00 does not start a 5m bar: its bars start "
        "on whole minutes divisible by 5, from 00:00 KST"
    ]
    assert (MarketData.objects.count(), counts()) == (0, [])


def test_a_bar_after_today_stops_the_copy_and_nothing_is_written(tmp_path):
    path = write(tmp_path, [minute("09:00"), minute("09:00", day="2999-01-04")])

    with pytest.raises(LoadError):
        load(path)
    assert (MarketData.objects.count(), counts()) == (0, [])


def test_a_reload_of_the_same_file_merges_and_counts_nothing_twice(tmp_path):
    path = write(tmp_path, [minute("09:00"), minute("09:01")])
    load(path)
    result = load(path)

    assert (result.way, result.unchanged) == ("typed", 2)
    assert counts() == [("005930", "1m", "2024-03-04", 2, "09:00", "09:01")]


def test_the_trigger_hands_counts_only_to_the_session_that_asks_for_them():
    with transaction.atomic():
        day_counts.hand_counts()
        factories.bar(interval_type="1m", time=dt.datetime(2024, 3, 4, 9, 0, tzinfo=KST)).save()
        factories.bar(interval_type="1m", time=dt.datetime(2024, 3, 5, 9, 5, tzinfo=KST)).save()
        handed = day_counts.handed_series()
        # Once read, the trigger counts as for any writer.
        factories.bar(interval_type="1m", time=dt.datetime(2024, 3, 5, 9, 6, tzinfo=KST)).save()

    assert handed == [
        (
            "005930",
            "1m",
            2,
            dt.datetime(2024, 3, 4, 9, 0, tzinfo=KST),
            dt.datetime(2024, 3, 5, 9, 5, tzinfo=KST),
        )
    ]
    assert counts() == [
        ("005930", "1m", "2024-03-04", 1, "09:00", "09:00"),
        ("005930", "1m", "2024-03-05", 2, "09:05", "09:06"),
    ]
