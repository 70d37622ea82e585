"""Coarser bars made from 1-minute bars on plain PostgreSQL, where there are no continuous
aggregates: the chart and the bars browser bucket the bars themselves."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from marketdata.models import MarketData
from marketdata.timescale import aggregates
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
MONDAY = dt.datetime(2024, 3, 4, 9, tzinfo=KST)


def session_of_minutes(day=MONDAY, symbol="005930"):
    """380 one-minute bars, 09:00-15:19: bar n opens at 1000 + n, closes at 1001 + n."""
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
        for n in range(380)
    )


def test_fifteen_minute_candles_are_made_from_one_minute_bars(admin_client):
    session_of_minutes()
    data = admin_client.get(
        reverse("admin:marketdata_chart_data"),
        {"symbol": "005930", "interval": "15m", "start": "2024-03-04", "end": "2024-03-04"},
    ).json()
    candles = data["candles"]
    assert data["bucket"] == "0:15:00"
    assert len(candles["t"]) == 26  # 09:00, 09:15, ..., 15:15
    assert (candles["t"][0], candles["t"][-1]) == ("2024-03-04 09:00", "2024-03-04 15:15")
    # First open, highest high, lowest low, last close, summed volume of each bucket.
    assert (candles["o"][0], candles["h"][0], candles["l"][0], candles["c"][0]) == (
        1000.0,
        1016.0,
        999.0,
        1015.0,
    )
    assert candles["v"][0] == sum(10 + n for n in range(15))
    assert candles["c"][-1] == 1380.0  # 15:15-15:19: five bars


def test_the_browser_shows_made_bars_newest_first_without_export_or_delete(admin_client):
    session_of_minutes()
    url = reverse("admin:marketdata_browser")
    page = admin_client.get(url, {"symbol": "005930", "interval": "60m"})
    rows = page.context["rows"]
    assert [f"{r.time.astimezone(KST):%H:%M}" for r in rows] == [
        "15:00",
        "14:00",
        "13:00",
        "12:00",
        "11:00",
        "10:00",
        "09:00",
    ]
    assert (rows[-1].open, rows[-1].close, rows[-1].volume) == (1000, 1060, sum(range(10, 70)))
    assert "they are made from its 1 minute bars" in page.text
    assert reverse("admin:marketdata_export") not in page.text
    assert "Delete this range" not in page.text


def test_made_bars_page_with_the_keyset_cursor(admin_client, monkeypatch):
    monkeypatch.setattr("marketdata.admin.views.PAGE", 10)
    session_of_minutes()
    url = reverse("admin:marketdata_browser")
    first = admin_client.get(url, {"symbol": "005930", "interval": "15m"})
    assert len(first.context["rows"]) == 10
    second = admin_client.get(url + "?" + first.context["next_query"])
    third = admin_client.get(url + "?" + second.context["next_query"])
    times = [r.time for p in (first, second, third) for r in p.context["rows"]]
    assert len(times) == 26 and times == sorted(times, reverse=True)
    assert third.context["next_query"] is None


def test_a_series_with_bars_of_its_own_is_read_as_it_is(admin_client):
    session_of_minutes()
    factories.bar(interval_type="15m", time=MONDAY, close=Decimal(72800)).save()
    page = admin_client.get(
        reverse("admin:marketdata_browser"), {"symbol": "005930", "interval": "15m"}
    )
    assert [r.close for r in page.context["rows"]] == [Decimal(72800)]
    assert page.context["made_from"] is None


def test_plain_postgresql_gets_no_aggregates_and_one_message(caplog):
    with caplog.at_level(logging.INFO, logger="marketdata.aggregates"):
        outcome = aggregates.setup(connection)
    assert outcome == "skipped: no continuous aggregates on this server"
    [record] = caplog.records
    assert record.getMessage().startswith(
        "Continuous aggregates need TimescaleDB with the Timescale license; on 127.0.0.1:"
    )
    assert aggregates.existing(connection) == []
