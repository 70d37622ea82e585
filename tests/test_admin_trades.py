"""Trades and the other lists in the admin: validation, audit, import, export, queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketdata.models import StockMetadata
from tests import factories
from trading.admin.resources import COLUMNS
from trading.models import Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def form(trade, **changes):
    values = {
        "account": trade.account_id,
        "venue": trade.venue,
        "fill_seq": trade.fill_seq,
        "execution_id": trade.execution_id,
        "symbol": trade.symbol,
        "side": trade.side,
        "quantity": trade.quantity,
        "price": trade.price,
        "commission": trade.commission,
        "tax": trade.tax,
        "strategy": trade.strategy,
        "broker_order_id": trade.broker_order_id,
        "executed_at_0": "2024-03-04",
        "executed_at_1": "10:00:00",
    }
    return values | changes


def test_an_edit_that_breaks_a_rule_gets_a_form_error_not_a_500(admin_client):
    trade = factories.trade()
    trade.save()
    url = reverse("admin:trading_trade_change", args=[trade.pk])

    response = admin_client.post(url, form(trade, quantity=0, symbol="5930"))

    assert response.status_code == 200
    assert "Quantity must be positive." in response.text
    assert "Enter a KRX short code of six characters, such as 005930 or 0088M0." in response.text
    trade.refresh_from_db()
    assert trade.quantity == 10


def test_every_change_is_audited_with_before_after_and_who(admin_client, admin_user):
    trade = factories.trade()
    trade.save()
    url = reverse("admin:trading_trade_change", args=[trade.pk])

    admin_client.post(url, form(trade, quantity=12, price="72100"))

    latest = trade.history.latest()
    delta = latest.diff_against(latest.prev_record)
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert changes["quantity"] == (10, 12)
    assert changes["price"] == (Decimal("72000.00"), Decimal("72100.00"))
    assert latest.history_user == admin_user
    page = admin_client.get(reverse("admin:trading_trade_history", args=[trade.pk]))
    assert page.status_code == 200
    assert "admin" in page.text


CSV = (
    "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"
    "2024-03-04 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001\n"
    "2024-03-04 11:00:00,005930,SELL,0,72500,0,0,momentum,0000000002\n"
)


def upload(admin_client, text):
    return admin_client.post(
        reverse("admin:trading_trade_import"),
        {
            "import_file": SimpleUploadedFile("trades.csv", text.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )


def test_an_import_is_previewed_with_per_row_errors_and_writes_nothing(admin_client):
    response = upload(admin_client, CSV)

    assert response.status_code == 200
    assert "Quantity must be positive." in response.text
    assert Trade.objects.count() == 0


def test_a_clean_import_is_previewed_then_confirmed(admin_client):
    good = CSV.splitlines()[0] + "\n" + CSV.splitlines()[1] + "\n"
    preview = upload(admin_client, good)
    assert preview.status_code == 200
    assert Trade.objects.count() == 0  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = admin_client.post(
        reverse("admin:trading_trade_process_import"),
        {k: v for k, v in confirm.initial.items()},
        follow=True,
    )
    assert response.status_code == 200
    trade = Trade.objects.get()
    assert (trade.symbol, trade.side, trade.quantity, trade.price) == ("005930", "BUY", 10, 72000)


def test_the_export_follows_the_filters(admin_client):
    factories.trade(side="BUY", broker_order_id="B1").save()
    factories.trade(side="SELL", broker_order_id="S1").save()
    response = admin_client.post(
        reverse("admin:trading_trade_export") + "?side__exact=SELL",
        {
            "format": "0",
            "resource": "0",
            **{f"traderesource_{f}": "on" for f in COLUMNS},
        },
    )
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("id,account,venue,executed_at,symbol,side")
    assert len(lines) == 2
    assert ",DEFAULT,KRX," in lines[1] and ",SELL," in lines[1] and lines[1].endswith("S1,1,")


def test_trades_are_found_by_korean_name_english_name_code_and_order_id(admin_client):
    StockMetadata.objects.create(
        symbol="005930", name="삼성전자", name_en="Samsung Electronics", market="KOSPI"
    )
    factories.trade(broker_order_id="KIS-1").save()
    factories.trade(symbol="000660", broker_order_id="KIS-2").save()
    url = reverse("admin:trading_trade_changelist")

    def found(term):
        return sorted(
            t.broker_order_id for t in admin_client.get(url, {"q": term}).context["cl"].result_list
        )

    assert found("삼성") == ["KIS-1"]
    assert found("samsung") == ["KIS-1"]
    assert found("000660") == ["KIS-2"]
    assert found("KIS-2") == ["KIS-2"]


def test_the_market_filter_uses_stock_metadata(admin_client):
    StockMetadata.objects.create(symbol="247540", name="에코프로비엠", market="KOSDAQ")
    factories.trade(symbol="247540").save()
    factories.trade().save()
    page = admin_client.get(reverse("admin:trading_trade_changelist"), {"market": "KOSDAQ"})
    assert [t.symbol for t in page.context["cl"].result_list] == ["247540"]


LISTS = [
    "admin:trading_trade_changelist",
    "admin:trading_position_changelist",
    "admin:trading_strategyperformance_changelist",
    "admin:trading_riskmetric_changelist",
    "admin:trading_systemlog_changelist",
    "admin:marketdata_stockmetadata_changelist",
]


def add_rows(first, count):
    for k in range(first, first + count):
        symbol = f"{k + 1:06d}"
        StockMetadata.objects.create(symbol=symbol, name=f"종목{k}", market="KOSPI")
        factories.trade(symbol=symbol, executed_at=dt.datetime(2024, 3, 4, 9, k, tzinfo=KST)).save()
        factories.position(symbol=symbol, market_value=1000 * (k + 1)).save()
        factories.performance(date=dt.date(2024, 3, 1) + dt.timedelta(days=k)).save()
        factories.risk(timestamp=dt.datetime(2024, 3, 1, tzinfo=KST) + dt.timedelta(days=k)).save()
        factories.log(extra={"n": k}).save()


@pytest.mark.parametrize("name", LISTS)
def test_a_list_costs_the_same_queries_for_2_rows_as_for_20(admin_client, name):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse(name)).status_code == 200
        return len(captured)

    add_rows(0, 2)
    few = queries()
    add_rows(2, 18)
    assert queries() == few


def test_log_messages_are_searched_by_whole_words(admin_client):
    factories.log(message="Order rejected: insufficient buying power 0000123456").save()
    factories.log(message="Order filled 0000999999").save()
    url = reverse("admin:trading_systemlog_changelist")

    def found(term):
        return [log.message for log in admin_client.get(url, {"q": term}).context["cl"].result_list]

    assert found("rejected 0000123456") == ["Order rejected: insufficient buying power 0000123456"]
    assert len(found("order")) == 2
    assert found("reject") == []
