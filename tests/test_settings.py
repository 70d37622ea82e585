"""Settings fail loudly and clearly on a missing or bad variable."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

BASE = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG"}}
PRODUCTION = BASE | {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "qb.example.com"}


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def last_line(result):
    return result.stderr.strip().splitlines()[-1]


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", env=BASE)

    assert result.returncode == 1
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set. It is required "
        "when DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE) to a long random string."
    )


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("y" * 60 + "\n")

    result = manage("check", env=BASE | {"SECRET_KEY_FILE": str(secret)})

    assert result.returncode == 0, result.stderr


def test_an_unreadable_secret_key_file_is_named():
    result = manage("check", env=BASE | {"SECRET_KEY_FILE": "/nonexistent/secret"})

    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY_FILE=/nonexistent/secret: "
        "cannot read it (No such file or directory)."
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("QB_TIMESCALEDB", "maybe", "QB_TIMESCALEDB='maybe' is not one of: auto, required, off."),
        (
            "MARKETDATA_CHUNK_INTERVAL",
            "7 days; drop table trades",
            "MARKETDATA_CHUNK_INTERVAL='7 days; drop table trades' is not an interval like "
            "'7 days', '12 hours' or '1 year'.",
        ),
        (
            "MARKETDATA_RETENTION",
            "forever",
            "MARKETDATA_RETENTION='forever' is not an interval like '7 days', '12 hours' or "
            "'1 year' or 'none'.",
        ),
        (
            "QB_STRATEGY_CAPITAL",
            "momentum=-5",
            "QB_STRATEGY_CAPITAL: 'momentum=-5' is not strategy=amount with a positive amount "
            "in KRW (at most 1,000,000,000,000,000).",
        ),
        (
            "QB_STRATEGY_CAPITAL",
            "momentum=1e400",
            "QB_STRATEGY_CAPITAL: 'momentum=1e400' is not strategy=amount with a positive amount "
            "in KRW (at most 1,000,000,000,000,000).",
        ),
        (
            "QB_PORTFOLIO_CASH",
            "Infinity",
            "QB_PORTFOLIO_CASH: Infinity is not an amount in KRW 0 or more and at most "
            "1,000,000,000,000,000.",
        ),
        (
            "QB_MARKET_CLOSURES",
            "2026-06-03,June 5",
            "QB_MARKET_CLOSURES: 'June 5' is not a date like 2026-06-03.",
        ),
        (
            "DATABASE_URL",
            "sqlite:///qb.db",
            "DATABASE_URL must point at PostgreSQL (postgres://...); got engine "
            "'django.db.backends.sqlite3'.",
        ),
    ],
)
def test_a_bad_value_is_named_with_what_would_be_accepted(name, value, message):
    result = manage("check", env=PRODUCTION | {name: value})

    assert result.returncode == 1
    assert last_line(result) == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


def test_a_dead_database_is_reported_within_seconds():
    # Nothing listens on port 9 of loopback: the connection is refused at once; the
    # connect_timeout bounds the wait for a host that does not answer at all.
    env = PRODUCTION | {"DATABASE_URL": "postgres://qb@127.0.0.1:9/qb"}
    result = manage("migrate", "--check", env=env)

    assert result.returncode == 1
    assert 'connection to server at "127.0.0.1", port 9 failed' in result.stderr
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 5


def test_an_empty_database_url_means_the_private_server():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection as c; print(c.settings_dict['PORT'])",
        env=PRODUCTION | {"DATABASE_URL": "", "QB_LOCAL_PG_PORT": "54999"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "54999\n"
