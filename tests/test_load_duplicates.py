"""A bar a file gives twice: identical rows are one bar, different rows are an error that
names both lines, whatever the table already holds and whichever way the file comes in."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import MarketData

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
HEADER = "Date,Open,High,Low,Close,Volume\n"
JAN2 = "2024-01-02,100,110,90,105,1000\n"
JAN3 = "2024-01-03,100,110,90,105,1000\n"
JAN2_OTHER = "2024-01-02,100,110,90,106,1000\n"
QB = "time,symbol,interval_type,open,high,low,close,volume\n"


def write(tmp_path, text, name="005930.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def load(*args):
    out = StringIO()
    call_command("load_marketdata", *map(str, args), stdout=out)
    return out.getvalue()


def load_error(*args):
    with pytest.raises(CommandError) as caught:
        load(*args)
    return str(caught.value)


def summary(output):
    return output.strip().splitlines()[-1].split(" in ")[0]


def closes():
    return list(MarketData.objects.order_by("time").values_list("time", "close"))


@pytest.fixture(params=["empty", "full"])
def table(request, tmp_path):
    """The table empty, or holding the bars the files below give (the first rows' values)."""
    if request.param == "full":
        load(write(tmp_path, HEADER + JAN2 + JAN3, name="stored_005930.csv"), "--symbol", "005930")
    return request.param


@pytest.mark.parametrize("on_conflict", ["update", "skip", "error"])
def test_two_different_rows_for_one_bar_are_an_error_naming_both_lines(
    tmp_path, table, on_conflict
):
    path = write(tmp_path, HEADER + JAN2 + JAN3 + JAN2_OTHER)
    before = closes()

    error = load_error(path, "--on-conflict", on_conflict)

    assert error == (
        "Nothing was loaded.\n"
        f"{path}:2: Date: 2024-01-02: lines 2, 4 give the bar of 005930 different values\n"
        f"{path}:4: Date: 2024-01-02: lines 2, 4 give the bar of 005930 different values"
        f"\n--skip-invalid loads the other rows and writes these to {path}.rejects.csv"
    )
    assert closes() == before


def test_the_error_holds_when_the_second_row_matches_the_stored_bar(tmp_path, table):
    # Stored close is 105: the first row (106) would update it, the second set it back.
    path = write(tmp_path, HEADER + JAN2_OTHER + JAN2)

    assert load_error(path) == (
        "Nothing was loaded.\n"
        f"{path}:2: Date: 2024-01-02: lines 2, 3 give the bar of 005930 different values\n"
        f"{path}:3: Date: 2024-01-02: lines 2, 3 give the bar of 005930 different values"
        f"\n--skip-invalid loads the other rows and writes these to {path}.rejects.csv"
    )


def test_with_skip_invalid_the_rejects_file_holds_both_lines(tmp_path, table):
    path = write(tmp_path, HEADER + JAN2 + JAN3 + JAN2_OTHER)
    err = StringIO()

    call_command("load_marketdata", str(path), "--skip-invalid", stdout=StringIO(), stderr=err)

    rejects = (tmp_path / "005930.csv.rejects.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rejects] == ["line", "2", "4"]
    assert closes() == [(dt.datetime(2024, 1, 2, tzinfo=KST), 105)] * (table == "full") + [
        (dt.datetime(2024, 1, 3, tzinfo=KST), 105)
    ]


def test_two_identical_rows_are_one_bar_and_the_summary_says_so(tmp_path, table):
    path = write(tmp_path, HEADER + JAN2 + JAN3 + JAN2)

    output = load(path)

    counts = (
        "inserted 2, updated 0, unchanged 0"
        if table == "empty"
        else ("inserted 0, updated 0, unchanged 2")
    )
    assert summary(output) == (
        f"{counts}, skipped 0 (no trading), rejected 0, duplicates 1 (identical rows, one bar)"
    )
    assert (
        f"{path}: 1 rows repeat an earlier row exactly and were read as one bar with it: "
        "lines 4" in output.splitlines()
    )
    assert closes() == [
        (dt.datetime(2024, 1, 2, tzinfo=KST), 105),
        (dt.datetime(2024, 1, 3, tzinfo=KST), 105),
    ]


def test_identical_rows_written_differently_are_still_one_bar(tmp_path, table):
    path = write(tmp_path, HEADER + JAN2 + '2024-01-02,"100","110","90","105","1,000"\n')

    output = load(path)

    assert summary(output).endswith("duplicates 1 (identical rows, one bar)")
    assert MarketData.objects.count() == (1 if table == "empty" else 2)


def test_a_canonical_file_repeating_a_bar_with_other_values_is_refused(tmp_path, table):
    rows = [
        "2024-01-02T00:00:00+09:00,005930,1d,100,110,90,105,1000\n",
        "2024-01-02T00:00:00+09:00,005930,1d,100,110,90,104,1000\n",
    ]
    path = write(tmp_path, QB + "".join(rows), name="bars.csv")

    assert load_error(path) == (
        "Nothing was loaded.\n"
        f"{path}:2: time: 2024-01-02T00:00:00+09:00: lines 2, 3 give the bar of 005930 1d "
        "different values\n"
        f"{path}:3: time: 2024-01-02T00:00:00+09:00: lines 2, 3 give the bar of 005930 1d "
        "different values"
        f"\n--skip-invalid loads the other rows and writes these to {path}.rejects.csv"
    )


def test_a_bar_repeated_in_another_file_of_the_same_run_is_a_later_load_not_an_error(tmp_path):
    first = write(tmp_path, HEADER + JAN2, name="005930_a.csv")
    second = write(tmp_path, HEADER + JAN2_OTHER, name="005930_b.csv")

    output = load(first, second, "--symbol", "005930")

    assert summary(output) == (
        "inserted 1, updated 1, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert closes() == [(dt.datetime(2024, 1, 2, tzinfo=KST), 106)]
