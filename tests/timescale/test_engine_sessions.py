"""The test engine shares one backend session between clients; it must hand each new
client a clean one, or one test's leftovers would change the next one's results."""

import psycopg2
import pytest
from django.db import connection


@pytest.fixture
def connect():
    connection.close()  # the engine serves one client at a time
    params = connection.get_connection_params()
    opened = []

    def open_one():
        conn = psycopg2.connect(**params)
        opened.append(conn)
        return conn

    yield open_one
    for conn in opened:
        conn.close()


def test_a_client_that_leaves_mid_transaction_leaves_nothing_behind(connect):
    first = connect()
    with first.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE leftover (n int)")
        cursor.execute("SET statement_timeout = '123s'")
        cursor.execute("SET search_path TO pg_catalog")
        cursor.execute("BEGIN; CREATE TABLE half_done (n int)")
    first.close()

    second = connect()
    with second.cursor() as cursor:
        cursor.execute("SELECT to_regclass('leftover'), to_regclass('public.half_done')")
        assert cursor.fetchone() == (None, None)
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("0",)
        cursor.execute("SHOW search_path")
        assert cursor.fetchone() == ("public",)
