"""The admin's market data pages: browser, export, chart data, coverage, deletion, panel."""

import datetime as dt

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse

from marketdata.models import MarketData
from qbsite import market_chart
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2024, 1, 2, 9, tzinfo=KST)


def minutes(count, symbol="005930"):
    MarketData.objects.bulk_create(
        factories.bar(
            symbol=symbol,
            interval_type="1m",
            time=START + dt.timedelta(minutes=n),
            close=72000 + n % 100,
            high=73000,
        )
        for n in range(count)
    )


def test_the_browser_pages_newest_first_with_a_keyset_cursor(admin_client):
    minutes(250)
    url = reverse("admin:marketdata_browser") + "?symbol=005930&interval=1m"

    first = admin_client.get(url)
    rows = first.context["rows"]
    assert len(rows) == 100
    assert rows[0].time == START + dt.timedelta(minutes=249)
    assert "before=" in first.context["next_query"]

    second = admin_client.get(
        reverse("admin:marketdata_browser") + "?" + first.context["next_query"]
    )
    third = admin_client.get(
        reverse("admin:marketdata_browser") + "?" + second.context["next_query"]
    )
    assert second.context["rows"][0].time == START + dt.timedelta(minutes=149)
    assert len(third.context["rows"]) == 50
    assert third.context["next_query"] is None


def test_paging_costs_the_same_queries_on_every_page(admin_client, django_assert_max_num_queries):
    minutes(250)
    url = reverse("admin:marketdata_browser") + "?symbol=005930&interval=1m"
    first = admin_client.get(url)
    with django_assert_max_num_queries(12) as captured:
        admin_client.get(reverse("admin:marketdata_browser") + "?" + first.context["next_query"])
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "OFFSET" not in sql.upper()
    assert "COUNT(" not in sql.upper()


def test_the_export_streams_the_selected_range_as_csv(admin_client):
    minutes(5)
    response = admin_client.get(
        reverse("admin:marketdata_export")
        + "?symbol=005930&interval=1m&start=2024-01-02&end=2024-01-02"
    )
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="005930_1m.csv"'
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "time,symbol,interval_type,open,high,low,close,volume"
    assert (
        lines[1]
        == "2024-01-02T09:00:00+09:00,005930,1m,72000.00,73000.00,71500.00,72000.00,12000000"
    )
    assert len(lines) == 6


def test_chart_data_returns_candles_and_trade_markers(admin_client):
    minutes(30)
    factories.trade(executed_at=START + dt.timedelta(minutes=10), price=72010).save()
    factories.trade(side="SELL", executed_at=START + dt.timedelta(minutes=20), price=72020).save()
    factories.trade(symbol="000660", executed_at=START + dt.timedelta(minutes=5)).save()

    data = admin_client.get(
        reverse("admin:marketdata_chart_data")
        + "?symbol=005930&interval=1m&start=2024-01-02&end=2024-01-02"
    ).json()

    assert data["bucket"] is None
    assert len(data["candles"]["t"]) == 30
    assert data["candles"]["c"][:3] == [72000.0, 72001.0, 72002.0]
    assert [(t["side"], t["price"]) for t in data["trades"]] == [
        ("BUY", 72010.0),
        ("SELL", 72020.0),
    ]


def test_large_ranges_are_bucketed_to_at_most_5000_candles(admin_client, monkeypatch):
    monkeypatch.setattr(market_chart, "MAX_CANDLES", 20)
    minutes(100)

    data = admin_client.get(
        reverse("admin:marketdata_chart_data")
        + "?symbol=005930&interval=1m&start=2024-01-02&end=2024-01-02"
    ).json()

    # 100 one-minute bars into at most 20 buckets: 5-minute buckets.
    assert data["bucket"] == "0:05:00"
    candles = data["candles"]
    assert len(candles["t"]) == 20
    # A bucket opens with its first bar's open and closes with its last bar's close.
    assert (candles["o"][0], candles["c"][0]) == (72000.0, 72004.0)
    assert candles["v"][0] == 5 * 12_000_000


def test_deleting_a_range_shows_the_count_then_deletes_and_logs_it(admin_client, admin_user):
    minutes(10)
    minutes(10, symbol="000660")
    url = reverse("admin:marketdata_delete")
    params = {"symbol": "005930", "interval": "1m", "start": "2024-01-02", "end": "2024-01-02"}

    preview = admin_client.get(url, params)

    assert preview.context["count"] == 10
    assert "This range holds 10 bars." in preview.text
    assert MarketData.objects.count() == 20

    done = admin_client.post(url, params | {"confirm": "yes"}, follow=True)

    assert "Deleted 10 bars of 005930 1m 2024-01-02 to 2024-01-02." in done.text
    assert list(MarketData.objects.values_list("symbol", flat=True).distinct()) == ["000660"]
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag) == (admin_user, DELETION)
    assert entry.change_message == "Deleted 10 bars: 005930 1m 2024-01-02 to 2024-01-02"


def test_the_coverage_page_links_to_the_browser_and_the_chart(admin_client):
    minutes(3)
    page = admin_client.get(reverse("admin:marketdata_coverage"))
    assert page.status_code == 200
    assert f"{reverse('admin:marketdata_chart')}?symbol=005930&amp;interval=1m" in page.text


def test_the_hypertable_panel_says_plainly_when_timescaledb_is_missing(admin_client):
    page = admin_client.get(reverse("admin:marketdata_hypertable"))
    assert "TimescaleDB is not available on this server" in page.text


def test_a_bad_range_is_a_form_error_not_a_crash(admin_client):
    page = admin_client.get(
        reverse("admin:marketdata_browser")
        + "?symbol=59&interval=1m&start=2024-02-01&end=2024-01-01"
    )
    assert page.status_code == 200
    assert "No stock matches 59: type a code (005930) or a name." in page.text
    assert "The end date is before the start date." in page.text
