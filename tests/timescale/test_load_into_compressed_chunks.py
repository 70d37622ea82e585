"""load_marketdata on a hypertable whose old chunks are compressed."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from marketdata.models import MarketData

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
    return out.getvalue().split(" in ")[0]


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
        "inserted 40, updated 0, unchanged 0, skipped 0 (halted), rejected 0"
    )
    assert compress_old_chunks() >= 3

    assert load(daily_file(tmp_path / "a.csv", 40)) == (
        "inserted 0, updated 0, unchanged 40, skipped 0 (halted), rejected 0"
    )

    # Two bars change: one in a compressed chunk (35 days ago), one recent; one bar is new.
    changed = daily_file(
        tmp_path / "b.csv", 41, close=lambda n: 70000 + n * 100 + (50 if n in (2, 35) else 0)
    )
    assert load(changed) == "inserted 1, updated 2, unchanged 38, skipped 0 (halted), rejected 0"

    old = MarketData.objects.get(time__date=timezone.localdate() - dt.timedelta(days=35))
    assert old.close == 70000 + 3500 + 50
    assert MarketData.objects.count() == 41
