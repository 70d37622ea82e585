"""Each integrity rule is a named database constraint: the database itself says no."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from marketdata.models import MarketData, StockMetadata
from tests import factories
from trading.models import RiskMetric

pytestmark = pytest.mark.django_db

VIOLATIONS = [
    (factories.bar, {"low": -1}, "market_data_low_positive"),
    (factories.bar, {"low": 0}, "market_data_low_positive"),
    (
        factories.bar,
        {"high": 71000, "low": 71500, "open": 71000, "close": 71000},
        "market_data_high_gte_low",
    ),
    (factories.bar, {"open": 73500}, "market_data_high_gte_open_close"),
    (factories.bar, {"close": 73100}, "market_data_high_gte_open_close"),
    (factories.bar, {"open": 71000}, "market_data_low_lte_open_close"),
    (factories.bar, {"close": 71400}, "market_data_low_lte_open_close"),
    (factories.bar, {"volume": -1}, "market_data_volume_nonneg"),
    (factories.bar, {"interval_type": "2h"}, "market_data_interval_known"),
    (factories.bar, {"symbol": "59300"}, "market_data_symbol_krx"),
    (factories.stock, {"symbol": "AAPL"}, "stock_metadata_symbol_by_kind"),
    (factories.stock, {"kind": "INDEX"}, "stock_metadata_symbol_by_kind"),
    (factories.stock, {"symbol": "1001"}, "stock_metadata_symbol_by_kind"),
    (factories.stock, {"market": "NASDAQ"}, "stock_metadata_market_known"),
    (factories.stock, {"market_cap": -1}, "stock_metadata_market_cap_nonneg"),
    (factories.stock, {"listed_shares": -1}, "stock_metadata_listed_shares_nonneg"),
    (factories.trade, {"side": "HOLD"}, "trades_side_valid"),
    (factories.trade, {"quantity": 0}, "trades_quantity_positive"),
    (factories.trade, {"price": 0}, "trades_price_positive"),
    (factories.trade, {"commission": -1}, "trades_commission_nonneg"),
    (factories.trade, {"tax": -1}, "trades_tax_nonneg"),
    (factories.trade, {"symbol": "00593O"}, "trades_symbol_krx"),
    (factories.trade, {"symbol": "1001"}, "trades_symbol_krx"),  # trades are never in indices
    (factories.position, {"quantity": -5}, "positions_quantity_nonneg"),
    (factories.position, {"average_price": -1}, "positions_average_price_nonneg"),
    (factories.position, {"last_price": 0}, "positions_last_price_positive"),
    (factories.position, {"symbol": "12345"}, "positions_symbol_krx"),
    (factories.performance, {"trade_count": -1}, "strategy_performance_trade_count_nonneg"),
    (factories.performance, {"win_rate": "1.5"}, "strategy_performance_win_rate_fraction"),
    (factories.performance, {"max_drawdown": "-0.1"}, "strategy_performance_max_drawdown_fraction"),
    (factories.risk, {"portfolio_value": -1}, "risk_metrics_portfolio_value_nonneg"),
    (factories.risk, {"gross_exposure": -1}, "risk_metrics_gross_exposure_nonneg"),
    (factories.risk, {"var_99": 1000}, "risk_metrics_var_ordered"),
    (factories.risk, {"max_drawdown": 2}, "risk_metrics_max_drawdown_fraction"),
    (factories.log, {"level": "TRACE"}, "system_logs_level_valid"),
    (factories.stock, {"kind": "BOND"}, "stock_metadata_kind_known"),
    (factories.trade, {"venue": "NYS"}, "trades_venue_valid"),
    (factories.trade, {"fill_seq": 0}, "trades_fill_seq_positive"),
    (factories.new_account, {"code": "MAIN ACCOUNT"}, "accounts_code_valid"),
    (factories.new_account, {"code": ""}, "accounts_code_valid"),
    (factories.new_account, {"dividend_tax_rate": "-0.01"}, "accounts_dividend_tax_rate_range"),
    (factories.new_account, {"dividend_tax_rate": "0.9"}, "accounts_dividend_tax_rate_range"),
    (factories.schedule, {"venue": "SOR"}, "commission_schedules_venue_valid"),
    (factories.schedule, {"rate": "-0.0001"}, "commission_schedules_rate_range"),
    (factories.schedule, {"rate": "0.01"}, "commission_schedules_rate_range"),
    (factories.schedule, {"minimum": -1}, "commission_schedules_minimum_nonneg"),
    (factories.run, {"status": "maybe"}, "reconciliation_runs_status_valid"),
    (factories.difference, {"kind": "mood"}, "reconciliation_differences_kind_valid"),
    (factories.difference, {"status": "gone"}, "reconciliation_differences_status_valid"),
    (factories.cash_movement, {"kind": "buy", "amount": -1}, "cash_movements_kind_stored"),
    (factories.cash_movement, {"amount": -1}, "cash_movements_sign_of_kind"),
    (factories.cash_movement, {"kind": "fraction", "amount": -1}, "cash_movements_sign_of_kind"),
    (factories.cash_movement, {"kind": "withdrawal"}, "cash_movements_sign_of_kind"),
    (factories.cash_movement, {"kind": "adjustment", "amount": 0}, "cash_movements_sign_of_kind"),
    (
        factories.cash_movement,
        {"settles_on": dt.date(2026, 3, 2)},
        "cash_movements_settles_after_date",
    ),
    (factories.cash_movement, {"source": "rumour"}, "cash_movements_source_valid"),
    (factories.account_nav, {"nav": 1}, "account_navs_nav_is_cash_and_positions"),
    (factories.books_difference, {"kind": "mood"}, "books_differences_kind_valid"),
    (factories.books_difference, {"status": "gone"}, "books_differences_status_valid"),
    (factories.corporate_action, {"kind": "spinoff"}, "corporate_actions_kind_known"),
    (factories.corporate_action, {"symbol": "5930"}, "corporate_actions_symbols_krx"),
    (
        factories.corporate_action,
        {"kind": "merger", "new_symbol": "ABC"},
        "corporate_actions_symbols_krx",
    ),
    (factories.corporate_action, {"ratio": 0}, "corporate_actions_ratio_positive"),
    (factories.corporate_action, {"ratio": None}, "corporate_actions_ratio_given"),
    (factories.corporate_action, {"ratio": "0.5"}, "corporate_actions_split_ratio"),
    (
        factories.corporate_action,
        {"kind": "reverse_split", "ratio": 2},
        "corporate_actions_reverse_split_ratio",
    ),
    (
        factories.corporate_action,
        {"kind": "cash_dividend", "ratio": None, "amount": 0},
        "corporate_actions_dividend_amount",
    ),
    (factories.corporate_action, {"amount": -1}, "corporate_actions_amount_nonneg"),
    (
        factories.corporate_action,
        {"fraction_price": 0},
        "corporate_actions_fraction_price_positive",
    ),
    (factories.corporate_action, {"kind": "symbol_change"}, "corporate_actions_new_symbol_given"),
    (
        factories.corporate_action,
        {"ex_date": dt.date(2024, 4, 18)},
        "corporate_actions_ex_date_window",
    ),
    (
        factories.corporate_action,
        {"ex_date": dt.date(2024, 4, 1)},
        "corporate_actions_ex_date_window",
    ),
]


@pytest.mark.parametrize(
    ("make", "bad", "constraint"), VIOLATIONS, ids=[v[2] + str(sorted(v[1])) for v in VIOLATIONS]
)
def test_the_database_rejects_a_row_breaking(make, bad, constraint):
    make().save()  # the valid row is accepted
    type(make()).objects.all().delete()

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        make(**bad).save()

    assert constraint in str(caught.value)


# Django itself refuses these values, so they are written in SQL, as COPY or the trading
# engine would.
WRITTEN_IN_SQL = {"market_data_high_is_a_number"}


def test_the_database_rejects_a_bar_whose_prices_are_not_numbers():
    with pytest.raises(IntegrityError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(
            "INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, "
            "volume) VALUES (now(), '005930', '1d', 'NaN', 'NaN', 'NaN', 'NaN', 1)"
        )
    assert "market_data_high_is_a_number" in str(caught.value)


def test_every_check_constraint_has_a_test():
    from django.apps import apps

    declared = {
        c.name
        for app in ("marketdata", "trading")
        for model in apps.get_app_config(app).get_models()
        for c in model._meta.constraints
        if c.__class__.__name__ == "CheckConstraint"
    }
    assert declared == {constraint for _, _, constraint in VIOLATIONS} | WRITTEN_IN_SQL


def test_new_style_krx_codes_with_letters_are_accepted():
    factories.bar(symbol="0088M0").save()
    assert MarketData.objects.filter(symbol="0088M0").count() == 1


def test_indices_have_bars_and_metadata_under_their_four_digit_codes():
    factories.bar(symbol="1001").save()
    factories.stock(symbol="1001", name="코스피", market="KOSPI", kind="INDEX").save()

    assert MarketData.objects.filter(symbol="1001").count() == 1
    assert StockMetadata.objects.get(symbol="1001").kind == "INDEX"


def test_a_second_bar_with_the_same_time_symbol_and_interval_is_rejected():
    factories.bar().save(force_insert=True)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        factories.bar(close=72900).save(force_insert=True)
    assert "market_data_pkey" in str(caught.value)


def test_the_same_time_and_symbol_at_another_interval_is_another_bar():
    factories.bar().save(force_insert=True)
    factories.bar(interval_type="1w").save(force_insert=True)
    assert MarketData.objects.count() == 2


def test_bulk_create_with_update_conflicts_upserts_on_the_composite_key():
    factories.bar().save(force_insert=True)
    MarketData.objects.bulk_create(
        [
            factories.bar(close=72900, high=73100),
            factories.bar(time=factories.bar().time.replace(day=5)),
        ],
        update_conflicts=True,
        unique_fields=["time", "symbol", "interval_type"],
        update_fields=["open", "high", "low", "close", "volume"],
    )
    first = MarketData.objects.get(pk=(factories.bar().time, "005930", "1d"))
    assert (first.close, first.high) == (72900, 73100)
    assert MarketData.objects.count() == 2


def test_one_strategy_has_one_performance_row_per_day():
    factories.performance().save()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        factories.performance(pnl=1).save()
    assert "strategy_performance_unique_day" in str(caught.value)


def test_one_position_per_account_and_symbol():
    factories.position().save()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        factories.position(quantity=3).save()
    assert "positions_account_symbol_unique" in str(caught.value)
    # The same symbol in another account is another position.
    factories.position(account=factories.account("OTHER"), quantity=3).save()


def saved_trade(**fields):
    trade = factories.trade(**fields)
    trade.save()
    return trade


def test_a_fill_of_an_order_is_stored_once_per_account():
    saved_trade(broker_order_id="0000012345", fill_seq=1)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        saved_trade(broker_order_id="0000012345", fill_seq=1)
    assert "trades_fill_identity" in str(caught.value)
    # Equal values with the next fill number are a second, genuine partial fill; the same
    # order number in another account is another order; fills without an order number have
    # no identity to repeat.
    saved_trade(broker_order_id="0000012345", fill_seq=2)
    saved_trade(broker_order_id="0000012345", fill_seq=1, account=factories.account("OTHER"))
    saved_trade(broker_order_id="")
    saved_trade(broker_order_id="")


def test_a_broker_execution_id_is_stored_once_per_account():
    saved_trade(execution_id="E-1")
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        saved_trade(execution_id="E-1", broker_order_id="0000000009")
    assert "trades_execution_identity" in str(caught.value)
    saved_trade(execution_id="E-1", account=factories.account("OTHER"))


def test_one_commission_schedule_per_account_venue_and_start():
    factories.schedule().save()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        factories.schedule(rate="0.0002").save()
    assert "commission_schedules_unique_start" in str(caught.value)
    factories.schedule(venue="NXT").save()


def test_one_risk_metric_per_account_and_moment_the_total_included():
    factories.risk().save()
    moment = RiskMetric.objects.get().timestamp
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        factories.risk(timestamp=moment).save()  # two totals (account empty) at one moment
    assert "risk_metrics_account_timestamp_unique" in str(caught.value)
    factories.risk(timestamp=moment, account=factories.account()).save()


def test_an_account_number_is_recorded_once_per_broker():
    factories.new_account(code="A").save()
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        factories.new_account(code="B").save()
    assert "accounts_broker_number_unique" in str(caught.value)
    factories.new_account(code="C", broker="Mirae").save()
    factories.new_account(code="D", number="").save()
    factories.new_account(code="E", number="").save()
