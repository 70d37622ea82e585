"""Health checks on plain PostgreSQL, the endpoints, and the command's exit codes."""

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone

from marketdata import sessions
from marketdata.models import MarketData
from marketdata.timescale.hypertable import Capabilities
from marketdata.timescale.introspection import Hypertable, Job
from qbsite import health
from tests import factories

pytestmark = pytest.mark.django_db


def healthcheck(*args):
    out = StringIO()
    try:
        call_command("healthcheck", *args, stdout=out)
        code = 0
    except CommandError as e:
        code = e.returncode
    return code, out.getvalue()


def statuses(*names):
    return {c.name: (c.status, c.message) for c in health.run(names or None)}


@pytest.fixture
def fresh_market():
    """Daily and minute bars of the last closed session for two symbols."""
    session = sessions.last_closed(timezone.now())
    for symbol in ("005930", "000660"):
        factories.bar(symbol=symbol, time=session.open.replace(hour=0)).save()
        factories.bar(
            symbol=symbol,
            interval_type="1m",
            time=session.continuous_end - dt.timedelta(minutes=1),
        ).save()
    return session


def test_plain_postgresql_without_timescaledb_is_information_said_once():
    # The quickstart's embedded PostgreSQL under QB_TIMESCALEDB=auto: nothing to act on.
    port = connection.settings_dict["PORT"]
    checks = {c.name: c for c in health.run()}
    timescaledb = checks["timescaledb"]
    assert timescaledb.status == health.OK
    assert timescaledb.message.startswith(
        f"TimescaleDB is not available on 127.0.0.1:{port} (PostgreSQL"
    )
    assert timescaledb.message.endswith("; market_data is a plain table (QB_TIMESCALEDB=auto)")
    assert "compression" not in checks and "jobs" not in checks
    messages = " ".join(c.message for c in checks.values())
    assert messages.count("TimescaleDB is not available") == 1
    # Asked for by name, they say that they do not apply.
    assert statuses("compression", "jobs") == {
        "compression": (health.OK, "does not apply without TimescaleDB"),
        "jobs": (health.OK, "does not apply without TimescaleDB"),
    }


def test_timescaledb_that_is_there_but_not_set_up_is_a_warning():
    info = hypertable()
    info.is_hypertable = False
    ctx = context(info)
    for check in (health.check_timescaledb, health.check_compression, health.check_jobs):
        found = check(ctx)
        assert (found.status, found.message) == (
            health.WARNING,
            "market_data is not a hypertable; run manage.py timescale apply",
        )


def test_the_front_page_stays_green_without_timescaledb(admin_client, fresh_market):
    cache.clear()
    report = admin_client.get(reverse("admin:index")).context["dashboard"]["health"]
    assert [c.name for c in report["checks"] if c.status != health.OK] == []


def test_timescaledb_missing_is_an_error_when_it_is_required(settings):
    settings.QB_TIMESCALEDB = "required"
    assert statuses("timescaledb")["timescaledb"][0] == health.ERROR


def test_the_database_check_reports_version_latency_and_size():
    [check] = health.run(["database"])
    assert check.status == health.OK
    assert set(check.details) == {"version", "latency_ms", "size_bytes"}
    assert check.message.startswith("PostgreSQL ")


def test_a_missing_migration_is_an_error_naming_it():
    [(app, name)] = [n for n in MigrationLoader(connection).graph.leaf_nodes() if n[0] == "trading"]
    MigrationRecorder.Migration.objects.filter(app=app, name=name).delete()
    status, message = statuses("migrations")["migrations"]
    assert status == health.ERROR
    assert message == f"1 not applied: trading.{name}; run manage.py migrate"


def test_freshness_is_ok_when_every_interval_has_the_last_session(fresh_market):
    status, message = statuses("freshness")["freshness"]
    assert status == health.OK
    assert message == (f"every interval has bars of the last session ({fresh_market.date}): 1d, 1m")


def test_a_symbol_that_stopped_early_is_named(fresh_market):
    factories.bar(symbol="035720", time=fresh_market.open - dt.timedelta(days=30)).save()
    status, message = statuses("freshness")["freshness"]
    assert status == health.WARNING
    assert message == f"1 day: 1 of 3 symbols stop before {fresh_market.date} (035720)"


def test_with_nextrade_hours_minutes_that_stop_at_the_krx_close_are_stale(settings):
    settings.QB_SESSIONS = "krx"
    session = sessions.last_closed(timezone.now())
    factories.bar(interval_type="1m", time=session.continuous_end - dt.timedelta(minutes=1)).save()
    assert statuses("freshness")["freshness"][0] == health.OK
    settings.QB_SESSIONS = "krx+nxt"
    session = sessions.last_closed(timezone.now())
    factories.bar(interval_type="1m", time=session.continuous_end - dt.timedelta(minutes=1)).save()
    factories.bar(
        symbol="000660", interval_type="1m", time=session.open - dt.timedelta(minutes=1)
    ).save()
    status, message = statuses("freshness")["freshness"]
    assert (status, message) == (
        health.WARNING,
        f"1 minute: 1 of 2 symbols stop before {session.date} (000660)",
    )


def test_the_front_page_freshness_card_agrees_with_the_health_check(fresh_market, admin_client):
    # 005930 and 000660 have the last session; 035720 stopped a month ago.
    factories.bar(symbol="035720", time=fresh_market.open - dt.timedelta(days=30)).save()
    cache.clear()
    page = admin_client.get(reverse("admin:index"))
    card = {f["interval"]: f for f in page.context["dashboard"]["freshness"]}
    assert (card["1d"]["fresh"], card["1d"]["stale"]) == (False, ["035720"])
    assert (card["1m"]["fresh"], card["1m"]["stale"]) == (True, [])
    assert '<div class="health-warning">1 day: ' in page.text
    assert "1 symbol behind" in page.text
    checks = {c.name: c.status for c in page.context["dashboard"]["health"]["checks"]}
    assert checks["freshness"] == health.WARNING


def test_no_bars_at_all_is_a_warning():
    assert statuses("freshness")["freshness"] == (health.WARNING, "market_data holds no bars")


def test_error_logs_warn_and_critical_logs_fail():
    assert statuses("logs")["logs"][0] == health.OK
    factories.log(level="ERROR", component="broker.kis").save()
    assert statuses("logs")["logs"] == (health.WARNING, "last 24 h: broker.kis: 1 error")
    factories.log(level="CRITICAL", component="broker.kis").save()
    assert statuses("logs")["logs"] == (
        health.ERROR,
        "last 24 h: broker.kis: 1 error, 1 critical",
    )


def test_open_positions_without_a_recent_price_are_named(fresh_market):
    factories.position(symbol="005930").save()
    factories.position(symbol="035720").save()
    factories.position(symbol="000660", quantity=0).save()
    status, message = statuses("positions")["positions"]
    assert status == health.WARNING
    assert message == (
        f"1 of 2 open positions have no price from the last session ({fresh_market.date}): 035720"
    )


def test_tables_are_estimated_from_the_planner():
    MarketData.objects.bulk_create(
        factories.bar(time=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n))
        for n in range(50)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE market_data")
    [check] = health.run(["tables"])
    assert check.details["tables"]["market_data"]["estimated_rows"] == 50
    assert set(check.details["tables"]) == set(health.TABLES)


def hypertable(*jobs, **fields):
    caps = Capabilities(
        server="db:5432 (PostgreSQL 17.5)", available=True, installed="2.22.1", license="timescale"
    )
    return Hypertable(
        caps=caps,
        version="2.22.1",
        is_hypertable=True,
        chunks=10,
        compression_enabled=True,
        jobs=list(jobs),
        **fields,
    )


def job(kind, **fields):
    values = {
        "job_id": 1000 if kind == "compression" else 1001,
        "kind": kind,
        "schedule_interval": dt.timedelta(hours=12),
        "setting": "7 days",
        "last_run_status": "Success",
        "last_successful_finish": timezone.now(),
        "next_start": timezone.now() + dt.timedelta(hours=1),
        "total_runs": 3,
        "total_failures": 0,
    }
    return Job(**(values | fields))


def context(info):
    ctx = health._Context()
    ctx.hypertable = info
    return ctx


def test_a_failed_policy_run_is_an_error_with_the_job_error():
    ctx = context(
        hypertable(
            job(
                "compression",
                last_run_status="Failed",
                errors=["canceling statement due to statement timeout"],
            ),
            job("retention"),
        )
    )
    check = health.check_jobs(ctx)
    assert check.status == health.ERROR
    assert check.message == (
        "compression job 1000 failed its last run: canceling statement due to statement timeout"
    )


def test_a_failed_refresh_of_a_continuous_aggregate_is_an_error():
    info = hypertable(job("compression"), job("retention"))
    info.aggregate_jobs = [
        job("refresh", job_id=1002, table="market_data_days"),
        job(
            "refresh",
            job_id=1003,
            table="market_data_5m",
            last_run_status="Failed",
            errors=["out of memory"],
        ),
    ]
    check = health.check_jobs(context(info))
    assert (check.status, check.message) == (
        health.ERROR,
        "market_data_5m refresh job 1003 failed its last run: out of memory",
    )
    info.aggregate_jobs.pop()
    assert health.check_jobs(context(info)).message.endswith(
        "; 1 continuous aggregate job, not late"
    )


def test_an_overdue_policy_is_a_warning():
    late = timezone.now() - dt.timedelta(days=2)
    check = health.check_jobs(
        context(hypertable(job("compression", next_start=late), job("retention")))
    )
    assert check.status == health.WARNING
    assert check.message.startswith("compression job 1000 is overdue since ")


def test_a_missing_retention_policy_is_a_warning_unless_retention_is_off(settings):
    ctx = context(hypertable(job("compression")))
    assert health.check_jobs(ctx).message == "no retention policy"
    settings.MARKETDATA_RETENTION = None
    assert health.check_jobs(ctx).status == health.OK


def test_the_apache_edition_says_it_has_no_compression():
    info = hypertable()
    info.caps = Capabilities(server="db", available=True, installed="2.19", license="apache")
    check = health.check_compression(context(info))
    assert (check.status, check.message) == (
        health.WARNING,
        "the apache edition of TimescaleDB has no compression",
    )


# --- the command ---------------------------------------------------------------------------


def test_exit_code_is_0_for_warnings_by_default_and_1_with_fail_on_warning():
    assert healthcheck("--check", "freshness")[0] == 0
    assert healthcheck("--check", "freshness", "--fail-on", "warning")[0] == 1


def test_exit_code_is_2_for_errors_whatever_fail_on_says():
    factories.log(level="CRITICAL").save()
    assert healthcheck("--check", "logs")[0] == 2
    assert healthcheck("--check", "logs", "--fail-on", "warning")[0] == 2


def test_exit_code_is_0_when_all_is_well():
    code, output = healthcheck("--check", "database", "--check", "migrations", "--check", "logs")
    assert code == 0
    assert [line.split()[0:2] for line in output.splitlines()] == [
        ["OK", "database"],
        ["OK", "migrations"],
        ["OK", "logs"],
    ]


def test_json_has_the_documented_shape():
    code, output = healthcheck("--format", "json")
    report = json.loads(output)
    assert set(report) == {"status", "checked_at", "checks"}
    # Without TimescaleDB, compression and jobs do not apply and are left out.
    assert [c["name"] for c in report["checks"]] == [
        n for n in health.CHECKS if n not in ("compression", "jobs")
    ]
    for check in report["checks"]:
        assert set(check) == {"name", "status", "message", "details"}
        assert check["status"] in ("ok", "warning", "error")
    assert report["status"] == "warning"
    assert code == 0


def test_a_dead_database_is_one_error_not_a_traceback():
    env = os.environ | {"DATABASE_URL": "postgres://qb@127.0.0.1:9/qb", "SECRET_KEY": "x" * 60}
    env.pop("SECRET_KEY_FILE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "healthcheck"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout.startswith("FAIL  database  unreachable: connection to server at")
    assert result.stderr == "CommandError: unhealthy: database\n"


# --- endpoints -----------------------------------------------------------------------------


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_200_when_the_database_answers(client):
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "reason": "ok"})


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_when_the_database_is_unreachable_and_recovers(client):
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"
    try:
        response = client.get("/readyz")
        assert (response.status_code, response.json()) == (
            503,
            {"status": "error", "reason": "database unreachable"},
        )
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert client.get("/readyz").status_code == 200


def test_the_admin_health_page_is_for_staff(client, admin_client):
    url = reverse("admin:health")
    assert client.get(url).status_code == 302
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "migrations" in page.text and "all applied" in page.text


def test_open_positions_priced_in_the_last_session_are_ok(fresh_market):
    factories.position(symbol="005930").save()
    factories.position(symbol="000660").save()
    assert statuses("positions")["positions"] == (health.OK, "2 open positions, all priced")


def test_without_a_replica_the_check_says_so():
    [check] = health.run(["replica"])
    assert (check.status, check.message) == (health.OK, "no read replica configured")
