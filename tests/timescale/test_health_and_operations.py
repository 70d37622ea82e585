"""Health checks and `manage.py timescale` on a real TimescaleDB engine."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from marketdata.models import MarketData
from marketdata.timescale import day_counts
from qbsite import health
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def check(name):
    [result] = health.run([name])
    return result


def old_bars(days=40):
    now = timezone.now()
    MarketData.objects.bulk_create(
        factories.bar(time=now - dt.timedelta(days=n)) for n in range(days)
    )


def compression_job():
    [(job_id,)] = sql(
        "SELECT job_id FROM timescaledb_information.jobs "
        "WHERE hypertable_name = 'market_data' AND proc_name = 'policy_compression'"
    )
    return job_id


def test_timescaledb_check_reports_the_hypertable():
    result = check("timescaledb")
    assert result.status == health.OK
    assert result.details["hypertable"] is True
    assert result.details["chunk_interval"] == "7 days, 0:00:00"
    assert result.details["license"] == "timescale"


def test_compression_backlog_warns_until_the_job_has_run():
    old_bars()
    before = check("compression")
    assert before.status == health.WARNING
    assert "chunks older than 7 days are not compressed" in before.message

    sql("CALL run_job(%s)", [compression_job()])

    after = check("compression")
    assert after.status == health.OK
    assert after.details["backlog_chunks"] == 0
    assert after.details["compressed_chunks"] >= 4
    assert after.details["bytes_before"] > 0 and after.details["bytes_after"] > 0


def test_jobs_are_ok_when_both_policies_exist_and_none_is_late():
    result = check("jobs")
    assert result.status == health.OK
    assert [j["kind"] for j in result.details["jobs"]] == ["compression", "retention"]


def test_an_overdue_job_is_a_warning():
    sql("SELECT alter_job(%s, next_start => now() - interval '3 days')", [compression_job()])
    try:
        result = check("jobs")
        assert result.status == health.WARNING
        assert f"compression job {compression_job()} is overdue since" in result.message
    finally:
        sql("SELECT alter_job(%s, next_start => now() + interval '1 hour')", [compression_job()])


def test_apply_restores_a_removed_policy_and_then_has_nothing_to_do():
    sql("SELECT remove_retention_policy('market_data')")
    assert check("jobs").message == "no retention policy"

    output = run("timescale", "apply")

    assert "retention policy: done (drop_after 1 year)" in output
    assert run("timescale", "apply").splitlines()[-1] == "Everything was already in place."
    assert check("jobs").status == health.OK


def test_apply_turns_a_plain_table_with_bars_into_a_hypertable_with_the_bars_intact():
    try:
        with override_settings(QB_TIMESCALEDB="off"):
            call_command("migrate", "marketdata", "zero", verbosity=0)
            call_command("migrate", "marketdata", verbosity=0)
        assert check("timescaledb").message == (
            "market_data is not a hypertable; run manage.py timescale apply"
        )
        old_bars(30)
        before = list(MarketData.objects.order_by("time").values_list())

        output = run("timescale", "apply")

        assert output.splitlines() == [
            "extension: already in place",
            "hypertable: done (30 bars moved into chunks)",
            "chunk interval: already in place",
            "compression: done",
            "compression policy: done (compress_after 7 days)",
            "retention policy: done (drop_after 1 year)",
            "bar counts per day: done (continuous aggregate)",
            "continuous aggregates: done (5m, 15m, 30m, 60m)",
            "6 steps changed the server.",
        ]
        assert list(MarketData.objects.order_by("time").values_list()) == before
        assert day_counts.kind() == day_counts.AGGREGATE
        assert sql("SELECT sum(bars) FROM market_data_days") == [(30,)]
        assert check("timescaledb").status == health.OK
        assert run("timescale", "apply").splitlines()[-1] == "Everything was already in place."
    finally:
        call_command("migrate", "marketdata", "zero", verbosity=0)
        call_command("migrate", "marketdata", verbosity=0)


def test_compress_and_decompress_a_range_with_dry_runs():
    old_bars()
    dry = run("timescale", "compress", "--older-than", "14 days", "--dry-run")
    assert dry.splitlines()[-1].startswith("Would compress ")
    count = int(dry.splitlines()[-1].split()[2])
    assert count >= 2
    assert sql("SELECT count(*) FROM timescaledb_information.chunks WHERE is_compressed") == [(0,)]

    assert run("timescale", "compress", "--older-than", "14 days").splitlines()[-1] == (
        f"Compressed {count} chunks."
    )
    assert sql("SELECT count(*) FROM timescaledb_information.chunks WHERE is_compressed") == [
        (count,)
    ]

    start = (timezone.localdate() - dt.timedelta(days=45)).isoformat()
    end = timezone.localdate().isoformat()
    assert run("timescale", "decompress", "--from", start, "--to", end).splitlines()[-1] == (
        f"Decompressed {count} chunks."
    )
    assert MarketData.objects.count() == 40


def test_status_fits_on_one_screen():
    output = run("timescale", "status")
    lines = output.splitlines()
    assert lines[0].startswith("server: ") and "(timescale license)" in lines[0]
    assert lines[1].startswith("market_data: hypertable, ")
    assert any(line.startswith("compression policy: job ") for line in lines)
    assert len(lines) <= 10


def test_compress_refuses_a_bad_interval():
    with pytest.raises(CommandError, match="--older-than '1 week; drop'"):
        run("timescale", "compress", "--older-than", "1 week; drop")
