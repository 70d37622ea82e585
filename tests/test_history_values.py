"""adminkit/history_values.py: the history pages show values as the lists do."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from adminkit.history_values import shown
from tests import factories
from trading.models import CommissionSchedule, Trade

pytestmark = pytest.mark.django_db


def field(model, name):
    return model._meta.get_field(name)


def test_values_read_as_in_the_lists():
    assert shown(field(Trade, "side"), "BUY") == "Buy"
    assert shown(field(Trade, "price"), Decimal("80000.00")) == "80,000"
    assert shown(field(Trade, "price"), Decimal("1234.50")) == "1,234.50"
    assert shown(field(Trade, "quantity"), 12000) == "12,000"
    assert shown(field(Trade, "broker_order_id"), None) == "-"
    assert shown(field(Trade, "broker_order_id"), "") == "-"
    assert shown(field(CommissionSchedule, "rate"), Decimal("0.00015")) == "0.015%"


def test_a_korean_history_page_shows_the_side_and_price_as_the_list_does(admin_client):
    trade = factories.trade(price=Decimal("80000"))
    trade.save()
    trade.side = "SELL"
    trade.save()

    page = admin_client.get(
        reverse("admin:trading_trade_history", args=[trade.pk]), HTTP_ACCEPT_LANGUAGE="ko"
    )
    table = page.text.split('id="change-history"')[1].split("</table>")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table))
    assert "매수 → 매도" in text.replace("&nbsp;", " ").replace("&rarr;", "→").replace("  ", " ")
    assert "80,000" in text
    assert "BUY" not in text and "80000.00" not in text and "None" not in text
