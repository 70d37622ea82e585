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


def app_order(client, language):
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    return [app["app_label"] for app in page.context["app_list"]]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_index_puts_the_desk_first_and_sign_in_and_lockouts_last(admin_client, language):
    order = app_order(admin_client, language)
    assert order[:2] == ["trading", "marketdata"]
    assert order[-2:] == ["auth", "axes"]
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    trading = next(a for a in page.context["app_list"] if a["app_label"] == "trading")
    assert [m["object_name"] for m in trading["models"]][:2] == ["Trade", "Position"]


def test_korean_names_data_coverage_and_lockouts_for_what_they_are(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ko").text
    assert "수집 현황" in page and "보유 현황" not in page
    assert "로그인 잠금" in page and "Axes" not in page
    assert ">언어</button>" in page


def test_the_health_page_and_its_messages_speak_korean(admin_client):
    page = admin_client.get(reverse("admin:health"), HTTP_ACCEPT_LANGUAGE="ko").text
    assert "<td>데이터베이스</td>" in page
    assert ">정상</td>" in page
    assert "market_data는 일반 테이블입니다 (QB_TIMESCALEDB=auto)" in page
    english = admin_client.get(reverse("admin:health"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "market_data is a plain table (QB_TIMESCALEDB=auto)" in english


def test_the_chart_speaks_korean(admin_client):
    from tests import factories

    factories.bar().save()
    factories.trade(executed_at=factories.bar().time).save()
    data = admin_client.get(
        reverse("admin:marketdata_chart_data") + "?symbol=005930&interval=1d",
        HTTP_ACCEPT_LANGUAGE="ko",
    ).json()
    assert (data["words"]["buy"], data["words"]["price"]) == ("매수", "가격(원)")
    assert data["note"] == "캔들 1개, 체결 1건"
    assert data["trades"][0]["text"].startswith("매수 10주 @ 72,000원 (momentum")


def test_the_export_page_names_its_columns_in_korean(admin_client):
    page = admin_client.get(reverse("admin:trading_trade_export"), HTTP_ACCEPT_LANGUAGE="ko").text
    assert "다음 항목을 내보냅니다" in page
    assert "모두 선택" in page
    assert "체결 시각 (executed_at)" in page
    english = admin_client.get(reverse("admin:trading_trade_export"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Executed at (executed_at)" in english.text


def korean(client, name, **kwargs):
    return client.get(reverse(name, **kwargs), HTTP_ACCEPT_LANGUAGE="ko").text


def test_lists_speak_of_accounts_logs_and_differences_in_the_right_words(admin_client):
    from tests import factories

    factories.run(difference_count=2).save()
    # An account's name is not a stock's (종목명).
    assert '<th scope="col" class="sortable column-name">' in korean(
        admin_client, "admin:trading_account_changelist"
    )
    assert ">이름</a>" in korean(admin_client, "admin:trading_account_changelist")
    # Django's own Korean for a read-only list reads "보기위한 1시스템 로그 를(을) 선택".
    assert "<h1>조회할 시스템 로그 선택</h1>" in korean(
        admin_client, "admin:trading_systemlog_changelist"
    )
    # Open differences are unresolved ones, not an opening price (시가).
    runs = korean(admin_client, "admin:trading_reconciliationrun_changelist")
    assert ">미해결</a>" in runs and ">시가<" not in runs
    difference = factories.difference(kind="price")
    difference.save()
    run = korean(admin_client, "admin:trading_reconciliationrun_change", args=[difference.run_id])
    assert '<option value="open" selected>미해결</option>' in run
    # Each difference is titled by its kind in the reader's words, not its code.
    assert "평균단가 0000012345 005930" in run and "price 0000012345" not in run


def test_the_charts_above_lists_speak_korean(admin_client):
    from tests import factories

    factories.performance().save()
    factories.risk().save()
    performance = korean(admin_client, "admin:trading_strategyperformance_changelist")
    assert "<strong>누적 손익</strong>" in performance
    assert "<strong>최대 낙폭</strong>" in performance
    risk = korean(admin_client, "admin:trading_riskmetric_changelist")
    assert "<strong>포트폴리오 가치</strong>" in risk and "<strong>1일 VaR</strong>" in risk
