"""load_marketdata on a hypertable whose old chunks are compressed."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from marketdata.loader import undo
from marketdata.models import Load, MarketData

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "time,symbol,interval_type,open,high,low,close,volume\n"


def daily_file(path, days, close=lambda n: 70000 + n * 100):
    today = timezone.localdate()
    rows = "".join(
        f"{today - dt.timedelta(days=n)},005930,1d,{close(n)},{close(n) + 500},{close(n) - 500},"
        f"{close(n)},{1000 + n}\n"
        for n in range(days)
    )
    path.write_text(HEADER + rows)
    return path


def load(path):
    out = StringIO()
    call_command("load_marketdata", str(path), stdout=out)
    # The counts of the summary line, the last: the line above it says how the file was read.
    return out.getvalue().strip().splitlines()[-1].split(" in ")[0]


def compress_old_chunks():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT job_id FROM timescaledb_information.jobs "
            "WHERE hypertable_name = 'market_data' AND proc_name = 'policy_compression'"
        )
        cursor.execute("CALL run_job(%s)", [cursor.fetchone()[0]])
        cursor.execute(
            "SELECT count(*) FILTER (WHERE is_compressed) FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'market_data'"
        )
        return cursor.fetchone()[0]


def test_reloading_into_compressed_chunks_updates_only_what_changed(tmp_path):
    assert load(daily_file(tmp_path / "a.csv", 40)) == (
        "inserted 40, updated 0, unchanged 0, skipped 0 (no trading), rejected 0"
    )
    assert compress_old_chunks() >= 3

    assert load(daily_file(tmp_path / "a.csv", 40)) == (
        "inserted 0, updated 0, unchanged 40, skipped 0 (no trading), rejected 0"
    )

    # Two bars change: one in a compressed chunk (35 days ago), one recent; one bar is new.
    changed = daily_file(
        tmp_path / "b.csv", 41, close=lambda n: 70000 + n * 100 + (50 if n in (2, 35) else 0)
    )
    assert (
        load(changed) == "inserted 1, updated 2, unchanged 38, skipped 0 (no trading), rejected 0"
    )

    old = MarketData.objects.get(time__date=timezone.localdate() - dt.timedelta(days=35))
    assert old.close == 70000 + 3500 + 50
    assert MarketData.objects.count() == 41


def minute_file(path, start, minutes, close):
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(minutes):
            stamp = (start + dt.timedelta(minutes=n)).isoformat()
            out.write(f"{stamp},005930,1m,100,110,90,{close},{n}\n")
    return path


def decompression_limit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW timescaledb.max_tuples_decompressed_per_dml_transaction")
        return cursor.fetchone()[0]


def uncompressed_bars():
    """Bars in the uncompressed part of market_data's chunks: ONLY leaves out the part a
    chunk holds compressed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_chunks('market_data')::text")
        total = 0
        for (chunk,) in cursor.fetchall():
            cursor.execute(f"SELECT count(*) FROM ONLY {chunk}")  # name from the catalog
            total += cursor.fetchone()[0]
        return total


def test_a_backfill_over_the_decompression_limit_works_on_a_server_at_its_defaults(tmp_path):
    # A TimescaleDB server refuses DML that decompresses more than 100,000 tuples; this
    # engine enforces that limit too (it is at its default here), so the reload below
    # fails without the loader's own setting.
    bars = 110_000
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=100)
    assert decompression_limit() == "100000"
    first = minute_file(tmp_path / "a.csv", start, bars, close=100)
    assert load(first).startswith(f"inserted {bars:,},")
    assert compress_old_chunks() >= 11

    assert load(minute_file(tmp_path / "b.csv", start, bars, close=101)) == (
        f"inserted 0, updated {bars:,}, unchanged 0, skipped 0 (no trading), rejected 0"
    )

    assert MarketData.objects.filter(close=101).count() == bars
    record = Load.objects.latest("id")
    assert record.compressed_chunks >= 11
    assert record.replaced.count() == bars
    assert record.replaced.filter(close=100).count() == bars
    # The limit was lifted for the loader's transaction only.
    assert decompression_limit() == "100000"

    # The policy compresses the chunks again; undo runs into the same limit, and gives
    # every bar back as it was.
    assert compress_old_chunks() >= 11
    assert uncompressed_bars() == 0
    first_load = Load.objects.earliest("id")
    undo.undo(record.pk, user=User.objects.create_user("ops", is_staff=True))
    assert MarketData.objects.filter(close=100, load_id=first_load.pk).count() == bars
    assert decompression_limit() == "100000"
