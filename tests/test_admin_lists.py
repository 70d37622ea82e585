"""display/lists.py on the admin's lists: figures right-aligned, totals of the filtered
rows in one bounded aggregate."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from display import lists
from tests import factories
from trading.admin.positions import PositionAdmin
from trading.admin.trades import TradeAdmin
from trading.models import Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def trades(count, first=0, **fields):
    for n in range(first, first + count):
        factories.trade(
            executed_at=dt.datetime(2026, 11, 26, 9, n, tzinfo=KST),
            quantity=10 + n,
            price=Decimal("72000"),
            commission=Decimal("108.40"),
            tax=Decimal("0"),
            **fields,
        ).save()


def test_the_trade_list_totals_amount_commission_and_tax_of_the_filtered_rows(admin_client):
    trades(3)
    trades(2, side="SELL")

    page = admin_client.get(reverse("admin:trading_trade_changelist"), {"side__exact": "BUY"})

    assert page.context["totals"] == {
        "rows": 3,
        "figures": [
            ("amount", "2,376,000", "KRW"),
            ("commission", "325", "KRW"),
            ("tax", "0", "KRW"),
        ],
    }
    assert "Total of 3 rows:" in page.text
    assert "amount <strong>2,376,000</strong> KRW" in page.text


def test_the_position_list_totals_value_and_pnl_coloured(admin_client):
    factories.position(market_value=Decimal("720000"), unrealized_pnl=Decimal("-5000")).save()
    factories.position(
        symbol="000660", market_value=Decimal("1000000"), realized_pnl=Decimal("2500.5")
    ).save()

    page = admin_client.get(reverse("admin:trading_position_changelist"))

    assert page.context["totals"]["figures"] == [
        ("market value", "1,720,000", "KRW"),
        ("unrealized PnL", '<span class="qb-down">-5,000</span>', "KRW"),
        ("realized PnL", '<span class="qb-up">+2,501</span>', "KRW"),
    ]


def positions(count, first=0):
    for k in range(first, first + count):
        factories.position(symbol=f"{k + 1:06d}", market_value=Decimal(1000 * k)).save()


@pytest.mark.parametrize(
    ("name", "admin_class", "add_rows"),
    [
        ("admin:trading_trade_changelist", TradeAdmin, trades),
        ("admin:trading_position_changelist", PositionAdmin, positions),
    ],
)
def test_totals_cost_one_bounded_query_whatever_the_rows(
    admin_client, monkeypatch, name, admin_class, add_rows
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse(name)).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    add_rows(2)
    few = queries()
    bounded = [q for q in few if f"LIMIT {lists.TOTALS_UP_TO + 1}" in q]
    assert len(bounded) == 1
    assert bounded[0].startswith("SELECT COUNT(")
    monkeypatch.setattr(admin_class, "totals", [])
    assert len(queries()) == len(few) - 1
    monkeypatch.undo()

    add_rows(30, first=2)
    assert len(queries()) == len(few)


def test_more_rows_than_the_bound_ask_for_a_narrower_filter(admin_client, monkeypatch):
    monkeypatch.setattr(lists, "TOTALS_UP_TO", 4)
    trades(5)

    page = admin_client.get(reverse("admin:trading_trade_changelist"))

    assert "figures" not in page.context["totals"]
    assert "Totals are shown for at most 4 rows: narrow the filter to see them." in page.text
    narrowed = admin_client.get(
        reverse("admin:trading_trade_changelist"),
        {"executed_at__gte": "2026-11-26 09:02:00+09:00"},
    )
    assert narrowed.context["totals"]["rows"] == 3


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("trade", ["quantity", "price", "amount", "commission", "tax"]),
        (
            "position",
            [
                "held",
                "average",
                "last_price",
                "market_value",
                "weight",
                "unrealized_pnl",
                "realized_pnl",
            ],
        ),
        (
            "strategyperformance",
            ["pnl", "daily_return", "trade_count", "win_rate", "sharpe_ratio", "max_drawdown"],
        ),
        ("riskmetric", ["portfolio_value", "cash", "gross_exposure", "var_95", "var_99"]),
        ("commissionschedule", ["rate", "minimum"]),
        ("reconciliationrun", ["difference_count", "open_differences"]),
    ],
)
def test_figures_are_right_aligned(admin_client, name, columns):
    page = admin_client.get(reverse(f"admin:trading_{name}_changelist"))
    assert set(columns) <= set(page.context["numeric_columns"])
    assert f"#result_list .column-{columns[0]}, #result_list .field-{columns[0]}" in page.text


def test_list_cells_show_whole_won_and_percentages(admin_client):
    factories.trade(price=Decimal("72000"), quantity=1200, commission=Decimal("12960.4")).save()
    factories.performance(daily_return=Decimal("0.0203"), win_rate=Decimal("0.5")).save()

    trades_page = admin_client.get(reverse("admin:trading_trade_changelist")).text
    assert '<td class="field-price">72,000</td>' in trades_page
    assert '<td class="field-amount">86,400,000</td>' in trades_page
    assert '<td class="field-commission">12,960</td>' in trades_page
    performance = admin_client.get(reverse("admin:trading_strategyperformance_changelist")).text
    assert '<td class="field-daily_return"><span class="qb-up">+2.03%</span></td>' in performance
    assert '<td class="field-win_rate">50.0%</td>' in performance


def test_commission_schedules_read_as_percentages_and_whole_won(admin_client):
    schedule = factories.schedule(rate=Decimal("0.00015"), minimum=Decimal("1000"))
    schedule.save()

    page = admin_client.get(reverse("admin:trading_commissionschedule_changelist")).text
    assert '<td class="field-rate">0.015%</td>' in page
    assert '<td class="field-minimum">1,000</td>' in page
    assert str(schedule) == f"{schedule.account.code} KRX {schedule.valid_from}: 0.015%"


def test_change_forms_show_decimals_as_typed_not_padded(admin_client):
    trade = factories.trade(
        price=Decimal("72000"), commission=Decimal("108"), expected_commission=Decimal("108.00")
    )
    trade.save()
    form = admin_client.get(reverse("admin:trading_trade_change", args=[trade.pk])).text
    assert 'name="price" value="72000"' in form
    assert 'name="commission" value="108"' in form
    assert 'name="tax" value="0"' in form
    # The expected commission the schedules give, shown in whole won too.
    assert '<div class="readonly">108</div>' in form


def test_the_risk_list_names_the_whole_book(admin_client):
    factories.risk(account=None).save()
    page = admin_client.get(
        reverse("admin:trading_riskmetric_changelist"), HTTP_ACCEPT_LANGUAGE="ko"
    ).text
    assert '<td class="field-account_or_all">전체 계좌 합산</td>' in page


def test_each_rows_checkbox_is_djangos_own_and_selects_for_the_actions(admin_client):
    trades(2)
    trade = factories.trade()
    trade.save()
    model_admin = admin.site._registry[Trade]
    assert model_admin.action_checkbox(trade) == admin.ModelAdmin.action_checkbox(
        model_admin, trade
    )
    page = admin_client.get(reverse("admin:trading_trade_changelist"))
    assert page.content.decode().count('name="_selected_action"') == 3
    # The box selects the row for an action: the one ticked is the one deleted.
    admin_client.post(
        reverse("admin:trading_trade_changelist"),
        {"action": "delete_selected", "_selected_action": [str(trade.pk)], "post": "yes"},
    )
    assert not Trade.objects.filter(pk=trade.pk).exists()
    assert Trade.objects.count() == 2


def test_the_trade_list_pages_fifty_fills_newest_first(admin_client):
    trades(55)
    url = reverse("admin:trading_trade_changelist")

    first = admin_client.get(url).context["cl"].result_list
    second = admin_client.get(url, {"p": 2}).context["cl"].result_list

    minutes = [t.executed_at.astimezone(KST).minute for t in [*first, *second]]
    assert (len(first), len(second)) == (50, 5)
    assert minutes == list(range(54, -1, -1))


def test_a_closed_position_has_no_average_price(admin_client):
    factories.position(symbol="000660", quantity=0, average_price=Decimal("0")).save()
    factories.position(quantity=10, average_price=Decimal("71234.5")).save()
    page = admin_client.get(reverse("admin:trading_position_changelist")).text
    assert '<td class="field-average">-</td>' in page
    assert '<td class="field-average">71,234.50</td>' in page


def test_outcomes_are_coloured_on_every_page_from_one_stylesheet(admin_client):
    from django.contrib.staticfiles import finders

    factories.run(status="differences", difference_count=1).save()
    page = admin_client.get(reverse("admin:trading_reconciliationrun_changelist")).text
    assert '<span class="health-warning">' in page
    assert "display/desk.css" in page
    with open(finders.find("display/desk.css")) as sheet:
        assert ".health-warning { color:" in sheet.read()
