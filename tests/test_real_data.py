"""The 20 real files of shared/real-data load as its README says, or are refused with a
message that says why and what to do; loading each again changes nothing.

The files are read where they are (QB_REAL_DATA, else ../shared/real-data beside the
checkout, else /work/shared/real-data), never copied into the project. The expected counts
and values are the README's, which were computed independently of this project.
"""

import datetime as dt
import os
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from marketdata.management.commands import load_marketdata, load_stock_metadata
from marketdata.models import Load, MarketData, StockMetadata

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))


def real_data() -> Path:
    for candidate in (
        os.environ.get("QB_REAL_DATA"),
        Path(settings.BASE_DIR).parent / "shared" / "real-data",
        "/work/shared/real-data",
    ):
        if candidate and (Path(candidate) / "README.md").is_file():
            return Path(candidate)
    pytest.fail("shared/real-data not found: set QB_REAL_DATA to the folder")


REAL = real_data()


@dataclass(frozen=True)
class Expected:
    path: str
    args: tuple[str, ...]
    symbol: str
    interval: str
    rows: int  # data rows in the file
    skipped: int  # days without trading
    first: tuple[dt.datetime, str]  # the oldest bar: start time (KST) and close
    last: tuple[dt.datetime, str]
    repaired: int = 0

    @property
    def bars(self):
        return self.rows - self.skipped


def day(y, m, d, h=0, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=KST)


REPAIR = ("--repair-high-low",)
FILES = [
    Expected("01-pykrx-utf8sig/005930.csv", (), "005930", "1d", 242, 0,
             (day(2025, 1, 2), "53400"), (day(2025, 12, 30), "119900")),
    Expected("01b-pykrx-cp949-SIMULATED/005930.csv", (), "005930", "1d", 242, 0,
             (day(2025, 1, 2), "53400"), (day(2025, 12, 30), "119900")),
    Expected("02-pykrx-kosdaq-halted/086520.csv", REPAIR, "086520", "1d", 370, 11,
             (day(2023, 12, 5), "129102"), (day(2025, 6, 17), "41600"), repaired=2),
    Expected("03-fdr/005930.csv", REPAIR, "005930", "1d", 6000, 3,
             (day(2000, 8, 25), "6400"), (day(2024, 12, 16), "55600"), repaired=33),
    Expected("04-fdr-extra-cols/005930.csv", REPAIR, "005930", "1d", 6000, 3,
             (day(1999, 12, 21), "5040"), (day(2024, 4, 15), "82200"), repaired=34),
    Expected("05-yahoo-index-kospi/KOSPI.csv", (), "1001", "1d", 1825, 0,
             (day(2012, 1, 27), "1964.83"), (day(2019, 6, 28), "2130.62")),
    Expected("06-yahoo-pdr-floats/005930.csv", (), "005930", "1d", 224, 0,
             (day(2020, 1, 2), "55200"), (day(2020, 11, 25), "66600")),
    # numeric(12,2): 55815.55078125 is kept to the hundredth.
    Expected("07-yfinance-commented/005930_daily.csv", (), "005930", "1d", 243, 0,
             (day(2025, 6, 2), "55815.55"), (day(2026, 6, 2), "350250")),
    Expected("07-yfinance-commented/005930_h1.csv", (), "005930", "60m", 118, 0,
             (day(2026, 5, 4, 9), "225250"), (day(2026, 6, 2, 12), "350250")),
    # Stamped with their end (09:15 ... 15:30): stored at their start, 15 minutes earlier.
    Expected("08-cybos-15min/stockdata.csv", ("--symbol", "003540", "--bar-time", "end"),
             "003540", "15m", 200, 0,
             (day(2021, 9, 17, 11, 0), "21700"), (day(2021, 10, 1, 15, 15), "20100")),
    Expected("09-krx-portal-cp949/data.csv", ("--symbol", "373220"), "373220", "1d", 123, 0,
             (day(2023, 8, 21), "526000"), (day(2024, 2, 21), "407000")),
    Expected("09-krx-portal-cp949/kospi.csv", (), "1001", "1d", 123, 0,
             (day(2023, 8, 21), "2508.80"), (day(2024, 2, 21), "2653.31")),
    Expected("11-lowercase-yyyymmdd/005930.csv", (), "005930", "1d", 9082, 0,
             (day(1985, 4, 23), "77"), (day(2023, 12, 8), "72600")),
    Expected("12-lowercase-utf8sig/005930.csv", (), "005930", "1d", 50, 0,
             (day(2025, 8, 18), "70000"), (day(2025, 10, 31), "107500")),
    Expected("13-code-column/005930.csv", (), "005930", "1d", 1012, 0,
             (day(2017, 6, 29), "47940"), (day(2021, 8, 12), "77000")),
    Expected("14-mixed-korean-english/005930.csv", REPAIR, "005930", "1d", 3699, 3,
             (day(2009, 11, 9), "14480"), (day(2024, 11, 8), "57000"), repaired=12),
    # 2,818 lines; weekends and holidays are all-zero rows.
    Expected("15-headerless/000080.csv", ("--columns", "date,open,high,low,close,volume,-"),
             "000080", "1d", 2818, 920,
             (day(2015, 1, 2), "22600"), (day(2022, 9, 19), "28400")),
]  # fmt: skip


def load(path, *args):
    out = StringIO()
    call_command("load_marketdata", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts(output):
    return output.strip().splitlines()[-1].split(" in ")[0]


def load_error(path, *args):
    with pytest.raises(CommandError) as caught:
        load(path, *args)
    return str(caught.value)


def bars():
    return list(
        MarketData.objects.order_by("symbol", "interval_type", "time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


@pytest.mark.parametrize("expected", FILES, ids=[f.path for f in FILES])
def test_each_real_file_loads_as_its_readme_says_and_reloading_changes_nothing(expected):
    path = REAL / expected.path

    output = load(path, *expected.args)

    assert counts(output) == (
        f"inserted {expected.bars:,}, updated 0, unchanged 0, skipped {expected.skipped:,} "
        "(no trading), rejected 0"
    )
    stored = bars()
    assert {(b[1], b[2]) for b in stored} == {(expected.symbol, expected.interval)}
    assert len(stored) == expected.bars
    assert (stored[0][0], stored[0][6]) == (expected.first[0], Decimal(expected.first[1]))
    assert (stored[-1][0], stored[-1][6]) == (expected.last[0], Decimal(expected.last[1]))
    record = Load.objects.get()
    assert (record.rows, record.inserted, record.skipped, record.repaired) == (
        expected.rows,
        expected.bars,
        expected.skipped,
        expected.repaired,
    )
    assert list(record.series.values_list("symbol", "interval_type", "first", "last")) == [
        (expected.symbol, expected.interval, expected.first[0], expected.last[0])
    ]

    again = load(path, *expected.args)

    assert counts(again) == (
        f"inserted 0, updated 0, unchanged {expected.bars:,}, skipped {expected.skipped:,} "
        "(no trading), rejected 0"
    )
    assert bars() == stored


@pytest.mark.parametrize(
    ("path", "lines"),
    [
        ("02-pykrx-kosdaq-halted/086520.csv", [59, 149]),
        ("03-fdr/005930.csv", [28, 76, 109]),
        ("14-mixed-korean-english/005930.csv", [25, 168, 209]),
    ],
)
def test_adjusted_files_whose_close_tops_the_high_by_a_won_name_the_repair_option(path, lines):
    message = load_error(REAL / path)
    errors = message.splitlines()[1 : len(lines) + 1]
    assert [int(e.split(":")[1]) for e in errors] == lines
    assert all(
        e.endswith(
            "; if the prices are adjusted and off by at most one tick, --repair-high-low "
            "widens high and low to cover open and close"
        )
        for e in errors
    )
    assert not MarketData.objects.exists()


def test_the_repaired_rows_are_reported_by_line():
    output = load(REAL / "02-pykrx-kosdaq-halted/086520.csv", "--repair-high-low")
    assert (
        f"{REAL / '02-pykrx-kosdaq-halted/086520.csv'}: repaired 2 rows, widening high or low by "
        "at most one tick to cover open and close: lines 59, 149"
    ) in output.splitlines()
    repaired = MarketData.objects.get(time=day(2024, 2, 29))
    assert (repaired.high, repaired.close) == (121254, 121254)


@pytest.mark.parametrize(
    ("path", "args", "message"),
    [
        (
            "10-naver-index-cp949/kospi_total.csv",
            (),
            "{path}:1: the header has no open, high, low column (looked for open: open, "
            "시가, stck_oprc; high: high, 고가, stck_hgpr; low: low, 저가, stck_lwpr; "
            "found (empty), 날짜, 체결가, 전일비, 등락률, "
            "거래량(천주), 거래대금(백만)). If the file holds them under other names, name them: "
            "--map open=HEADER --map high=HEADER --map low=HEADER. A file with closes only, "
            "such as Naver Finance's "
            "index pages, cannot make OHLCV bars",
        ),
        (
            "08-cybos-15min/stockdata.csv",
            ("--symbol", "003540"),
            "{path}: the 15m bars run from 09:15 to 15:30 KST: stamped with their end, it seems. "
            "Pass --bar-time end to move each back to its start, or --bar-time start to load "
            "them as they are",
        ),
        (
            "08-cybos-15min/stockdata.csv",
            (),
            "{path}: no symbol: the file has no symbol column; pass --symbol or name the file "
            "like 005930.csv",
        ),
        (
            "15-headerless/000080.csv",
            (),
            "{path}:1: the first line is data, not a header (2015-01-02,23100,23100,22350,"
            "22600,18...); name the columns with --columns, such as --columns "
            "date,open,high,low,close,volume",
        ),
    ],
)
def test_files_that_cannot_load_as_they_are_are_refused_saying_what_to_do(path, args, message):
    assert load_error(REAL / path, *args) == (
        "Nothing was loaded.\n" + message.format(path=REAL / path)
    )


def test_phantom_bars_do_not_replace_bars_with_volume():
    load(REAL / "03-fdr/005930.csv", "--repair-high-low")
    real = MarketData.objects.get(symbol="005930", time=day(2020, 3, 9))
    assert (real.close, real.volume) == (54200, 30261485)

    err = StringIO()
    out = StringIO()
    call_command("load_marketdata", str(REAL / "06-yahoo-pdr-floats/005930.csv"), stdout=out,
                 stderr=err)  # fmt: skip

    assert MarketData.objects.get(symbol="005930", time=day(2020, 3, 9)) == real
    assert Load.objects.latest("id").phantoms == 2
    assert err.getvalue().splitlines()[0] == (
        f"{REAL / '06-yahoo-pdr-floats/005930.csv'}: kept 2 stored bars with volume over rows "
        "with open = high = low = close and volume 0 (phantoms): lines 47, 50; "
        "--replace-phantoms lets them replace the stored bars"
    )


def test_phantom_bars_replace_stored_bars_when_asked_and_the_old_values_are_kept():
    load(REAL / "03-fdr/005930.csv", "--repair-high-low")

    load(REAL / "06-yahoo-pdr-floats/005930.csv", "--replace-phantoms")

    phantom = MarketData.objects.get(symbol="005930", time=day(2020, 3, 9))
    assert (phantom.close, phantom.volume) == (56500, 0)
    kept = Load.objects.latest("id").replaced.get(time=day(2020, 3, 9))
    assert (kept.close, kept.volume) == (54200, 30261485)


def listing(path, *args):
    command = load_stock_metadata.Command()
    out, err = StringIO(), StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=err)
    return command.exit_code, out.getvalue().strip(), err.getvalue().strip()


def test_the_current_fdr_listing_loads_every_market_and_letter_codes():
    code, out, _ = listing(REAL / "L1-fdr-listing-krx/krx_stock_list.csv")
    assert (code, out) == (
        0,
        "inserted 2,894, updated 0, unchanged 0, rejected 0 (fdr-krx, 2,894 rows)",
    )
    markets = StockMetadata.objects.values_list("market", flat=True)
    assert {m: list(markets).count(m) for m in set(markets)} == {
        "KOSPI": 954,
        "KOSDAQ": 1775,
        "KOSDAQ GLOBAL": 52,
        "KONEX": 113,
    }
    assert StockMetadata.objects.get(symbol="0004Y0").kind == "STOCK"
    assert listing(REAL / "L1-fdr-listing-krx/krx_stock_list.csv")[1].startswith(
        "inserted 0, updated 0, unchanged 2,894,"
    )


def test_the_pre_2022_listing_names_its_fund_codes_and_skips_them_when_asked(tmp_path):
    path = REAL / "L2-fdr-listing-krx-old/krx.csv"
    with pytest.raises(CommandError) as caught:
        listing(path)
    lines = str(caught.value).splitlines()
    assert lines[1] == (
        f"{path}:48: Symbol: 73501BA2 is not the KRX code of a listed stock, ETF or ETN (six "
        "characters, such as 005930); funds and other securities have no bars here"
    )
    assert lines[-2:] == ["... and 31 more", "--skip-invalid loads the valid rows"]
    assert not StockMetadata.objects.exists()

    code, out, err = listing(path, "--skip-invalid", "--rejects-dir", tmp_path)

    assert (code, out) == (
        3,
        "inserted 2,531, updated 0, unchanged 0, rejected 81 (fdr-krx-old, 2,612 rows)",
    )
    assert err.endswith(
        f"81 rejected rows of {path} are in {tmp_path / 'krx.csv.rejects.csv'}; the other rows "
        "were loaded"
    )
    assert len((tmp_path / "krx.csv.rejects.csv").read_text().splitlines()) == 1 + 81
    stock = StockMetadata.objects.get(symbol="060310")
    assert (stock.name, stock.market, stock.sector, stock.listing_date) == (
        "3S",
        "KOSDAQ",
        "특수 목적용 기계 제조업",
        dt.date(2002, 4, 23),
    )
    assert listing(path, "--skip-invalid", "--rejects-dir", tmp_path)[1].startswith(
        "inserted 0, updated 0, unchanged 2,531, rejected 81"
    )


def test_a_symbol_name_market_listing_loads():
    path = REAL / "L3-derived-listing/krx_stock_list.csv"
    assert listing(path)[:2] == (
        0,
        "inserted 2,761, updated 0, unchanged 0, rejected 0 (qb, 2,761 rows)",
    )
    assert StockMetadata.objects.get(symbol="000250").name == "삼천당제약"
    assert listing(path)[1].startswith("inserted 0, updated 0, unchanged 2,761,")


def test_every_listing_change_is_kept_in_the_stock_history():
    listing(REAL / "L1-fdr-listing-krx/krx_stock_list.csv")
    _, out, _ = listing(REAL / "L3-derived-listing/krx_stock_list.csv")

    assert out == "inserted 37, updated 73, unchanged 2,651, rejected 0 (qb, 2,761 rows)"
    history = StockMetadata.history.values_list("history_type", "history_change_reason")
    assert sorted({(t, history.filter(history_type=t).count()) for t, _ in history}) == [
        ("+", 2894 + 37),
        ("~", 73),
    ]
    assert set(history.values_list("history_change_reason", flat=True)) == {
        "load_stock_metadata krx_stock_list.csv"
    }


def test_loading_bars_of_a_symbol_without_metadata_says_so_once():
    command = load_marketdata.Command()
    err = StringIO()
    files = [REAL / "01-pykrx-utf8sig/005930.csv", REAL / "12-lowercase-utf8sig/005930.csv"]
    call_command(command, *map(str, files), stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        "No stock metadata for 005930: `manage.py load_stock_metadata` adds names and markets\n"
    )
