"""The admin's market data pages on a real TimescaleDB engine."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from marketdata.models import MarketData
from qbsite import market_chart
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_hypertable_panel_lists_chunks_sizes_and_policies(admin_client):
    now = timezone.now()
    MarketData.objects.bulk_create(
        factories.bar(time=now - dt.timedelta(days=n)) for n in range(30)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT job_id FROM timescaledb_information.jobs "
            "WHERE hypertable_name = 'market_data' AND proc_name = 'policy_compression'"
        )
        cursor.execute("CALL run_job(%s)", [cursor.fetchone()[0]])

    page = admin_client.get(reverse("admin:marketdata_hypertable"))

    assert page.status_code == 200
    info, chunks = page.context["info"], page.context["chunks"]
    assert info.is_hypertable and info.caps.license == "timescale"
    assert len(chunks) == info.chunks >= 4
    compressed = [c for c in chunks if c.compressed]
    assert compressed and all(c.bytes_before for c in compressed)
    assert [j.kind for j in info.jobs] == ["compression", "retention"]
    assert "compress_after" not in page.text  # settings shown as intervals, not config keys
    assert "7 days" in page.text and "1 year" in page.text


def test_large_ranges_are_bucketed_with_time_bucket(admin_client, monkeypatch):
    monkeypatch.setattr(market_chart, "MAX_CANDLES", 20)
    start = dt.datetime(2024, 1, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    MarketData.objects.bulk_create(
        factories.bar(
            time=start + dt.timedelta(minutes=n), interval_type="1m", close=72000 + n, high=73000
        )
        for n in range(100)
    )
    data = admin_client.get(
        reverse("admin:marketdata_chart_data")
        + "?symbol=005930&interval=1m&start=2024-01-02&end=2024-01-02"
    ).json()
    assert data["bucket"] == "0:05:00"
    assert len(data["candles"]["t"]) == 20
    assert (data["candles"]["o"][0], data["candles"]["c"][0]) == (72000.0, 72004.0)


def test_weekly_buckets_of_daily_bars_start_on_mondays_in_korea(admin_client, monkeypatch):
    # time_bucket's default origin is a Monday at 00:00 UTC, 09:00 in Korea: a daily bar
    # (00:00 KST) would fall into the week before.
    monkeypatch.setattr(market_chart, "MAX_CANDLES", 10)
    kst = dt.timezone(dt.timedelta(hours=9))
    first = dt.date(2026, 9, 7)  # a Monday
    MarketData.objects.bulk_create(
        factories.bar(time=dt.datetime.combine(first + dt.timedelta(days=n), dt.time(), kst))
        for n in range(28)
        if (first + dt.timedelta(days=n)).weekday() < 5
    )
    data = admin_client.get(
        reverse("admin:marketdata_chart_data")
        + "?symbol=005930&interval=1d&start=2026-09-07&end=2026-10-04"
    ).json()
    assert data["candles"]["t"] == ["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"]
