"""The marketdata migrations on PostgreSQL without TimescaleDB."""

import logging
import os
import re
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from marketdata.timescale import hypertable as timescale
from tests.commands import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_test_server_really_has_no_timescaledb():
    assert timescale.detect(connection).available is False


def test_migrating_warns_once_that_market_data_stays_a_plain_table(caplog):
    call_command("migrate", "marketdata", "0001", verbosity=0)
    # Forward for every app: going back also unapplied trading's migrations that depend on
    # marketdata's (corporate actions), which the tests after this one need.
    with caplog.at_level(logging.WARNING, logger="marketdata.timescale"):
        call_command("migrate", verbosity=0)

    [record] = caplog.records
    port = connection.settings_dict["PORT"]
    assert re.fullmatch(
        rf"TimescaleDB is not available on 127\.0\.0\.1:{port} \(PostgreSQL [\d.]+\): "
        r"`market_data` stays a plain table \(no hypertable, compression or retention\)\. .+",
        record.getMessage(),
    )
    assert timescale.is_hypertable(connection) is False


def test_migrating_to_zero_and_forward_again_works():
    call_command("migrate", "marketdata", "zero", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('market_data')")
        assert cursor.fetchone() == (None,)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('market_data')::text")
        assert cursor.fetchone() == ("market_data",)


@pytest.fixture
def empty_database():
    name = "qb_empty_for_migrate"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    yield database_url().rsplit("/", 1)[0] + f"/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_required_mode_stops_migrate_with_a_message_naming_the_server(empty_database):
    result = manage("migrate", "--no-input", DATABASE_URL=empty_database, QB_TIMESCALEDB="required")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    port = connection.settings_dict["PORT"]
    assert (
        f"TimescaleRequired: QB_TIMESCALEDB=required, but the server 127.0.0.1:{port} (PostgreSQL "
        in result.stderr
    )
    assert "has no timescaledb extension (pg_available_extensions)" in result.stderr

    # The failed step left nothing half-done: 0002 is not recorded, so a retry on a
    # TimescaleDB server runs it in full.
    shown = manage("showmigrations", "marketdata", DATABASE_URL=empty_database)
    assert shown.stdout.split("\n")[1:3] == [" [X] 0001_initial", " [ ] 0002_timescaledb"]


def test_a_full_migrate_creates_no_extension_the_project_does_not_use(empty_database):
    result = manage("migrate", "--no-input", DATABASE_URL=empty_database)
    assert result.returncode == 0, result.stderr

    db = connection.settings_dict
    other = psycopg2.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="qb_empty_for_migrate",
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT extname FROM pg_extension ORDER BY 1")
            assert cursor.fetchall() == [("plpgsql",)]
    finally:
        other.close()
