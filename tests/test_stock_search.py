"""marketdata/stock_search.py, and the searches and pickers that use it."""

import datetime as dt

import pytest
from django.urls import reverse

from marketdata import stock_search
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def listed():
    for symbol, name, name_en in [
        ("005930", "삼성전자", "Samsung Electronics"),
        ("006400", "삼성SDI", "Samsung SDI"),
        ("000660", "SK하이닉스", "SK hynix"),
        ("059300", "가나다", "Ganada"),
    ]:
        factories.stock(symbol=symbol, name=name, name_en=name_en).save()


@pytest.mark.parametrize(
    ("term", "symbol"),
    [
        ("005930", "005930"),
        ("5930", "005930"),  # leading zeros a spreadsheet dropped
        ("660", "000660"),
        ("삼성전자", "005930"),
        ("hynix", "000660"),
        (" sk하이닉스 ", "000660"),
        ("0088M0", "0088M0"),  # a valid code we hold no metadata for
        ("7777", "7777"),  # a valid (index) code, unlisted: taken as it is
        ("KOSPI", "1001"),
    ],
)
def test_a_stock_is_found_by_code_partial_code_or_name(listed, term, symbol):
    assert stock_search.resolve(term) == symbol


def test_an_ambiguous_or_unknown_term_says_so(listed):
    with pytest.raises(stock_search.AmbiguousStock) as ambiguous:
        stock_search.resolve("삼성")
    assert ambiguous.value.candidates == [("005930", "삼성전자"), ("006400", "삼성SDI")]
    with pytest.raises(stock_search.StockNotFound):
        stock_search.resolve("no such stock")
    with pytest.raises(stock_search.StockNotFound):
        stock_search.resolve("88")  # no listed code holds it, nor is it a code


def test_a_search_finds_every_stock_it_may_mean(listed):
    assert stock_search.symbols_for("삼성") == ["005930", "006400"]
    assert stock_search.symbols_for("5930") == ["005930"]
    assert stock_search.symbols_for("593") == ["005930", "059300"]
    assert stock_search.symbols_for("") == []


def test_positions_are_searched_like_trades(admin_client, listed):
    factories.position(symbol="005930").save()
    factories.position(symbol="000660").save()
    url = reverse("admin:trading_position_changelist")

    def found(term):
        return [p.symbol for p in admin_client.get(url, {"q": term}).context["cl"].result_list]

    assert found("삼성전자") == ["005930"]
    assert found("hynix") == ["000660"]
    assert found("5930") == ["005930"]


def test_trades_are_found_by_a_partial_code(admin_client, listed):
    factories.trade(symbol="005930").save()
    factories.trade(symbol="000660", broker_order_id="0000005930").save()
    url = reverse("admin:trading_trade_changelist")
    found = admin_client.get(url, {"q": "5930"}).context["cl"].result_list
    assert sorted(t.symbol for t in found) == ["005930"]
    by_order = admin_client.get(url, {"q": "0000005930"}).context["cl"].result_list
    assert [t.symbol for t in by_order] == ["000660"]


def test_the_bars_form_takes_a_name_and_says_which_when_ambiguous(admin_client, listed):
    factories.bar(symbol="005930").save()
    url = reverse("admin:marketdata_browser")

    page = admin_client.get(url, {"symbol": "삼성전자", "interval": "1d"})
    assert page.context["form"].cleaned_data["symbol"] == "005930"
    assert len(page.context["rows"]) == 1
    assert "symbol=005930" in page.context["query"]
    assert 'value="005930"' in page.text

    ambiguous = admin_client.get(url, {"symbol": "삼성", "interval": "1d"})
    assert (
        "삼성 matches several stocks: "
        '<a href="?interval=1d&amp;symbol=005930">005930 삼성전자</a>, '
        '<a href="?interval=1d&amp;symbol=006400">006400 삼성SDI</a>. Choose one.'
    ) in ambiguous.text
    unknown = admin_client.get(url, {"symbol": "nothing", "interval": "1d"})
    assert "No stock matches nothing: type a code (005930) or a name." in unknown.text


def test_the_log_extra_box_keeps_the_search_and_the_filters(admin_client):
    factories.log(level="ERROR", message="Order rejected", extra={"order_id": "0000123456"}).save()
    page = admin_client.get(
        reverse("admin:trading_systemlog_changelist"),
        {"q": "rejected", "level__exact": "ERROR", "extra": "order_id=0000123456"},
    )
    box = page.text.split('data-filter-title="extra (key=value)"')[1].split("</details>")[0]
    assert '<input type="hidden" name="level__exact" value="ERROR">' in box
    assert '<input type="hidden" name="q" value="rejected">' in box
    assert '<input type="hidden" name="extra"' not in box
    assert len(page.context["cl"].result_list) == 1


def test_an_exact_name_is_that_stock_though_others_contain_it():
    factories.stock(symbol="086520", name="에코프로", name_en="Ecopro").save()
    factories.stock(symbol="247540", name="에코프로비엠", name_en="Ecopro BM").save()
    factories.stock(symbol="383310", name="에코프로에이치엔", name_en="Ecopro HN").save()
    assert stock_search.resolve("에코프로") == "086520"
    assert stock_search.resolve("ecopro") == "086520"
    with pytest.raises(stock_search.AmbiguousStock) as found:
        stock_search.resolve("에코")
    assert [s for s, _ in found.value.candidates] == ["086520", "247540", "383310"]
    # A search still finds every stock containing the name.
    assert stock_search.symbols_for("에코프로") == ["086520", "247540", "383310"]
