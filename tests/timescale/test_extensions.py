"""The engine loads only the extensions the project uses, so that no test can lean on
another one, as a migration once did on pg_trgm."""

import pytest
from django.db import DatabaseError, connection, transaction

pytestmark = pytest.mark.django_db


def test_after_migrate_only_plpgsql_and_timescaledb_are_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension ORDER BY 1")
        assert cursor.fetchall() == [("plpgsql",), ("timescaledb",)]


def test_the_engine_cannot_create_pg_trgm():
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION pg_trgm")
