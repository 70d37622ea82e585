"""Continuous aggregates of the 1-minute bars at 5, 15, 30 and 60 minutes on TimescaleDB:
hierarchical, aligned to Korea time, refreshed by policy and by our writers, compressed
when old, read by the chart and the browser, and reversible."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketdata.models import MarketData
from marketdata.timescale import aggregates
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
KST = dt.timezone(dt.timedelta(hours=9))
MONDAY = dt.datetime(2024, 3, 4, 9, tzinfo=KST)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def minutes(day, count=380, symbol="005930"):
    MarketData.objects.bulk_create(
        factories.bar(
            symbol=symbol,
            interval_type="1m",
            time=day + dt.timedelta(minutes=n),
            open=Decimal(1000 + n),
            close=Decimal(1001 + n),
            high=Decimal(1002 + n),
            low=Decimal(999 + n),
            volume=10 + n,
        )
        for n in range(count)
    )


def job(view, proc, setting="start_offset"):
    [(job_id, value)] = sql(
        "SELECT job_id, config->>%s FROM timescaledb_information.jobs "
        "WHERE hypertable_name = %s AND proc_name = %s",
        [setting, view, proc],
    )
    return job_id, value


def test_four_hierarchical_aggregates_with_refresh_and_compression_policies():
    views = dict(
        sql(
            "SELECT view_name, view_definition FROM timescaledb_information.continuous_aggregates "
            "WHERE view_name LIKE 'market\\_data\\_%%m' ORDER BY view_name"
        )
    )
    assert sorted(views) == [
        "market_data_15m",
        "market_data_30m",
        "market_data_5m",
        "market_data_60m",
    ]
    assert "FROM market_data\n" in views["market_data_5m"]
    assert "FROM market_data_5m" in views["market_data_15m"]
    assert "FROM market_data_15m" in views["market_data_30m"]
    assert "FROM market_data_30m" in views["market_data_60m"]
    for aggregate in aggregates.AGGREGATES:
        _, start = job(aggregate.view, "policy_refresh_continuous_aggregate")
        assert start == "30 days"
        _, after = job(aggregate.view, "policy_compression", "compress_after")
        assert after == "60 days"
    assert sql(
        "SELECT bool_and(compression_enabled) FROM timescaledb_information.continuous_aggregates "
        "WHERE view_name LIKE 'market\\_data\\_%%m'"
    ) == [(True,)]


def test_buckets_start_on_korea_time_and_hold_first_open_extremes_last_close_and_volume():
    minutes(MONDAY)
    rows = sql(
        "SELECT time, open, high, low, close, volume FROM market_data_60m "
        "WHERE symbol = '005930' ORDER BY time"
    )
    assert [f"{t.astimezone(KST):%H:%M}" for t, *_ in rows] == [
        "09:00",
        "10:00",
        "11:00",
        "12:00",
        "13:00",
        "14:00",
        "15:00",
    ]
    assert rows[0][1:] == (
        Decimal(1000),
        Decimal(1061),
        Decimal(999),
        Decimal(1060),
        sum(range(10, 70)),
    )


def test_the_refresh_policy_materializes_and_new_bars_show_in_real_time():
    minutes(MONDAY)
    for aggregate in aggregates.AGGREGATES:
        job_id, _ = job(aggregate.view, "policy_refresh_continuous_aggregate")
        sql(f"CALL run_job({int(job_id)})")
    # The policy refreshes the last 30 days only: these bars are older.
    assert sql("SELECT count(*) FROM market_data_5m") == [(76,)]
    recent = timezone.now().astimezone(KST).replace(hour=9, minute=0, second=0, microsecond=0)
    minutes(recent - dt.timedelta(days=3), count=10)
    assert sql(
        "SELECT count(*) FROM market_data_5m WHERE time >= %s", [recent - dt.timedelta(days=3)]
    ) == [(2,)]


def test_an_admin_delete_of_old_minutes_refreshes_the_aggregates(admin_client):
    minutes(MONDAY)
    for aggregate in aggregates.AGGREGATES:
        aggregates.refresh(connection, aggregate, None, None)
    admin_client.post(
        reverse("admin:marketdata_delete"),
        {
            "symbol": "005930",
            "interval": "1m",
            "start": "2024-03-04",
            "end": "2024-03-04",
            "confirm": "yes",
        },
    )
    assert sql("SELECT count(*) FROM market_data_5m") == [(0,)]
    assert sql("SELECT count(*) FROM market_data_60m") == [(0,)]


def test_the_compression_policy_compresses_old_buckets_and_they_read_the_same():
    minutes(MONDAY)
    for aggregate in aggregates.AGGREGATES:
        aggregates.refresh(connection, aggregate, None, None)
    before = sql("SELECT * FROM market_data_15m ORDER BY time")
    job_id, _ = job("market_data_15m", "policy_compression")
    sql(f"CALL run_job({int(job_id)})")
    [(materialized,)] = sql(
        "SELECT materialization_hypertable_name FROM timescaledb_information.continuous_aggregates "
        "WHERE view_name = 'market_data_15m'"
    )
    assert sql(
        "SELECT bool_and(is_compressed) FROM timescaledb_information.chunks "
        "WHERE hypertable_name = %s",
        [materialized],
    ) == [(True,)]
    assert sql("SELECT * FROM market_data_15m ORDER BY time") == before


def test_a_month_of_minutes_as_fifteen_minute_candles_reads_the_aggregate(admin_client):
    days = [
        MONDAY + dt.timedelta(days=n)
        for n in range(28)
        if (MONDAY + dt.timedelta(days=n)).weekday() < 5
    ]
    for day in days:
        minutes(day)
    with CaptureQueriesContext(connection) as queries:
        data = admin_client.get(
            reverse("admin:marketdata_chart_data"),
            {"symbol": "005930", "interval": "15m", "start": "2024-03-04", "end": "2024-03-31"},
        ).json()
    assert len(data["candles"]["t"]) == 26 * len(days)
    reads = [q["sql"] for q in queries if 'FROM "market_data_15m"' in q["sql"]]
    assert len(reads) == 1
    assert data["candles"]["o"][0] == 1000.0 and data["candles"]["c"][0] == 1015.0


def test_the_bars_browser_shows_hourly_bars_of_minutes_from_the_aggregate(admin_client):
    minutes(MONDAY)
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(
            reverse("admin:marketdata_browser"), {"symbol": "005930", "interval": "60m"}
        )
    rows = page.context["rows"]
    assert [f"{r.time.astimezone(KST):%H:%M}" for r in rows][:2] == ["15:00", "14:00"]
    assert (rows[-1].open, rows[-1].close, rows[-1].volume) == (1000, 1060, sum(range(10, 70)))
    reads = [q["sql"] for q in queries if 'FROM "market_data_60m"' in q["sql"]]
    assert len(reads) == 1
    assert not [q for q in queries if "time_bucket(" in q["sql"] or "date_bin(" in q["sql"]]


def test_migrating_back_drops_the_aggregates_and_forward_brings_them_back():
    try:
        call_command("migrate", "marketdata", "0004", verbosity=0)
        assert aggregates.existing(connection) == []
    finally:
        call_command("migrate", "marketdata", verbosity=0)
    assert [a.view for a in aggregates.existing(connection)] == [
        "market_data_5m",
        "market_data_15m",
        "market_data_30m",
        "market_data_60m",
    ]
