"""load_marketdata on PostgreSQL: every format, every rule, all-or-nothing, concurrency."""

import datetime as dt
import gzip
import io
import sys
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from marketdata.loader import loading
from marketdata.models import MarketData
from tests import factories
from tests.commands import manage

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
QB_HEADER = "time,symbol,interval_type,open,high,low,close,volume\n"
PYKRX = (
    "날짜,시가,고가,저가,종가,거래량,거래대금,등락률\n"
    "2024-01-02,78200,79800,78200,79600,17142847,1356958684800,1.66\n"
    "2024-01-03,78500,78800,77000,77000,21753644,1688351748900,-3.27\n"
    "2024-01-04,0,0,0,76600,0,0,0\n"
)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load(*args):
    out = StringIO()
    call_command("load_marketdata", *map(str, args), stdout=out)
    return out.getvalue()


def load_error(*args):
    with pytest.raises(CommandError) as caught:
        load(*args)
    return str(caught.value)


def bars():
    return list(
        MarketData.objects.order_by("symbol", "interval_type", "time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


def summary(output):
    """The counts of the summary line, without the timing."""
    return output.strip().splitlines()[-1].split(" in ")[0]


# --- formats and encodings -------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp949", "utf-8-sig", "utf-8"])
def test_pykrx_files_with_korean_headers_load_in_each_encoding_excel_writes(tmp_path, encoding):
    path = write(tmp_path, "005930.csv", PYKRX, encoding)

    output = load(path)

    assert summary(output) == (
        "inserted 2, updated 0, unchanged 0, skipped 1 (no trading), rejected 0"
    )
    assert bars() == [
        (dt.datetime(2024, 1, 2, tzinfo=KST), "005930", "1d", 78200, 79800, 78200, 79600, 17142847),
        (dt.datetime(2024, 1, 3, tzinfo=KST), "005930", "1d", 78500, 78800, 77000, 77000, 21753644),
    ]


def test_fdr_files_with_thousands_separators_load(tmp_path):
    path = write(
        tmp_path,
        "000660_1d.csv",
        "Date,Open,High,Low,Close,Volume,Change\n"
        '2024-01-02,"136,500","138,900","135,200","137,500","3,167,294",0.0074\n',
    )
    assert (
        summary(load(path))
        == "inserted 1, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert bars() == [
        (
            dt.datetime(2024, 1, 2, tzinfo=KST),
            "000660",
            "1d",
            136500,
            138900,
            135200,
            137500,
            3167294,
        )
    ]


def test_kis_daily_bars_newest_first_load_in_time_order(tmp_path):
    path = write(
        tmp_path,
        "kis.csv",
        "stck_bsop_date,stck_clpr,stck_oprc,stck_hgpr,stck_lwpr,acml_vol,acml_tr_pbmn,"
        "flng_cls_code,prtt_rate,mod_yn,prdy_vrss_sign,prdy_vrss,revl_issu_reas\n"
        "20240103,77000,78500,78800,77000,21753644,1688351748900,00,0.00,N,5,-2600,\n"
        "20240102,79600,78200,79800,78200,17142847,1356958684800,00,0.00,N,2,1600,\n",
    )
    assert summary(load(path, "--symbol", "005930")) == (
        "inserted 2, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert [b[0].astimezone(KST).date() for b in bars()] == [
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 3),
    ]


def test_kis_minute_bars_join_the_date_and_the_hhmmss_column(tmp_path):
    path = write(
        tmp_path,
        "kis-minute.csv",
        "stck_bsop_date,stck_cntg_hour,stck_prpr,stck_oprc,stck_hgpr,stck_lwpr,cntg_vol,acml_tr_pbmn\n"
        "20240102,090100,78300,78200,78400,78100,120345,9420000000\n"
        "20240102,090000,78200,78200,78300,78200,300000,23460000000\n",
    )
    assert summary(load(path, "--symbol", "005930")) == (
        "inserted 2, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert [(b[0], b[2], b[6]) for b in bars()] == [
        (dt.datetime(2024, 1, 2, 9, 0, tzinfo=KST), "1m", 78200),
        (dt.datetime(2024, 1, 2, 9, 1, tzinfo=KST), "1m", 78300),
    ]


def test_canonical_files_keep_their_zones_and_read_naive_times_as_korea_time(tmp_path):
    path = write(
        tmp_path,
        "bars.csv",
        QB_HEADER + "2024-01-02 09:00:00+09:00,005930,1m,78200,78300,78200,78300,300000\n"
        "2024-01-02T00:01:00Z,005930,1m,78300,78400,78100,78300,120345\n"
        "2024-01-02 09:02:00,005930,1m,78300,78300,78200,78200,90000\n",
    )
    load(path)
    assert [b[0] for b in bars()] == [dt.datetime(2024, 1, 2, 9, m, tzinfo=KST) for m in range(3)]


def test_tz_reads_naive_times_in_another_zone(tmp_path):
    path = write(tmp_path, "bars.csv", QB_HEADER + "2024-01-02 00:00:00,005930,1m,1,1,1,1,1\n")
    load(path, "--tz", "UTC")
    assert bars()[0][0] == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)


def test_gzip_files_and_standard_input_are_read(tmp_path, monkeypatch):
    gz = tmp_path / "005930.csv.gz"
    gz.write_bytes(gzip.compress(PYKRX.encode()))
    assert summary(load(gz)).startswith("inserted 2,")

    stdin = io.TextIOWrapper(io.BytesIO((QB_HEADER + "20240105,035720,1d,1,2,1,2,3\n").encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert summary(load("-")).startswith("inserted 1,")
    assert MarketData.objects.filter(symbol="035720").count() == 1


def test_the_file_name_gives_symbol_and_interval_and_options_override_it(tmp_path):
    path = write(tmp_path, "247540_1w.csv", PYKRX)
    load(path)
    assert {(b[1], b[2]) for b in bars()} == {("247540", "1w")}

    load(path, "--symbol", "035720", "--interval", "1d")
    assert ("035720", "1d") in {(b[1], b[2]) for b in bars()}


def test_a_file_without_symbol_needs_one(tmp_path):
    path = write(tmp_path, "samsung.csv", PYKRX)
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}: no symbol: the file has no symbol column; pass "
        "--symbol or name the file like 005930.csv"
    )


def test_an_unknown_header_says_what_was_looked_for_and_what_was_found(tmp_path):
    path = write(tmp_path, "005930.csv", "day,price\n2024-01-02,1\n")
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:1: the header has no date, open, high, low, close, volume "
        "column (looked for date: date, 날짜, 일자, stck_bsop_date, datetime, time; open: open, "
        "시가, stck_oprc; high: high, 고가, stck_hgpr; low: low, 저가, stck_lwpr; close: close, "
        "종가, stck_clpr, stck_prpr, 체결가; volume: volume, 거래량, acml_vol, cntg_vol; found "
        "day, price). Case and surrounding spaces do not matter; a file without a header needs "
        "--columns"
    )


# --- validation ------------------------------------------------------------------------

GOOD = "2024-01-02,005930,1d,71000,72000,70000,71500,1000"
FEBRUARY = "2024-02-01,005930,1d,71000,72000,70000,71500,1000"


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("2024-01-02,005930,1d,71000,69800,70100,70000,1000", "high: 69800 is below low 70100"),
        ("2024-01-02,005930,1d,73000,72000,70000,71500,1000", "high: 72000 is below open 73000"),
        ("2024-01-02,005930,1d,71000,72000,70000,72500,1000", "high: 72000 is below close 72500"),
        ("2024-01-02,005930,1d,69000,72000,70000,71500,1000", "low: 70000 is above open 69000"),
        ("2024-01-02,005930,1d,71000,72000,70000,69500,1000", "low: 70000 is above close 69500"),
        ("2024-01-02,005930,1d,71000,72000,-5,71500,1000", "low: -5 is not a positive price"),
        ("2024-01-02,005930,1d,71000,72000,70000,71500,-1", "volume: -1 is negative"),
        ("2024-01-02,005930,1d,71000,72000,70000,71500,1.5", "volume: 1.5 is not a whole number"),
        ("2024-01-02,005930,1d,71000,72000,70000,,1000", "close: missing value"),
        ("2024-01-02,005930,1d,71000,7x000,70000,71500,1000", "high: 7x000 is not a number"),
        ("2024-01-02,005930,1d,NaN,NaN,NaN,NaN,1000", "open: NaN is not a number"),
        ("2024-01-02,005930,1d,71000,72000,70000,71500,NaN", "volume: NaN is not a number"),
        ("2024-01-02,005930,1d,71000,Infinity,70000,71500,1", "high: Infinity is not a number"),
        (
            "2024-01-02,005930,1d,71000,99999999999,70000,71500,1000",
            "high: 99999999999 is too large for a price",
        ),
        (
            "2024-02-30,005930,1d,71000,72000,70000,71500,1000",
            "time: 2024-02-30 is not a date/time (YYYY-MM-DD, YYYYMMDD or ISO 8601)",
        ),
        (
            "9999-01-04,005930,1d,71000,72000,70000,71500,1000",
            "time: 9999-01-04 is after today in Korea",
        ),
        (
            "1956-03-02,005930,1d,71000,72000,70000,71500,1000",
            "time: 1956-03-02 is before the KRX opened (1956-03-03)",
        ),
        (
            "yesterday,005930,1d,71000,72000,70000,71500,1000",
            "time: yesterday is not a date/time (YYYY-MM-DD, YYYYMMDD or ISO 8601)",
        ),
        (
            "2024-01-02,59300,1d,71000,72000,70000,71500,1000",
            "symbol: 59300 is not a KRX code (six characters, such as 005930) or index code "
            "(four digits, such as 1001)",
        ),
        (
            "2024-01-02,005930,2h,71000,72000,70000,71500,1000",
            "interval_type: 2h is not a known interval "
            "(1m, 3m, 5m, 10m, 15m, 30m, 60m, 1d, 1w, 1M)",
        ),
    ],
)
def test_each_rule_names_file_line_column_and_value(tmp_path, row, error):
    path = write(tmp_path, "bars.csv", QB_HEADER + GOOD + "\n" + row + "\n")

    assert load_error(path) == f"Nothing was loaded.\n{path}:3: {error}"
    assert bars() == []


def test_values_are_quoted_as_the_file_writes_them(tmp_path):
    path = write(
        tmp_path,
        "005930.csv",
        'Date,Open,High,Low,Close,Volume\n2024-01-02,"70,500","69,800","70,100","70,000",1\n',
    )
    assert load_error(path) == f"Nothing was loaded.\n{path}:2: High: 69,800 is below low 70,100"


def test_a_bar_given_twice_names_both_lines(tmp_path):
    path = write(
        tmp_path,
        "bars.csv",
        QB_HEADER + GOOD + "\n" + GOOD.replace("2024-01-02", "2024-01-03") + "\n" + GOOD + "\n",
    )
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:4: time: 2024-01-02 repeats the bar of line 2 (005930 1d)"
    )


def test_a_row_with_too_many_columns_is_named(tmp_path):
    path = write(tmp_path, "bars.csv", QB_HEADER + GOOD + "\n" + GOOD + ",9\n")
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:3: extra data after last expected column"
    )


def test_a_byte_that_is_not_utf8_after_the_sample_is_named_with_a_hint(tmp_path):
    # 10,080 good lines: the bad byte lies far past the sample the encoding is guessed from.
    good = "".join(
        f"20{y:02d}-{m:02d}-{d:02d},005930,1d,1,1,1,1,1\n"
        for y in range(30)
        for m in range(1, 13)
        for d in range(1, 29)
    )
    path = tmp_path / "bars.csv"
    path.write_bytes((QB_HEADER + good).encode() + b"2031-03-01,005930,1d,1,1,1,1,\xb0\xa1\n")

    assert load_error(path, "--encoding", "utf-8") == (
        f'Nothing was loaded.\n{path}:10082: invalid byte sequence for encoding "UTF8": 0xb0; '
        "pass --encoding (utf-8, utf-8-sig or cp949)"
    )


def test_every_error_is_reported_up_to_fifty_with_the_total(tmp_path):
    rows = "".join(f"2024-01-{d:02d},005930,1d,1,1,2,1,1\n" for d in range(1, 31))
    rows += "".join(f"2024-02-{d:02d},005930,1d,1,1,2,1,1\n" for d in range(1, 29))
    message = load_error(write(tmp_path, "bars.csv", QB_HEADER + rows))
    lines = message.splitlines()
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "... and 8 more"


# --- writing -------------------------------------------------------------------------------


def test_a_bad_row_at_the_end_leaves_the_table_as_it_was(tmp_path):
    factories.bar().save()
    before = bars()
    rows = "".join(f"2023-05-{d:02d},005930,1d,1,2,1,2,3\n" for d in range(1, 29))
    path = write(tmp_path, "bars.csv", QB_HEADER + rows + "2023-06-01,005930,1d,1,2,3,2,3\n")

    load_error(path)

    assert bars() == before


def test_several_files_are_one_transaction(tmp_path):
    good = write(tmp_path, "005930.csv", PYKRX)
    bad = write(tmp_path, "bars.csv", QB_HEADER + "2024-01-02,005930,1d,1,1,2,1,1\n")
    load_error(good, bad)
    assert bars() == []


def test_reloading_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, "005930.csv", PYKRX)
    load(path)
    before = bars()

    assert (
        summary(load(path))
        == "inserted 0, updated 0, unchanged 2, skipped 1 (no trading), rejected 0"
    )
    assert bars() == before


def test_a_changed_bar_is_updated_by_default(tmp_path):
    load(write(tmp_path, "005930.csv", PYKRX))
    changed = write(tmp_path, "005930_1d.csv", PYKRX.replace("79600,17142847", "79700,17142847"))

    assert summary(load(changed)).startswith("inserted 0, updated 1, unchanged 1,")
    assert MarketData.objects.get(time=dt.datetime(2024, 1, 2, tzinfo=KST)).close == 79700


def test_on_conflict_skip_keeps_the_stored_bar(tmp_path):
    load(write(tmp_path, "005930.csv", PYKRX))
    changed = write(tmp_path, "005930_1d.csv", PYKRX.replace("79600,17142847", "79700,17142847"))

    assert summary(load(changed, "--on-conflict", "skip")).startswith(
        "inserted 0, updated 0, unchanged 2,"
    )
    assert MarketData.objects.get(time=dt.datetime(2024, 1, 2, tzinfo=KST)).close == 79600


def test_on_conflict_error_names_the_line_of_the_stored_bar(tmp_path):
    path = write(tmp_path, "005930.csv", PYKRX)
    load(path)
    assert load_error(path, "--on-conflict", "error") == (
        f"Nothing was loaded.\n"
        f"{path}:2: 날짜: the bar of 005930 1d at 2024-01-02 00:00:00+0900 is already stored "
        "(--on-conflict error)\n"
        f"{path}:3: 날짜: the bar of 005930 1d at 2024-01-03 00:00:00+0900 is already stored "
        "(--on-conflict error)"
    )


def test_skip_invalid_loads_the_good_rows_and_writes_the_rejects(tmp_path):
    path = write(
        tmp_path,
        "bars.csv",
        QB_HEADER + GOOD + "\n2024-01-03,005930,1d,1,1,2,1,1\n2024-01-04,005930,1d,5,6,4,5,7\n",
    )
    out, err = StringIO(), StringIO()

    call_command("load_marketdata", str(path), "--skip-invalid", stdout=out, stderr=err)

    assert summary(out.getvalue()) == (
        "inserted 2, updated 0, unchanged 0, skipped 0 (no trading), rejected 1"
    )
    assert err.getvalue().splitlines()[-2:] == [
        f"{path}:3: high: 1 is below low 2",
        f"1 rejected rows of {path} are in {path}.rejects.csv; the other rows were loaded",
    ]
    assert len(bars()) == 2
    assert (tmp_path / "bars.csv.rejects.csv").read_text() == (
        "line,reason,time,symbol,interval_type,open,high,low,close,volume\n"
        "3,high: 1 is below low 2,2024-01-03,005930,1d,1,1,2,1,1\n"
    )


def test_dry_run_counts_and_writes_nothing(tmp_path):
    output = load(write(tmp_path, "005930.csv", PYKRX), "--dry-run")
    assert summary(output) == (
        "Dry run, nothing written: would have inserted 2, updated 0, unchanged 0, "
        "skipped 1 (no trading), rejected 0"
    )
    assert bars() == []


@pytest.mark.django_db(transaction=True)
def test_exit_codes_say_loaded_nothing_loaded_or_loaded_with_rejects(tmp_path):
    good = write(tmp_path, "005930.csv", PYKRX)
    bad = write(tmp_path, "bars.csv", QB_HEADER + "2024-01-03,005930,1d,1,1,2,1,1\n")
    some_bad = write(
        tmp_path, "some.csv", QB_HEADER + "2024-02-05,005930,1d,1,1,2,1,1\n" + FEBRUARY + "\n"
    )

    def run(*args):
        return manage("load_marketdata", *args)

    failed = run(bad)
    assert failed.returncode == 1
    assert failed.stderr == f"CommandError: Nothing was loaded.\n{bad}:2: high: 1 is below low 2\n"

    ok = run(good)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(
        "inserted 2, updated 0, unchanged 0, skipped 1 (no trading), rejected 0 in "
    )

    partly = run(some_bad, "--skip-invalid")
    assert partly.returncode == 3
    assert partly.stdout.startswith(
        "inserted 1, updated 0, unchanged 0, skipped 0 (no trading), rejected 1 in "
    )
    assert "CommandError" not in partly.stderr
    assert partly.stderr.endswith(
        f"{some_bad}:2: high: 1 is below low 2\n1 rejected rows of {some_bad} are in "
        f"{some_bad}.rejects.csv; the other rows were loaded\n"
    )

    # --skip-invalid, and every row was rejected: nothing was loaded.
    none = run(bad, "--skip-invalid")
    assert none.returncode == 1
    assert none.stdout.startswith(
        "inserted 0, updated 0, unchanged 0, skipped 0 (no trading), rejected 1 in "
    )
    assert none.stderr == (
        f"{bad}:2: high: 1 is below low 2\n1 rejected rows of {bad} are in {bad}.rejects.csv; "
        "none of its rows were loaded\nCommandError: Nothing was loaded: every row was "
        "rejected\n"
    )


def test_the_number_of_queries_does_not_grow_with_the_rows(tmp_path):
    def queries(rows):
        body = "".join(
            f"2024-01-{rows % 28:02d} {m // 60:02d}:{m % 60:02d}:00,005930,1m,1,2,1,2,3\n"
            for m in range(rows)
        )
        path = write(tmp_path, f"{rows}.csv", QB_HEADER + body)
        with CaptureQueriesContext(connection) as captured:
            load(path)
        return len(captured)

    assert queries(3) == queries(300)


def test_the_text_way_costs_the_same_queries_for_3_or_300_rows(tmp_path):
    def queries(rows):
        body = "".join(
            f'2024-01-{rows % 28:02d} {m // 60:02d}:{m % 60:02d}:00,"1,000",2000,1000,2000,3\n'
            for m in range(rows)
        )
        path = write(tmp_path, f"{rows}_1m.csv", "Date,Open,High,Low,Close,Volume\n" + body)
        with CaptureQueriesContext(connection) as captured:
            load(path, "--symbol", "005930")
        return len(captured)

    assert queries(3) == queries(300)


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_loaders_on_overlapping_files_both_succeed_and_leave_the_union(tmp_path):
    def minutes(start, stop, price):
        return "".join(
            f"2024-01-02 {9 + m // 60:02d}:{m % 60:02d}:00,{s},1m,{price},{price + 10},{price},"
            f"{price + 5},{m}\n"
            for m in range(start, stop)
            for s in ("005930", "000660", "035720")
        )

    # Overlap in opposite orders: the first file newest first, the second oldest first.
    first = write(
        tmp_path, "a.csv", QB_HEADER + "".join(reversed(minutes(0, 300, 100).splitlines(True)))
    )
    second = write(tmp_path, "b.csv", QB_HEADER + minutes(150, 400, 100))
    outcomes = {}

    def run(path):
        try:
            outcomes[path.name] = load(path)
        except Exception as e:  # reported by the assertion below
            outcomes[path.name] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert all(isinstance(o, str) for o in outcomes.values()), outcomes
    assert MarketData.objects.count() == 400 * 3
    assert MarketData.objects.filter(close=Decimal(105)).count() == 400 * 3


def test_progress_is_reported_with_the_file_size(tmp_path):
    path = write(tmp_path, "005930.csv", PYKRX)
    seen = []

    loading.load([str(path)], loading.Options(), progress=lambda *a, **k: seen.append((a, k)))

    assert seen
    (name, done), options = seen[-1]
    assert name == str(path)
    assert options == {"total": path.stat().st_size}
    assert 0 < done <= path.stat().st_size
