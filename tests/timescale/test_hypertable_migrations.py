"""The marketdata migrations on a real TimescaleDB engine (Timescale license)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from marketdata.models import MarketData

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def chunk_interval():
    return fetch(
        "SELECT column_name, time_interval FROM timescaledb_information.dimensions "
        "WHERE hypertable_name = 'market_data'"
    )


def policies():
    return fetch(
        "SELECT proc_name, config->>'compress_after', config->>'drop_after' "
        "FROM timescaledb_information.jobs WHERE hypertable_name = 'market_data' ORDER BY proc_name"
    )


def compression_job_id():
    [(job_id,)] = fetch(
        "SELECT job_id FROM timescaledb_information.jobs "
        "WHERE hypertable_name = 'market_data' AND proc_name = 'policy_compression'"
    )
    return job_id


def chunks():
    """(compressed?, older than the 7-day compression window?) for each chunk."""
    return fetch(
        "SELECT is_compressed, range_end < now() - interval '7 days' "
        "FROM timescaledb_information.chunks WHERE hypertable_name = 'market_data' "
        "ORDER BY range_start"
    )


def daily_bars(days=40, symbol="005930"):
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    bars = []
    for n in range(days):
        close = Decimal(70000 + n * 100)
        bars.append(
            MarketData(
                time=today - timedelta(days=n),
                symbol=symbol,
                interval_type="1d",
                open=close - 100,
                high=close + 200,
                low=close - 300,
                close=close,
                volume=1_000_000 + n,
            )
        )
    MarketData.objects.bulk_create(bars)
    return bars


def all_bars():
    return list(
        MarketData.objects.order_by("time", "symbol").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


def test_market_data_is_a_hypertable_chunked_by_the_configured_interval():
    assert fetch("SELECT hypertable_name FROM timescaledb_information.hypertables") == [
        ("market_data",)
    ]
    assert chunk_interval() == [("time", timedelta(days=7))]


def test_compression_segments_by_symbol_and_interval_and_orders_by_time_desc():
    assert fetch(
        "SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc "
        "FROM timescaledb_information.compression_settings "
        "WHERE hypertable_name = 'market_data' ORDER BY attname"
    ) == [
        ("interval_type", 2, None, None),
        ("symbol", 1, None, None),
        ("time", None, 1, False),
    ]


def test_compression_and_retention_policies_have_the_configured_intervals():
    assert policies() == [
        ("policy_compression", "7 days", None),
        ("policy_retention", None, "1 year"),
    ]


def test_the_composite_key_survives_create_hypertable():
    assert fetch(
        "SELECT a.attname FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = 'market_data'::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey::int2[], a.attnum)"
    ) == [("time",), ("symbol",), ("interval_type",)]


def test_running_the_compression_job_compresses_old_chunks_and_bars_read_back_identically():
    daily_bars()
    before = all_bars()

    with connection.cursor() as cursor:
        cursor.execute("CALL run_job(%s)", [compression_job_id()])

    states = chunks()
    assert len(states) >= 5
    assert all(compressed == old for compressed, old in states)
    assert any(compressed for compressed, _ in states)
    assert any(not compressed for compressed, _ in states)
    assert all_bars() == before


def test_an_upsert_into_a_compressed_chunk_updates_the_bar():
    bars = daily_bars()
    with connection.cursor() as cursor:
        cursor.execute("CALL run_job(%s)", [compression_job_id()])
    old = bars[-1]  # 39 days ago: in a compressed chunk
    old.close = old.close + 50
    old.high = old.high + 50

    MarketData.objects.bulk_create(
        [old],
        update_conflicts=True,
        unique_fields=["time", "symbol", "interval_type"],
        update_fields=["open", "high", "low", "close", "volume"],
    )

    stored = MarketData.objects.get(pk=(old.time, old.symbol, old.interval_type))
    assert (stored.close, stored.high) == (old.close, old.high)
    assert MarketData.objects.count() == 40


def test_migrating_marketdata_to_zero_and_forward_again_restores_everything():
    daily_bars()
    with connection.cursor() as cursor:
        cursor.execute("CALL run_job(%s)", [compression_job_id()])

    call_command("migrate", "marketdata", "zero", verbosity=0)
    assert fetch("SELECT to_regclass('market_data')") == [(None,)]
    assert policies() == []

    call_command("migrate", "marketdata", verbosity=0)
    assert chunk_interval() == [("time", timedelta(days=7))]
    assert [name for name, _, _ in policies()] == ["policy_compression", "policy_retention"]


def test_reversing_the_timescale_step_removes_policies_and_compression_but_keeps_the_hypertable():
    bars = daily_bars()
    with connection.cursor() as cursor:
        cursor.execute("CALL run_job(%s)", [compression_job_id()])

    try:
        call_command("migrate", "marketdata", "0001", verbosity=0)
        assert policies() == []
        assert fetch(
            "SELECT compression_enabled FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = 'market_data'"
        ) == [(False,)]
        assert MarketData.objects.count() == len(bars)
    finally:
        call_command("migrate", "marketdata", verbosity=0)
    assert len(policies()) == 2


def test_chunk_interval_and_retention_come_from_the_settings():
    try:
        with override_settings(MARKETDATA_CHUNK_INTERVAL="1 day", MARKETDATA_RETENTION=None):
            call_command("migrate", "marketdata", "zero", verbosity=0)
            call_command("migrate", "marketdata", verbosity=0)
        assert chunk_interval() == [("time", timedelta(days=1))]
        assert policies() == [("policy_compression", "7 days", None)]
    finally:
        call_command("migrate", "marketdata", "zero", verbosity=0)
        call_command("migrate", "marketdata", verbosity=0)
    assert chunk_interval() == [("time", timedelta(days=7))]
