"""Files laid out as nobody here had shown the loader: Investing.com's exports in English
and Korean (fixtures in tests/fixtures/bars/investing/), date forms read off the whole
column, symbols in file names as brokers and Yahoo write them, and rows on days KRX was
closed that copy the day before."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import Load, MarketData

pytestmark = pytest.mark.django_db

INVESTING = Path(__file__).parent / "fixtures" / "bars" / "investing"
KST = dt.timezone(dt.timedelta(hours=9))


def day(y, m, d):
    return dt.datetime(y, m, d, tzinfo=KST)


def load(*args):
    out = StringIO()
    call_command("load_marketdata", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def load_error(*args):
    with pytest.raises(CommandError) as caught:
        load(*args)
    return str(caught.value)


def summary(output):
    return output.strip().splitlines()[-1].split(" in ")[0]


def bars():
    return list(
        MarketData.objects.order_by("symbol", "time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_an_english_investing_export_loads_price_as_the_close(tmp_path):
    output = load(INVESTING / "005930.KS.csv")

    assert bars() == [
        (day(2018, 4, 18), "005930", "1d", 2540000, 2560000, 2520000, 2552000, 1210000),
        (day(2018, 4, 19), "005930", "1d", 2550000, 2600000, 2536000, 2595000, 334010),
        (day(2018, 4, 20), "005930", "1d", 2600000, 2605000, 2540000, 2559000, 290460),
    ]
    assert output.splitlines()[0] == (
        f"{INVESTING / '005930.KS.csv'}: read as generic (date=Date, close=Price, open=Open, "
        "high=High, low=Low, volume=Vol.); units as written; dates %b %d, %Y; naive times in "
        "Asia/Seoul; bars stamped with their start"
    )


def test_a_korean_investing_export_resaved_by_excel_in_cp949_loads(tmp_path):
    output = load(INVESTING / "A035720.csv")

    assert bars() == [
        (day(2024, 3, 4), "035720", "1d", 43000, 43600, 42800, 43350, 865320),
        (day(2024, 3, 5), "035720", "1d", 43300, 43550, 42900, 43150, 1020000),
    ]
    assert "; dates %Y-%m-%d;" in output.splitlines()[0]
    assert Load.objects.get().encoding == "cp949"


def test_a_monthly_investing_export_is_read_as_monthly_bars(tmp_path):
    load(INVESTING / "247540.KQ.csv")

    assert [(b[0], b[2], b[6], b[7]) for b in bars()] == [
        (day(2024, 1, 1), "1M", 73500, 1020000000),
        (day(2024, 2, 1), "1M", 72800, 298120000),
        (day(2024, 3, 1), "1M", 73400, 321560000),
    ]


@pytest.mark.parametrize(
    "dates, form, first",
    [
        (["13/01/2024", "15/01/2024"], "%d/%m/%Y", day(2024, 1, 13)),
        (["01/13/2024", "01/15/2024"], "%m/%d/%Y", day(2024, 1, 13)),
        (["2024년 01월 12일", "2024년 01월 15일"], "%Y년 %m월 %d일", day(2024, 1, 12)),
        (["2024년 1월 12일 (금)", "2024년 1월 15일 (월)"], "%Y년 %m월 %d일 (%a)", day(2024, 1, 12)),
        (["12 Jan 2024", "15 Jan 2024"], "%d %b %Y", day(2024, 1, 12)),
        (["January 12, 2024", "January 15, 2024"], "%b %d, %Y", day(2024, 1, 12)),
    ],
)
def test_the_date_form_is_read_off_the_whole_column(tmp_path, dates, form, first):
    rows = "".join(f'"{d}",1,2,1,2,5\n' for d in dates)
    path = write(tmp_path, "005930.csv", "Date,Open,High,Low,Close,Volume\n" + rows)

    output = load(path, "--interval", "1d")

    assert bars()[0][0] == first
    assert f"; dates {form};" in output.splitlines()[0]


def test_one_day_past_twelve_decides_the_order_for_the_whole_column(tmp_path):
    # Each of the first dates reads either way; the last one only day-first.
    dates = ["02/01/2024", "03/01/2024", "04/01/2024", "15/01/2024"]
    rows = "".join(f"{d},1,2,1,2,5\n" for d in dates)
    path = write(tmp_path, "005930.csv", "Date,Open,High,Low,Close,Volume\n" + rows)

    load(path, "--interval", "1d")

    assert [b[0] for b in bars()] == [
        day(2024, 1, 2),
        day(2024, 1, 3),
        day(2024, 1, 4),
        day(2024, 1, 15),
    ]


def test_dates_that_read_as_well_day_first_as_month_first_are_refused(tmp_path):
    rows = "02/01/2024,1,2,1,2,5\n03/01/2024,1,2,1,2,5\n"
    path = write(tmp_path, "005930.csv", "Date,Open,High,Low,Close,Volume\n" + rows)

    assert load_error(path) == (
        f"Nothing was loaded.\n{path}: Date: every date reads as well day-first as "
        'month-first; pass --date-format "%d/%m/%Y" or "%m/%d/%Y"'
    )
    load(path, "--date-format", "%m/%d/%Y")
    assert [b[0] for b in bars()] == [day(2024, 2, 1), day(2024, 3, 1)]


@pytest.mark.parametrize(
    "name, symbol",
    [("A005930.csv", "005930"), ("005930.KS.csv", "005930"), ("035720.KQ_1d.csv", "035720")],
)
def test_the_code_inside_a_brokers_or_yahoos_file_name_is_the_symbol(tmp_path, name, symbol):
    path = write(tmp_path, name, "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,5\n")

    load(path)

    assert [b[1] for b in bars()] == [symbol]


HOLIDAYS = (
    "Date,Open,High,Low,Close,Volume\n"
    "2023-12-27,100,110,90,104,1000\n"
    "2023-12-28,100,110,90,105,1000\n"
    "2023-12-29,100,110,90,105,1000\n"  # KRX closed: a copy of the 28th
    "2024-01-01,105,105,105,105,0\n"  # New Year's Day: the close again, no volume
    "2024-01-02,101,111,91,106,1000\n"
)


def test_rows_on_days_krx_was_closed_that_copy_the_day_before_are_skipped_and_counted(tmp_path):
    path = write(tmp_path, "005930.csv", HOLIDAYS)

    output = load(path)

    assert summary(output) == (
        "inserted 3, updated 0, unchanged 0, skipped 0 (no trading), rejected 0, holidays 2 "
        "(copies of the day before, KRX closed)"
    )
    assert (
        f"{path}: skipped 2 rows on days KRX was closed that copy the day before: lines 4, 5"
        in output.splitlines()
    )
    assert [b[0] for b in bars()] == [day(2023, 12, 27), day(2023, 12, 28), day(2024, 1, 2)]
    assert Load.objects.get().options["read"]["holidays"] == 2


def test_a_saturday_session_before_december_1998_is_kept(tmp_path):
    # KRX traded on Saturdays until 1998-12-05; the calendar marks them closed.
    path = write(
        tmp_path,
        "005930.csv",
        "Date,Open,High,Low,Close,Volume\n"
        "1998-11-27,100,110,90,105,1000\n"
        "1998-11-28,105,112,101,108,400\n"
        "1998-11-30,108,115,100,110,1200\n",
    )

    output = load(path, "--interval", "1d")

    assert summary(output) == (
        "inserted 3, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )


def test_a_row_on_an_open_day_that_copies_the_day_before_is_a_bar(tmp_path):
    path = write(
        tmp_path,
        "005930.csv",
        "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,2,5\n2024-01-03,1,2,1,2,5\n",
    )

    output = load(path)

    assert summary(output) == (
        "inserted 2, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
