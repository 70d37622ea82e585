"""load_marketdata on each layout found in the wild, from the small files in
tests/fixtures/bars/ (the real files themselves: tests/test_real_data.py)."""

import datetime as dt
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import Load, MarketData

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "bars"
KST = dt.timezone(dt.timedelta(hours=9))


def load(name, *args):
    out = StringIO()
    call_command("load_marketdata", str(FIXTURES / name), *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1].split(" in ")[0]


def load_error(name, *args):
    with pytest.raises(CommandError) as caught:
        load(name, *args)
    return str(caught.value).replace(str(FIXTURES / name), name)


def bars(symbol=None):
    rows = MarketData.objects.order_by("symbol", "time")
    if symbol:
        rows = rows.filter(symbol=symbol)
    return list(
        rows.values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


def day(*ymd):
    return dt.datetime(*ymd, tzinfo=KST)


def the_load():
    return Load.objects.get()


def test_the_krx_portal_stock_export_loads_with_quoted_thousands_newest_first():
    assert load("krx_portal_stock.csv", "--symbol", "373220") == (
        "inserted 3, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert bars() == [
        (day(2024, 2, 19), "373220", "1d", 412000, 412500, 395500, 397500, 289496),
        (day(2024, 2, 20), "373220", "1d", 397500, 404500, 392000, 404000, 157923),
        (day(2024, 2, 21), "373220", "1d", 402500, 408000, 398000, 407000, 153418),
    ]
    assert (the_load().format, the_load().encoding) == ("krx-portal", "cp949")


def test_the_krx_portal_index_export_loads_under_the_kospi_index_code():
    assert load("kospi.csv").startswith("inserted 2,")
    assert bars() == [
        (day(2024, 2, 20), "1001", "1d", Decimal("2671.55"), Decimal("2673.84"),
         Decimal("2643.93"), Decimal("2657.79"), 612668),
        (day(2024, 2, 21), "1001", "1d", Decimal("2656.92"), Decimal("2670.95"),
         Decimal("2644.04"), Decimal("2653.31"), 562144),
    ]  # fmt: skip


def test_yahoo_files_use_close_not_adj_close_and_the_index_named_by_the_file():
    assert load("KOSPI_yahoo.csv").startswith("inserted 2,")
    assert [(b[1], b[6]) for b in bars()] == [
        ("1001", Decimal("2134.32")),
        ("1001", Decimal("2130.62")),
    ]
    assert the_load().format == "yahoo"


def test_an_index_can_be_named_by_its_name_on_the_command_line():
    assert load("000660.csv", "--symbol", "KOSDAQ").startswith("inserted 2,")
    assert {b[1] for b in bars()} == {"2001"}


def test_yfinance_comment_lines_are_skipped_and_utc_offsets_read_as_given():
    assert load("005930_h1.csv") == (
        "inserted 4, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert [(b[0], b[2], b[6]) for b in bars()] == [
        (day(2026, 5, 4) + dt.timedelta(hours=9), "60m", 225250),
        (day(2026, 5, 4) + dt.timedelta(hours=10), "60m", 228250),
        (day(2026, 5, 4) + dt.timedelta(hours=11), "60m", 228500),
        (day(2026, 5, 6) + dt.timedelta(hours=9), "60m", 261000),
    ]


def test_lower_case_headers_and_yyyymmdd_dates_load():
    assert load("035720.csv").startswith("inserted 2,")
    assert bars()[0] == (day(2023, 12, 7), "035720", "1d", 47000, 47350, 46500, 46850, 1021567)


def test_header_case_spaces_and_column_order_do_not_matter_and_float_volumes_load():
    assert load("247540.csv").startswith("inserted 2,")
    assert bars()[0] == (day(2024, 1, 2), "247540", "1d", 298000, 305000, 296000, 300500, 412345)


def test_a_code_column_gives_each_row_its_symbol():
    assert load("two_symbols.csv") == (
        "inserted 4, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert [(b[0], b[1], b[6]) for b in bars()] == [
        (day(2021, 8, 11), "000660", 109000),
        (day(2021, 8, 12), "000660", 104000),
        (day(2021, 8, 11), "005930", 78500),
        (day(2021, 8, 12), "005930", 77000),
    ]
    assert sorted(the_load().series.values_list("symbol", "inserted")) == [
        ("000660", 2),
        ("005930", 2),
    ]


def test_a_code_column_and_symbol_option_together_are_refused():
    assert load_error("two_symbols.csv", "--symbol", "005930") == (
        "Nothing was loaded.\ntwo_symbols.csv: --symbol 005930: the file has its own symbol "
        "column (code)"
    )


def test_korean_and_english_column_names_mix():
    assert load("mixed.csv").startswith("inserted 2,")
    assert bars()[1] == (day(2024, 11, 8), "005930", "1d", 57700, 58100, 56900, 57000, 13877495)


def test_the_marcap_layout_loads_every_stock_of_each_day_and_skips_those_without_trades():
    assert load("marcap_2024-01.csv") == (
        "inserted 4, updated 0, unchanged 0, skipped 1 (no trading), rejected 0"
    )
    assert [(b[1], b[0].astimezone(KST).date()) for b in bars()] == [
        ("005930", dt.date(2024, 1, 2)),
        ("005930", dt.date(2024, 1, 3)),
        ("0088M0", dt.date(2024, 1, 2)),
        ("0088M0", dt.date(2024, 1, 3)),
    ]
    assert the_load().format == "marcap"


def test_a_headerless_file_is_refused_with_a_pointer_to_columns():
    assert load_error("000080.csv") == (
        "Nothing was loaded.\n000080.csv:1: the first line is data, not a header "
        "(2015-01-02,23100,23100,22350,22600,18...); name the columns with --columns, such as "
        "--columns date,open,high,low,close,volume"
    )


def test_columns_names_the_columns_of_a_headerless_file_and_all_zero_rows_are_skipped():
    assert load("000080.csv", "--columns", "date,open,high,low,close,volume,change") == (
        "inserted 2, updated 0, unchanged 0, skipped 2 (no trading), rejected 0"
    )
    assert bars() == [
        (day(2015, 1, 2), "000080", "1d", 23100, 23100, 22350, 22600, 184419),
        (day(2015, 1, 5), "000080", "1d", 22600, 23150, 22400, 23050, 170602),
    ]
    assert the_load().format == "columns"


def test_columns_must_name_every_role():
    assert load_error("000080.csv", "--columns", "date,open,close") == (
        "Nothing was loaded.\n--columns date,open,close: no high, low, volume; name every "
        "column in order, such as date,open,high,low,close,volume,- (- or any other word: "
        "ignored)"
    )


def test_bars_stamped_with_their_end_move_back_to_their_start():
    assert load("stockdata.csv", "--symbol", "003540", "--bar-time", "end").startswith(
        "inserted 4,"
    )
    assert [b[0].astimezone(KST).strftime("%H:%M") for b in bars()] == [
        "09:00",
        "09:15",
        "15:00",
        "15:15",
    ]
    assert {b[2] for b in bars()} == {"15m"}


def test_bars_that_look_stamped_with_their_end_are_refused_unless_told():
    assert load_error("stockdata.csv", "--symbol", "003540") == (
        "Nothing was loaded.\nstockdata.csv: the 15m bars run from 09:15 to 15:30 KST: "
        "stamped with their end, it seems. Pass --bar-time end to move each back to its start, "
        "or --bar-time start to load them as they are"
    )
    assert load("stockdata.csv", "--symbol", "003540", "--bar-time", "start").startswith(
        "inserted 4,"
    )
    assert bars()[-1][0].astimezone(KST).strftime("%H:%M") == "15:30"


def test_a_close_only_file_is_refused_saying_why():
    assert load_error("kospi_total.csv") == (
        "Nothing was loaded.\nkospi_total.csv:1: the header has no open, high, low "
        "column (looked for open: open, 시가, stck_oprc; high: high, 고가, stck_hgpr; low: low, "
        "저가, stck_lwpr; found (empty), 날짜, 체결가, "
        "전일비, 등락률, 거래량(천주), 거래대금(백만)). If the file holds them under other names, "
        "name them: --map open=HEADER --map high=HEADER --map low=HEADER. A file with closes "
        "only, such as Naver "
        "Finance's index pages, cannot make OHLCV bars"
    )


def test_the_file_name_is_read_whatever_folder_it_is_in(tmp_path):
    copy = tmp_path / "somewhere" / "000660.csv"
    copy.parent.mkdir()
    shutil.copy(FIXTURES / "000660.csv", copy)
    call_command("load_marketdata", str(copy), stdout=StringIO(), stderr=StringIO())
    assert {b[1] for b in bars()} == {"000660"}
