"""The admin speaks Korean and English, chosen by the browser, with a switch."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_korean_browser_gets_korean_page_and_field_names(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ko")
    assert '<html lang="ko"' in page.text
    assert "QB 백오피스" in page.text
    assert "오늘 체결" in page.text
    trades = admin_client.get(reverse("admin:trading_trade_changelist"), HTTP_ACCEPT_LANGUAGE="ko")
    assert "체결 시각" in trades.text and "매매구분" in trades.text


def test_an_english_browser_gets_english(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "QB back office" in page.text
    assert "Trades today" in page.text


def test_the_switch_keeps_the_chosen_language(admin_client):
    response = admin_client.post(
        reverse("set_language"), {"language": "ko", "next": reverse("admin:index")}
    )
    assert response.status_code == 302
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "QB 백오피스" in page.text


def test_constraint_messages_are_translated(admin_client):
    page = admin_client.post(
        reverse("admin:trading_trade_add"),
        {
            "symbol": "005930",
            "side": "BUY",
            "quantity": "0",
            "price": "1",
            "commission": "0",
            "tax": "0",
            "strategy": "s",
            "executed_at_0": "2024-03-04",
            "executed_at_1": "10:00",
        },
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert "수량은 0보다 커야 합니다." in page.text
