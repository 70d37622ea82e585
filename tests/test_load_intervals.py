"""A file is never stored under an interval its times contradict: the interval comes from
the spacing of the times unless something fixes it, and what fixes it must fit the times."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import MarketData

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
FDR = "Date,Open,High,Low,Close,Volume\n"
QB = "time,symbol,interval_type,open,high,low,close,volume\n"


def rows(times):
    return "".join(f"{t},100,110,90,105,1000\n" for t in times)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def load(path, *args):
    out = StringIO()
    call_command("load_marketdata", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def load_error(path, *args):
    with pytest.raises(CommandError) as caught:
        load(path, *args)
    return str(caught.value).replace(f"{path}", path.name)


def intervals():
    return set(MarketData.objects.values_list("interval_type", flat=True))


def hourly(days=3):
    return [f"2026-05-{4 + d:02d} {h:02d}:00:00+00:00" for d in range(days) for h in range(0, 7)]


@pytest.mark.parametrize(
    ("times", "interval"),
    [
        ([f"2024-01-{d:02d}" for d in (2, 3, 4, 5, 8, 9, 10)], "1d"),
        (["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29"], "1w"),
        (["2024-01-31", "2024-02-29", "2024-03-29", "2024-04-30"], "1M"),
        (hourly(), "60m"),
        ([f"2024-01-02 09:{m:02d}" for m in (0, 15, 30, 45)] + ["2024-01-03 09:00"], "15m"),
        ([f"2024-01-02 09:{m:02d}:00" for m in (0, 1, 2, 5, 9)], "1m"),
        ([f"2024-01-02 {9 + m // 60:02d}:{m % 60:02d}" for m in range(0, 390, 30)], "30m"),
    ],
)
def test_the_interval_comes_from_the_spacing_of_the_times(tmp_path, times, interval):
    load(write(tmp_path, "005930.csv", FDR + rows(times)))
    assert intervals() == {interval}


def test_hourly_bars_never_become_daily_bars(tmp_path):
    path = write(tmp_path, "005930_h1.csv", FDR + rows(hourly()))
    load(path)
    assert intervals() == {"60m"}
    times = MarketData.objects.order_by("time").values_list("time", flat=True)
    assert times[0] == dt.datetime(2026, 5, 4, 9, tzinfo=KST)


def test_an_interval_the_times_contradict_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path, "005930.csv", FDR + rows(hourly(1)))
    message = load_error(path, "--interval", "1d")
    assert message.splitlines()[:3] == [
        "Nothing was loaded.",
        "005930.csv:2: Date: 2026-05-04 00:00:00+00:00 does not start a 1d bar: its bars are "
        "stamped 00:00 KST, the session date",
        "005930.csv:3: Date: 2026-05-04 01:00:00+00:00 does not start a 1d bar: its bars are "
        "stamped 00:00 KST, the session date",
    ]
    assert not MarketData.objects.exists()


def test_an_interval_in_the_file_name_is_held_to_the_times_too(tmp_path):
    path = write(tmp_path, "005930_1d.csv", FDR + rows(hourly(1)))
    assert "does not start a 1d bar" in load_error(path)


def test_minutes_off_the_interval_grid_are_refused(tmp_path):
    times = ["2024-01-02 09:00", "2024-01-02 09:15", "2024-01-02 09:20"]
    path = write(tmp_path, "005930.csv", FDR + rows(times))
    assert load_error(path, "--interval", "15m") == (
        "Nothing was loaded.\n005930.csv:4: Date: 2024-01-02 09:20 does not start a 15m bar: "
        "its bars start on whole minutes divisible by 15, from 00:00 KST\n"
        "--skip-invalid loads the other rows and writes these to 005930.csv.rejects.csv"
    )


def test_a_canonical_file_is_held_to_its_own_interval_column(tmp_path):
    path = write(
        tmp_path,
        "bars.csv",
        QB + "2024-01-02,005930,1d,1,2,1,2,3\n2024-01-02 09:00,005930,1d,1,2,1,2,3\n",
    )
    assert load_error(path) == (
        "Nothing was loaded.\nbars.csv:3: time: 2024-01-02 09:00 does not start a 1d bar: its "
        "bars are stamped 00:00 KST, the session date\n"
        "--skip-invalid loads the other rows and writes these to bars.csv.rejects.csv"
    )


def test_a_bar_between_whole_minutes_is_refused(tmp_path):
    times = ["2024-01-02 09:00:00", "2024-01-02 09:00:30"]
    path = write(tmp_path, "005930.csv", FDR + rows(times))
    assert load_error(path) == (
        "Nothing was loaded.\n005930.csv:3: Date: a bar cannot start between whole minutes"
    )


def test_spacing_that_is_no_interval_asks_for_one(tmp_path):
    times = ["2024-01-02 09:00", "2024-01-02 09:07", "2024-01-02 09:14"]
    path = write(tmp_path, "005930.csv", FDR + rows(times))
    assert load_error(path) == (
        "Nothing was loaded.\n005930.csv: cannot tell the interval: the bars are 7 minutes "
        "apart, which is no interval we keep (1m, 3m, 5m, 10m, 15m, 30m, 60m); pass --interval"
    )


def test_bars_all_at_one_time_of_day_ask_for_an_interval(tmp_path):
    times = ["2024-01-02 09:00", "2024-01-03 09:00", "2024-01-04 09:00"]
    path = write(tmp_path, "005930.csv", FDR + rows(times))
    assert load_error(path) == (
        "Nothing was loaded.\n005930.csv: cannot tell the interval: every bar is at 09:00 KST, "
        "which is not 00:00 (daily bars); pass --interval"
    )


def test_dates_are_session_dates_whatever_zone_naive_times_are_in(tmp_path):
    path = write(tmp_path, "005930.csv", FDR + rows(["2024-01-02", "2024-01-03"]))
    load(path, "--tz", "UTC")
    assert list(MarketData.objects.order_by("time").values_list("time", "interval_type")) == [
        (dt.datetime(2024, 1, 2, tzinfo=KST), "1d"),
        (dt.datetime(2024, 1, 3, tzinfo=KST), "1d"),
    ]


def test_bar_time_end_is_for_minute_bars_only(tmp_path):
    path = write(tmp_path, "005930.csv", FDR + rows(["2024-01-02", "2024-01-03"]))
    assert load_error(path, "--bar-time", "end") == (
        "Nothing was loaded.\n005930.csv: --bar-time end is for minute bars; these are 1d bars"
    )
