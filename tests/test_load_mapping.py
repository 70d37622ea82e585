"""The general way in: --map ROLE=HEADER[*FACTOR], units in headers, --date-format, and the
summary and load record saying how a file was read."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.loader import date_forms
from marketdata.models import Load, MarketData

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
JAN2 = dt.datetime(2024, 1, 2, tzinfo=KST)
JAN3 = dt.datetime(2024, 1, 3, tzinfo=KST)


def write(tmp_path, text, name="005930.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


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
        MarketData.objects.order_by("time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


BROKER = (
    "Trade day,First,Top,Bottom,Last,Shares\n"
    "2024-01-02,78200,79800,78200,79600,17142847\n"
    "2024-01-03,78500,78800,77000,77000,21753644\n"
)
BROKER_BARS = [
    (JAN2, "005930", "1d", 78200, 79800, 78200, 79600, 17142847),
    (JAN3, "005930", "1d", 78500, 78800, 77000, 77000, 21753644),
]
BROKER_MAP = [
    "--map",
    "date=Trade day",
    "--map",
    "open=First",
    "--map",
    "high=Top",
    "--map",
    "low=Bottom",
    "--map",
    "close=Last",
    "--map",
    "volume=Shares",
]


def test_a_header_nobody_showed_us_loads_through_map(tmp_path):
    path = write(tmp_path, BROKER)

    output = load(path, *BROKER_MAP)

    assert (
        summary(output) == "inserted 2, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert bars() == BROKER_BARS
    assert output.splitlines()[0] == (
        f"{path}: read as mapped (date=Trade day, open=First, high=Top, low=Bottom, close=Last, "
        f"volume=Shares); units as written; dates {date_forms.ISO}; naive times in Asia/Seoul; "
        "bars stamped with their start"
    )


def test_roles_not_mapped_are_found_as_usual(tmp_path):
    path = write(tmp_path, BROKER.replace("First,Top,Bottom", "Open,High,Low"))

    load(path, "--map", "date=Trade day", "--map", "close=Last", "--map", "volume=Shares")

    assert bars() == BROKER_BARS


def test_without_map_the_unknown_header_says_what_it_looked_for(tmp_path):
    path = write(tmp_path, BROKER)

    error = load_error(path)

    assert error.startswith(f"Nothing was loaded.\n{path}:1: the header has no date, open")
    assert "A file with closes only" not in error


def test_a_factor_turns_thousands_of_shares_into_shares(tmp_path):
    path = write(tmp_path, BROKER.replace("17142847", "17142.847").replace("21753644", "21753.644"))

    output = load(path, *BROKER_MAP[:-2], "--map", "volume=Shares*1000")

    assert [b[-1] for b in bars()] == [17142847, 21753644]
    assert "; units volume×1000;" in output.splitlines()[0]


@pytest.mark.parametrize(
    "header, factor",
    [("거래량(천주)", 1000), ("거래량 (천주)", 1000), ("거래량(주)", 1), ("거래량[천주]", 1000)],
)
def test_units_in_a_korean_header_are_read_as_factors(tmp_path, header, factor):
    path = write(
        tmp_path,
        f"일자,시가,고가,저가,종가,{header},거래대금(백만)\n2024-01-02,78200,79800,78200,79600,17,1356\n",
    )

    output = load(path)

    assert [b[-1] for b in bars()] == [17 * factor]
    units = "amount×1000000" + (f", volume×{factor}" if factor != 1 else "")
    assert f"; units {units};" in output.splitlines()[0]


def test_prices_in_thousands_of_won_land_as_won(tmp_path):
    path = write(
        tmp_path,
        "일자,시가(천원),고가(천원),저가(천원),종가(천원),거래량\n2024-01-02,78.2,79.8,78.2,79.6,5\n",
    )

    load(path)

    assert bars() == [(JAN2, "005930", "1d", 78200, 79800, 78200, 79600, 5)]


def test_a_map_of_a_header_with_its_unit_keeps_the_unit(tmp_path):
    path = write(
        tmp_path, "Day,시가,고가,저가,종가,거래량(천주)\n2024-01-02,78200,79800,78200,79600,17\n"
    )

    load(path, "--map", "date=Day", "--map", "volume=거래량")

    assert [b[-1] for b in bars()] == [17000]


def test_a_date_format_reads_day_first_dates(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close,Volume\n03/01/2024,1,2,1,2,5\n")

    output = load(path, "--date-format", "%d/%m/%Y")

    assert [b[0] for b in bars()] == [dt.datetime(2024, 1, 3, tzinfo=KST)]
    assert "; dates %d/%m/%Y;" in output.splitlines()[0]


def test_a_date_not_of_the_form_given_is_named(tmp_path):
    path = write(
        tmp_path, "Date,Open,High,Low,Close,Volume\n03/01/2024,1,2,1,2,5\n2024-01-04,1,2,1,2,5\n"
    )

    assert load_error(path, "--date-format", "%d/%m/%Y") == (
        f"Nothing was loaded.\n{path}:3: Date: 2024-01-04 is not a date in the form %d/%m/%Y"
        f"\n--skip-invalid loads the other rows and writes these to {path}.rejects.csv"
    )


def test_a_time_column_beside_the_date_may_be_mapped(tmp_path):
    path = write(
        tmp_path,
        "Day,Clock,Open,High,Low,Close,Volume\n"
        "2024-01-02,09:00,1,2,1,2,5\n2024-01-02,09:01,1,2,1,2,5\n",
    )

    output = load(path, "--map", "date=Day", "--map", "time=Clock")

    assert [(b[0], b[2]) for b in bars()] == [
        (dt.datetime(2024, 1, 2, 9, 0, tzinfo=KST), "1m"),
        (dt.datetime(2024, 1, 2, 9, 1, tzinfo=KST), "1m"),
    ]
    assert "(date=Day, time=Clock, open=Open" in output.splitlines()[0]


def test_the_load_record_keeps_how_the_file_was_read(tmp_path):
    path = write(tmp_path, BROKER.replace("Shares", "Shares (천주)"))

    load(path, *BROKER_MAP[:-2], "--map", "volume=Shares", "--tz", "Asia/Seoul")

    record = Load.objects.get()
    assert record.format == "mapped"
    assert record.options["maps"] == [*BROKER_MAP[1:-2:2], "volume=Shares"]
    assert record.options["read"] == {
        "layout": "mapped",
        "columns": {
            "date": "Trade day",
            "open": "First",
            "high": "Top",
            "low": "Bottom",
            "close": "Last",
            "volume": "Shares (천주)",
        },
        "units": {"volume": "1000"},
        "date_form": date_forms.ISO,
        "tz": "Asia/Seoul",
        "bar_time": "start",
        "duplicates": 0,
        "holidays": 0,
    }


@pytest.mark.parametrize(
    "spec, message",
    [
        (
            "close",
            "--map close: not ROLE=HEADER, such as --map close=Price or --map volume=Vol.*1000",
        ),
        (
            "price=Close",
            "--map price=Close: price is not a role (date, datetime, time, open, "
            "high, low, close, volume, amount, symbol)",
        ),
        (
            "volume=Vol*k",
            "--map volume=Vol*k: k is not a positive factor, such as *1000 for thousands of shares",
        ),
        (
            "volume=Vol*0",
            "--map volume=Vol*0: 0 is not a positive factor, such as *1000 for thousands of shares",
        ),
        ("date=Day*10", "--map date=Day*10: a date column takes no factor"),
    ],
)
def test_a_map_that_cannot_be_read_says_why(tmp_path, spec, message):
    path = write(tmp_path, BROKER)

    assert load_error(path, "--map", spec) == f"Nothing was loaded.\n{message}"


def test_a_map_naming_a_header_the_file_lacks_says_what_it_found(tmp_path):
    path = write(tmp_path, BROKER)

    assert load_error(path, *BROKER_MAP[:-2], "--map", "volume=Qty") == (
        f"Nothing was loaded.\n{path}:1: --map: the header has no Qty column (found Trade day, "
        "First, Top, Bottom, Last, Shares)"
    )


def test_a_date_format_without_a_year_is_refused(tmp_path):
    path = write(tmp_path, BROKER)

    assert load_error(path, "--date-format", "%d/%m") == (
        "Nothing was loaded.\n--date-format %d/%m: a date needs a year (%Y) and a month (%m or %b)"
    )


def test_a_file_with_opens_highs_and_lows_under_other_names_is_told_how_to_map_them(tmp_path):
    path = write(tmp_path, "Date,Close,Opening,Max,Min,Volume\n2024-01-02,2,1,2,1,5\n")

    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:1: the header has no open, high, low column (looked for "
        "open: open, 시가, stck_oprc; high: high, 고가, stck_hgpr; low: low, 저가, stck_lwpr; "
        "found Date, Close, Opening, Max, Min, Volume). If the file holds them under other "
        "names, name them: --map open=HEADER --map high=HEADER --map low=HEADER. A file with "
        "closes only, such as Naver Finance's index pages, cannot make OHLCV bars"
    )
    load(path, "--map", "open=Opening", "--map", "high=Max", "--map", "low=Min")
    assert bars() == [(JAN2, "005930", "1d", 1, 2, 1, 2, 5)]


def test_a_line_that_cannot_be_read_at_all_does_not_offer_skip_invalid(tmp_path):
    path = write(tmp_path, BROKER + "2024-01-04,1,2,1,2,5,extra\n")

    assert load_error(path, *BROKER_MAP) == (
        f"Nothing was loaded.\n{path}:4: extra data after last expected column"
    )
