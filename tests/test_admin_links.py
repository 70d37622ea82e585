"""Links between related things: trade, position, stock, chart, logs and the front page
(marketdata/links.py, trading/links.py)."""

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone

from display import times
from marketdata import links
from tests import factories
from trading.models import Level

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
FILL_AT = dt.datetime(2026, 11, 26, 10, 15, 23, tzinfo=KST)
CHART = reverse("admin:marketdata_chart")


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def fill():
    factories.stock().save()
    trade = factories.trade(executed_at=FILL_AT, broker_order_id="0000123456")
    trade.save()
    factories.position(quantity=10).save()
    return trade


def test_a_trade_links_to_its_chart_position_fills_and_stock(admin_client, fill):
    row = admin_client.get(reverse("admin:trading_trade_changelist")).text
    chart = f"{CHART}?symbol=005930&amp;at=2026-11-26T10%3A15%3A23%2B09%3A00"
    assert f'<a href="{chart}" title="Chart around this fill">' in row

    page = admin_client.get(reverse("admin:trading_trade_change", args=[fill.pk])).text
    account = fill.account_id
    for url, text in [
        (chart, "Chart around this fill"),
        (
            f"{reverse('admin:trading_position_changelist')}?account={account}&amp;symbol=005930",
            "Position",
        ),
        (
            f"{reverse('admin:trading_trade_changelist')}?broker_order_id=0000123456",
            "Fills of this order",
        ),
        (reverse("admin:marketdata_stockmetadata_change", args=["005930"]), "Stock"),
    ]:
        assert f'<a href="{url}">{text}</a>' in page


def test_the_chart_around_a_fill_opens_on_that_day_at_the_finest_bars(admin_client, fill):
    factories.bar(interval_type="1m", time=FILL_AT.replace(second=0)).save()
    factories.bar(interval_type="1d", time=dt.datetime(2026, 11, 26, tzinfo=KST)).save()

    response = admin_client.get(CHART, {"symbol": "005930", "at": FILL_AT.isoformat()})

    assert response.status_code == 302
    assert query(response["Location"]) == {
        "symbol": "005930",
        "interval": "1m",
        "start": "2026-11-26",
        "end": "2026-11-26",
    }
    # Without intraday bars that day: a quarter of daily bars around it.
    response = admin_client.get(CHART, {"symbol": "005930", "at": "2026-10-02T09:30:00+09:00"})
    assert query(response["Location"]) == {
        "symbol": "005930",
        "interval": "1d",
        "start": "2026-07-04",
        "end": "2026-11-01",
    }


@pytest.mark.parametrize("at", ["not-a-time", "2026-13-45T99:00:00", "9" * 500])
def test_a_bad_moment_shows_the_plain_chart_form(admin_client, fill, at):
    response = admin_client.get(CHART, {"symbol": "005930", "at": at})
    assert response.status_code == 200


def test_the_chart_opens_on_the_largest_position(admin_client, fill):
    factories.position(symbol="000660", quantity=5, market_value=Decimal("900000")).save()
    factories.position(symbol="035720", quantity=5, market_value=Decimal("100")).save()
    response = admin_client.get(CHART)
    assert response.status_code == 302
    assert query(response["Location"]) == {"symbol": "000660", "interval": "1d"}


def test_a_position_links_to_its_trades_and_chart(admin_client, fill):
    page = admin_client.get(reverse("admin:trading_position_changelist")).text
    trades = (
        f"{reverse('admin:trading_trade_changelist')}?account={fill.account_id}&amp;symbol=005930"
    )
    assert f'<a href="{trades}">10</a>' in page
    assert f'<a href="{CHART}?symbol=005930&amp;interval=1d" title="Chart">' in page
    listed = admin_client.get(
        reverse("admin:trading_trade_changelist"),
        {"account": fill.account_id, "symbol": "005930"},
    )
    assert [t.pk for t in listed.context["cl"].result_list] == [fill.pk]


def test_a_stock_links_to_its_bars_chart_and_coverage(admin_client, fill):
    page = admin_client.get(reverse("admin:marketdata_stockmetadata_changelist")).text
    for name, params in [
        ("marketdata_chart", "symbol=005930&amp;interval=1d"),
        ("marketdata_browser", "symbol=005930&amp;interval=1d"),
        ("marketdata_coverage", "symbol=005930"),
    ]:
        assert f'href="{reverse("admin:" + name)}?{params}"' in page


def test_a_log_naming_an_order_or_a_symbol_links_to_them(admin_client):
    log = factories.log(extra={"order_id": "0000123456", "symbol": "005930"})
    log.save()
    page = admin_client.get(reverse("admin:trading_systemlog_change", args=[log.pk])).text
    assert (
        f'<a href="{reverse("admin:trading_trade_changelist")}?broker_order_id=0000123456">'
        "Fills of order 0000123456</a>"
    ) in page
    assert f'<a href="{CHART}?symbol=005930&amp;interval=1d">Chart of 005930</a>' in page
    # Logged to the second, like its title.
    assert f'<div class="readonly">{times.moment(log.timestamp, seconds=True)}</div>' in page


def test_the_front_page_error_counts_lead_to_those_logs(admin_client):
    factories.log(level=Level.ERROR, component="broker.kis", message="rejected").save()
    factories.log(level=Level.CRITICAL, component="broker.kis", message="down").save()
    factories.log(level=Level.INFO, component="broker.kis", message="fine").save()
    factories.log(
        level=Level.ERROR, component="broker.kis", timestamp=timezone.now() - dt.timedelta(days=2)
    ).save()

    [errors] = admin_client.get(reverse("admin:index")).context["dashboard"]["errors"]
    assert query(errors["url"])["component"] == "broker.kis"
    assert query(errors["url"])["level__in"] == "ERROR,CRITICAL"
    listed = admin_client.get(errors["url"])
    assert sorted(log.message for log in listed.context["cl"].result_list) == ["down", "rejected"]


def test_links_follow_the_script_prefix_the_site_is_served_under():
    # Paths are worked out once per page, and per prefix: behind a proxy at /qb/ the
    # links must not keep the root's.
    before = get_script_prefix()
    assert links.coverage("005930") == "/admin/marketdata/coverage/?symbol=005930"
    try:
        set_script_prefix("/qb/")
        assert links.coverage("005930") == "/qb/admin/marketdata/coverage/?symbol=005930"
    finally:
        set_script_prefix(before)
    assert links.bars("005930") == "/admin/marketdata/bars/?symbol=005930&interval=1d"


def test_a_log_naming_nothing_says_so(admin_client):
    log = factories.log(extra={"code": "APBK0919"})
    log.save()
    page = admin_client.get(reverse("admin:trading_systemlog_change", args=[log.pk])).text
    assert '<div class="readonly">-</div>' in page
