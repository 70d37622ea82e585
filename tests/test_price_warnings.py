"""trading/fills/price_warnings.py: saving a fill whose price the checks flag warns, naming
the tick or the limit; a good price saves with the plain success message only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def trade():
    factories.stock().save()
    # 005930 closed at 72,000 on 2026-03-03: on 2026-03-04 the limits are 50,400 and 93,600.
    factories.bar(time=dt.datetime(2026, 3, 3, tzinfo=KST), close=72000, high=73000).save()
    saved = factories.trade(executed_at=dt.datetime(2026, 3, 4, 10, tzinfo=KST))
    saved.save()
    return saved


def saved_with(admin_client, trade, price):
    form = {
        "account": trade.account_id,
        "venue": "KRX",
        "symbol": "005930",
        "side": "BUY",
        "quantity": "10",
        "price": price,
        "commission": "108",
        "tax": "0",
        "strategy": "momentum",
        "broker_order_id": "",
        "fill_seq": "1",
        "execution_id": "",
        "executed_at_0": "2026-03-04",
        "executed_at_1": "10:00:00",
    }
    response = admin_client.post(reverse("admin:trading_trade_change", args=[trade.pk]), form)
    assert response.status_code == 302
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_a_price_off_the_tick_grid_is_saved_with_a_warning_naming_the_tick(admin_client, trade):
    found = saved_with(admin_client, trade, "72050")
    assert found[:1] == [
        (
            "warning",
            "The price 72,050 KRW is off the tick grid: the tick at that price is 100 KRW, "
            "so the nearest prices are 72,000 and 72,100 KRW.",
        )
    ]
    assert [level for level, _ in found] == ["warning", "success"]
    trade.refresh_from_db()
    assert (trade.price, trade.on_tick) == (Decimal("72050.00"), False)


def test_a_price_outside_the_daily_limit_is_saved_with_a_warning_naming_the_limit(
    admin_client, trade
):
    assert saved_with(admin_client, trade, "93700")[:1] == [
        (
            "warning",
            "The price 93,700 KRW is outside the daily limit of 50,400 to 93,600 KRW "
            "(30% either side of the previous close, 72,000 KRW).",
        )
    ]


def test_a_good_price_saves_with_the_success_message_only(admin_client, trade):
    assert [level for level, _ in saved_with(admin_client, trade, "72100")] == ["success"]
