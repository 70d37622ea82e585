"""qbsite/market_chart.py: the chart's data reads in Korea time and covers whole days."""

import datetime as dt

import pytest
from django.urls import reverse

from marketdata.models import MarketData
from qbsite import market_chart
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def chart(client, query):
    response = client.get(reverse("admin:marketdata_chart_data") + "?" + query)
    assert response.status_code == 200
    return response.json()


def test_one_minute_candles_and_fills_are_labelled_in_korea_time(admin_client):
    open_ = dt.datetime(2026, 11, 26, 9, 0, tzinfo=KST)
    MarketData.objects.bulk_create(
        factories.bar(interval_type="1m", time=open_ + dt.timedelta(minutes=n)) for n in range(390)
    )
    factories.trade(executed_at=dt.datetime(2026, 11, 26, 10, 15, 23, tzinfo=KST)).save()

    data = chart(admin_client, "symbol=005930&interval=1m&start=2026-11-26&end=2026-11-26")

    labels = data["candles"]["t"]
    assert (labels[0], labels[75], labels[-1]) == (
        "2026-11-26 09:00",
        "2026-11-26 10:15",
        "2026-11-26 15:29",
    )
    [fill] = data["trades"]
    assert fill["x"] == "2026-11-26 10:15"
    assert fill["label"] == "Buy 10 @ 72,000"
    assert fill["text"] == "Buy 10 @ 72,000 (momentum, DEFAULT KRX)\n2026-11-26 10:15:23"
    assert (data["from"], data["to"]) == ("2026-11-26T00:00:00+09:00", "2026-11-27T00:00:00+09:00")


def test_daily_candles_carry_their_session_date_and_fills_sit_on_their_day(admin_client):
    days = [dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(4)]
    MarketData.objects.bulk_create(
        factories.bar(time=dt.datetime.combine(day, dt.time(), KST)) for day in days
    )
    factories.trade(executed_at=dt.datetime(2026, 11, 24, 14, 5, tzinfo=KST)).save()

    data = chart(admin_client, "symbol=005930&interval=1d&start=2026-11-23&end=2026-11-26")

    assert data["candles"]["t"] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"]
    assert data["trades"][0]["x"] == "2026-11-24"
    assert data["trades"][0]["text"].endswith("\n2026-11-24 14:05:00")


def test_the_default_daily_range_keeps_the_fills_of_the_newest_session(admin_client):
    newest = dt.datetime(2026, 11, 26, tzinfo=KST)
    MarketData.objects.bulk_create(
        factories.bar(time=newest - dt.timedelta(days=n)) for n in range(3)
    )
    factories.trade(executed_at=newest.replace(hour=10, minute=15)).save()
    factories.trade(side="SELL", executed_at=newest.replace(hour=15, minute=19)).save()

    data = chart(admin_client, "symbol=005930&interval=1d")

    assert [(t["x"], t["side"]) for t in data["trades"]] == [
        ("2026-11-26", "BUY"),
        ("2026-11-26", "SELL"),
    ]
    assert data["to"] == "2026-11-27T00:00:00+09:00"
    assert data["note"] == "3 candles, 2 trades"


def test_the_default_minute_range_ends_after_the_newest_session_day(admin_client):
    last = dt.datetime(2026, 11, 26, 15, 29, tzinfo=KST)
    MarketData.objects.bulk_create(
        factories.bar(interval_type="1m", time=last - dt.timedelta(minutes=n)) for n in range(5)
    )
    factories.trade(executed_at=dt.datetime(2026, 11, 26, 15, 45, tzinfo=KST)).save()

    data = chart(admin_client, "symbol=005930&interval=1m")

    # A fill after the last bar still shows, on the last candle.
    assert [t["x"] for t in data["trades"]] == ["2026-11-26 15:29"]
    assert data["from"] == "2026-11-22T00:00:00+09:00"


def test_bucketed_daily_candles_start_on_mondays_in_korea(admin_client, monkeypatch):
    monkeypatch.setattr(market_chart, "MAX_CANDLES", 10)
    first = dt.date(2026, 9, 7)  # a Monday
    MarketData.objects.bulk_create(
        factories.bar(time=dt.datetime.combine(first + dt.timedelta(days=n), dt.time(), KST))
        for n in range(28)
        if (first + dt.timedelta(days=n)).weekday() < 5
    )

    data = chart(admin_client, "symbol=005930&interval=1d&start=2026-09-07&end=2026-10-04")

    assert data["bucket"] == "7 days, 0:00:00"
    assert data["candles"]["t"] == ["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"]
    assert data["note"] == "4 candles of 7 days, 0 trades"


def test_the_chart_names_the_stock(admin_client):
    factories.stock().save()
    factories.bar().save()
    assert chart(admin_client, "symbol=005930&interval=1d")["title"] == "005930 삼성전자"
    assert chart(admin_client, "symbol=000660&interval=1d")["title"] == "000660"


def test_fills_are_placed_on_the_candle_they_happened_in():
    times = [dt.datetime(2026, 11, 26, 9, m, tzinfo=KST) for m in (0, 1, 2)]
    fills = [
        dt.datetime(2026, 11, 26, 8, 59, tzinfo=KST),
        dt.datetime(2026, 11, 26, 9, 1, 59, tzinfo=KST),
        dt.datetime(2026, 11, 26, 9, 2, tzinfo=KST),
        dt.datetime(2026, 11, 26, 15, 0, tzinfo=KST),
    ]
    assert market_chart.place(fills, times) == [0, 1, 2, 2]


def test_the_chart_colours_rises_and_buys_up_by_the_convention(admin_client, settings):
    factories.bar().save()
    query = "symbol=005930&interval=1d"
    assert chart(admin_client, query)["colours"] == {"up": "#d11a2a", "down": "#1a5fd1"}
    settings.QB_COLOUR_CONVENTION = "western"
    assert chart(admin_client, query)["colours"] == {"up": "#178a3a", "down": "#d11a2a"}


def test_the_page_serves_lightweight_charts_and_asks_for_the_candles_at_once(admin_client):
    MarketData.objects.bulk_create([factories.bar()])
    page = admin_client.get(reverse("admin:marketdata_chart") + "?symbol=005930&interval=1d")
    html = page.content.decode()
    assert '<script src="/static/vendor/lightweight-charts.js"></script>' in html
    data = reverse("admin:marketdata_chart_data") + "?symbol=005930&amp;interval=1d"
    assert f'<link rel="preload" as="fetch" crossorigin="anonymous" href="{data}">' in html
    assert f'data-url="{data}"' in html


def test_the_chart_library_is_the_pinned_one_from_node_modules_and_is_collected(settings, tmp_path):
    import io
    from pathlib import Path

    from django.contrib.staticfiles import finders
    from django.core.management import call_command

    found = Path(finders.find("vendor/lightweight-charts.js"))
    assert found == (
        Path(settings.BASE_DIR)
        / "node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js"
    )
    assert "TradingView Lightweight Charts™ v5.3.0" in found.read_text()[:200]
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--no-input", stdout=io.StringIO())
    assert (tmp_path / "vendor" / "lightweight-charts.js").read_bytes() == found.read_bytes()
    assert not (tmp_path / "vendor" / "plotly.min.js").exists()


def test_a_stock_name_that_holds_html_goes_to_the_chart_as_its_text(admin_client):
    from marketdata.models import StockMetadata

    StockMetadata.objects.create(symbol="005930", name="<a href=//x>Evil</a>", market="KOSPI")
    MarketData.objects.bulk_create([factories.bar()])
    data = chart(admin_client, "symbol=005930&interval=1d")
    # Text for chart.js to set as text (textContent), which the browser test checks.
    assert data["title"] == "005930 <a href=//x>Evil</a>"
