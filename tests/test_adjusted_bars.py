"""Bars stay raw; the chart, the bars browser and the export adjust them for splits on
request; the gap report names a jump past the daily limit that no action explains."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from marketdata.actions import CorporateAction
from marketdata.coverage import gap_report
from marketdata.models import MarketData
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
RANGE = "symbol=086520&interval=1d&start=2024-04-08&end=2024-04-11"
# 에코프로's 1:5 split, ex date 2024-04-10 (closes rounded for the example).
CLOSES = {8: (500000, 1000), 9: (490000, 1200), 10: (100000, 6000), 11: (101000, 5000)}


@pytest.fixture
def split_bars():
    factories.stock(symbol="086520", name="에코프로", market="KOSDAQ").save()
    MarketData.objects.bulk_create(
        factories.bar(
            symbol="086520",
            time=dt.datetime(2024, 4, day, tzinfo=KST),
            open=close,
            high=close,
            low=close,
            close=close,
            volume=volume,
        )
        for day, (close, volume) in CLOSES.items()
    )


def split():
    CorporateAction.objects.create(
        symbol="086520",
        kind="split",
        record_date=dt.date(2024, 4, 11),
        ex_date=dt.date(2024, 4, 10),
        ratio=5,
    )


def chart(client, query):
    response = client.get(reverse("admin:marketdata_chart_data") + "?" + query)
    assert response.status_code == 200
    return response.json()


def test_adjusted_chart_data_divides_prices_before_the_split_and_multiplies_volumes(
    admin_client, split_bars
):
    split()
    factories.trade(
        symbol="086520",
        price=Decimal("495000"),
        executed_at=dt.datetime(2024, 4, 9, 10, tzinfo=KST),
    ).save()

    data = chart(admin_client, RANGE + "&adjust=1")

    # 500,000 / 5 = 100,000 and 490,000 / 5 = 98,000; volumes x 5: 5,000 and 6,000.
    assert data["candles"]["c"] == [100000.0, 98000.0, 100000.0, 101000.0]
    assert data["candles"]["v"] == [5000.0, 6000.0, 6000.0, 5000.0]
    assert data["trades"][0]["price"] == 99000.0  # the fill at 495,000 before the split
    assert data["adjusted"] is True
    assert data["factors"] == [{"ex_date": "2024-04-10", "factor": 5.0}]
    assert data["note"].endswith("adjusted for corporate actions")


def test_raw_chart_data_keeps_the_stored_prices(admin_client, split_bars):
    split()

    data = chart(admin_client, RANGE + "&adjust=0")

    assert data["candles"]["c"] == [500000.0, 490000.0, 100000.0, 101000.0]
    assert data["adjusted"] is False
    assert data["note"].endswith("raw prices")


def test_the_bars_browser_is_raw_by_default_and_adjusted_on_request_with_the_factor(
    admin_client, split_bars
):
    split()
    url = reverse("admin:marketdata_browser") + "?" + RANGE

    raw = admin_client.get(url)
    adjusted = admin_client.get(url + "&adjust=1")

    assert [bar.close for bar in raw.context["rows"]] == [101000, 100000, 490000, 500000]
    assert [(bar.close, bar.volume, bar.factor) for bar in adjusted.context["rows"]] == [
        (Decimal("101000"), 5000, 1),
        (Decimal("100000"), 6000, 1),
        (Decimal("98000.00"), 6000, 5),
        (Decimal("100000.00"), 5000, 5),
    ]
    assert 'id="qb-adjusted"' in adjusted.text


def test_the_export_is_raw_by_default_and_adjusted_on_request(admin_client, split_bars):
    split()
    url = reverse("admin:marketdata_export") + "?" + RANGE

    raw = b"".join(admin_client.get(url).streaming_content).decode().splitlines()
    adjusted = b"".join(admin_client.get(url + "&adjust=1").streaming_content).decode()

    assert (
        raw[1] == "2024-04-08T00:00:00+09:00,086520,1d,500000.00,500000.00,500000.00,500000.00,1000"
    )
    assert adjusted.splitlines() == [
        "time,symbol,interval_type,open,high,low,close,volume,factor",
        "2024-04-08T00:00:00+09:00,086520,1d,100000.00,100000.00,100000.00,100000.00,5000,5",
        "2024-04-09T00:00:00+09:00,086520,1d,98000.00,98000.00,98000.00,98000.00,6000,5",
        "2024-04-10T00:00:00+09:00,086520,1d,100000.00,100000.00,100000.00,100000.00,6000,1",
        "2024-04-11T00:00:00+09:00,086520,1d,101000.00,101000.00,101000.00,101000.00,5000,1",
    ]


def test_the_gap_report_names_a_jump_past_the_daily_limit_no_action_explains(split_bars):
    [row] = gap_report(symbol="086520")
    assert row.gaps == [
        "2024-04-10: close 490000 -> 100000, beyond the daily limit with no corporate action"
    ]

    split()
    [row] = gap_report(symbol="086520")
    assert row.gaps == []
