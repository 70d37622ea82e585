"""What a newcomer reading the admin in Korean tripped over (issue 19, item 6): each page
says what it means in the desk's words."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from marketdata.models import MarketData
from marketdata.templatetags.bars import interval_label
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def test_the_position_filter_says_held_not_opening_price(admin_client):
    page = admin_client.get(reverse("admin:trading_position_changelist"), **KO)
    filters = page.text.split('id="changelist-filter"')[1].split("</nav>")[0]
    assert "보유 중" in filters and "청산" in filters
    assert "시가" not in filters


def test_intervals_show_as_the_pickers_name_them():
    with translation.override("ko"):
        assert [interval_label(code) for code in ("1d", "1m", "5m", "1w")] == [
            "일봉",
            "1분봉",
            "5분봉",
            "주봉",
        ]
    with translation.override("en"):
        assert interval_label("1d") == "1 day"
    assert interval_label("2x") == "2x"  # not an interval: as it is


def test_the_front_page_names_intervals_in_korean(admin_client):
    factories.bar(time=dt.datetime(2026, 3, 3, tzinfo=KST)).save()
    page = admin_client.get(reverse("admin:index"), **KO)
    assert "일봉: 2026-03-03" in page.text
    assert "1d:" not in page.text


def test_the_coverage_page_names_intervals_in_korean(admin_client):
    factories.bar(time=dt.datetime(2026, 3, 3, tzinfo=KST)).save()
    page = admin_client.get(reverse("admin:marketdata_coverage"), **KO)
    assert "<td>일봉</td>" in page.text
    assert "<td>1d</td>" not in page.text


def test_var_keeps_its_case_in_the_risk_list(admin_client):
    factories.risk().save()
    page = admin_client.get(reverse("admin:trading_riskmetric_changelist"))
    assert re.search(r'<th scope="col" class="[^"]*column-var_95[^"]*">', page.text)
    css = (settings.BASE_DIR / "display" / "static" / "display" / "desk.css").read_text()
    assert (
        "#result_list thead th.column-var_95, #result_list thead th.column-var_99 "
        "{ text-transform: none; }"
    ) in css


def test_the_login_error_reads_well_in_korean(client, admin_user):
    page = client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"}, **KO)
    assert (
        "스태프 계정의 사용자 이름과 비밀번호가 맞지 않습니다. 두 항목 모두 대소문자를 구분합니다."
        in page.text
    )
    assert "와 비밀번호를 입력해주세요" not in page.text


def test_the_action_bar_reads_well_in_korean(admin_client):
    factories.trade().save()
    page = admin_client.get(reverse("admin:trading_trade_changelist"), **KO)
    actions = page.text.split('<div class="actions">')[1].split("</div>")[0]
    assert "작업:" in actions and "액션" not in actions
    assert "선택한 체결 삭제" in actions and "을/를" not in actions
    assert 'title="선택한 작업 실행"' in actions
    assert "1개 중 0개 선택" in actions


def test_a_trade_s_title_names_the_stock(admin_client):
    factories.stock().save()
    trade = factories.trade()
    trade.save()
    page = admin_client.get(reverse("admin:trading_trade_change", args=[trade.pk]), **KO)
    assert "<h2>005930 삼성전자 매수 10 @ 72,000</h2>" in page.text
    assert "<title>005930 삼성전자 매수 10 @ 72,000 |" in page.text


def test_the_title_of_a_trade_of_an_unlisted_stock_is_its_code(admin_client):
    trade = factories.trade(symbol="0088M0")
    trade.save()
    page = admin_client.get(reverse("admin:trading_trade_change", args=[trade.pk]))
    assert "<h2>0088M0 Buy 10 @ 72,000</h2>" in page.text


def test_the_bars_page_names_the_stock_and_the_interval(admin_client):
    factories.stock().save()
    factories.bar().save()
    page = admin_client.get(
        reverse("admin:marketdata_browser"), {"symbol": "삼성전자", "interval": "1d"}, **KO
    )
    assert '<h2 id="qb-stock">005930 삼성전자 &middot; 일봉</h2>' in page.text


def test_an_ambiguous_name_lists_its_candidates_as_links_keeping_the_interval(admin_client):
    factories.stock(symbol="086520", name="에코프로", name_en="Ecopro").save()
    factories.stock(symbol="247540", name="에코프로비엠", name_en="Ecopro BM").save()
    page = admin_client.get(
        reverse("admin:marketdata_browser"), {"symbol": "에코", "interval": "5m"}
    )
    assert (
        "에코 matches several stocks: "
        '<a href="?interval=5m&amp;symbol=086520">086520 에코프로</a>, '
        '<a href="?interval=5m&amp;symbol=247540">247540 에코프로비엠</a>. Choose one.'
    ) in page.text


def test_an_ambiguous_term_is_escaped_in_the_message(admin_client):
    factories.stock(symbol="086520", name="<b>에코</b>프로").save()
    factories.stock(symbol="247540", name="<b>에코</b>프로비엠").save()
    page = admin_client.get(reverse("admin:marketdata_browser"), {"symbol": "<b>에코</b>"})
    assert "&lt;b&gt;에코&lt;/b&gt; matches several stocks" in page.text
    assert "<b>에코</b>" not in page.text


def test_bars_exactly_named_are_shown_not_refused(admin_client):
    factories.stock(symbol="086520", name="에코프로").save()
    factories.stock(symbol="247540", name="에코프로비엠").save()
    MarketData.objects.create(
        time=dt.datetime(2026, 3, 3, tzinfo=KST),
        symbol="086520",
        interval_type="1d",
        open=Decimal(100000),
        high=Decimal(101000),
        low=Decimal(99000),
        close=Decimal(100500),
        volume=10,
    )
    page = admin_client.get(
        reverse("admin:marketdata_browser"), {"symbol": "에코프로", "interval": "1d"}
    )
    assert '<h2 id="qb-stock">086520 에코프로 &middot; 1 day</h2>' in page.text
    assert "100,500" in page.text
