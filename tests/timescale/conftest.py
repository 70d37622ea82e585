"""Session setup for the TimescaleDB engine.

The engine serves one database whatever name a client asks for, so Django's usual
"create test_<name>" cannot work: the schema is reset and migrated in place instead.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from marketdata.timescale import hypertable as timescale


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS timescaledb CASCADE")
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        caps = timescale.detect(connection)
        if not caps.available:
            pytest.exit(f"tests/timescale needs a TimescaleDB server; got {caps}", returncode=1)
        call_command("migrate", verbosity=0)


@pytest.fixture(autouse=True)
def forget_materialized_aggregates(django_db_blocker):
    """Django's flush truncates the tables, but a continuous aggregate keeps what it
    materialized: empty them after each test, so that the next starts from nothing."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', view_schema, view_name) "
            "FROM timescaledb_information.continuous_aggregates"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"TRUNCATE {name}")  # names from the catalog
