"""Valid rows of each model, to be bent one field at a time by the tests."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from marketdata.models import MarketData, StockMetadata
from trading.models import (
    Account,
    CommissionSchedule,
    Position,
    ReconciliationDifference,
    ReconciliationRun,
    RiskMetric,
    StrategyPerformance,
    SystemLog,
    Trade,
)

KST = dt.timezone(dt.timedelta(hours=9))


def bar(**fields):
    values = {
        "time": dt.datetime(2024, 3, 4, tzinfo=KST),
        "symbol": "005930",
        "interval_type": "1d",
        "open": Decimal("72000"),
        "high": Decimal("73000"),
        "low": Decimal("71500"),
        "close": Decimal("72800"),
        "volume": 12_000_000,
    }
    return MarketData(**(values | fields))


def stock(**fields):
    values = {
        "symbol": "005930",
        "name": "삼성전자",
        "name_en": "Samsung Electronics",
        "market": "KOSPI",
    }
    return StockMetadata(**(values | fields))


def corporate_action(**fields):
    """A 5:1 split of 005930 with its record date and the ex date the session before."""
    from marketdata.actions import CorporateAction

    values = {
        "symbol": "005930",
        "kind": "split",
        "record_date": dt.date(2024, 4, 17),
        "ex_date": dt.date(2024, 4, 16),
        "ratio": 5,
    }
    return CorporateAction(**(values | fields))


def account(code="DEFAULT", **fields):
    """The account with `code`, created if need be (the migration makes DEFAULT)."""
    values = {"name": f"{code} account", "broker": "KIS"}
    return Account.objects.get_or_create(code=code, defaults=values | fields)[0]


def new_account(**fields):
    values = {"code": "SWING", "name": "Swing", "broker": "KIS", "number": "12345678-01"}
    return Account(**(values | fields))


def schedule(**fields):
    values = {"venue": "KRX", "valid_from": dt.date(2024, 1, 1), "rate": Decimal("0.00015")}
    if "account" not in fields and "account_id" not in fields:
        values["account"] = account()
    return CommissionSchedule(**(values | fields))


def run(**fields):
    """A kept reconciliation of one account's day."""
    values = {
        "date": dt.date(2026, 3, 3),
        "status": "match",
        "run_by": "ops",
        "orders_file": "orders.json",
        "orders_sha256": "0" * 64,
    }
    if "account" not in fields and "account_id" not in fields:
        values["account"] = account()
    return ReconciliationRun(**(values | fields))


def difference(**fields):
    values = {"kind": "quantity", "broker_order_id": "0000012345", "symbol": "005930"}
    if "run" not in fields:
        saved = run()
        saved.save()
        values["run"] = saved
    return ReconciliationDifference(**(values | fields))


def trade(**fields):
    values = {
        "symbol": "005930",
        "side": "BUY",
        "quantity": 10,
        "price": Decimal("72000"),
        "commission": Decimal("108"),
        "tax": Decimal("0"),
        "strategy": "momentum",
        "executed_at": timezone.now(),
    }
    if "account" not in fields and "account_id" not in fields:
        values["account"] = account()
    return Trade(**(values | fields))


def position(**fields):
    values = {"symbol": "005930", "quantity": 10, "average_price": Decimal("72000")}
    if "account" not in fields and "account_id" not in fields:
        values["account"] = account()
    return Position(**(values | fields))


def performance(**fields):
    values = {
        "strategy": "momentum",
        "date": dt.date(2024, 3, 4),
        "daily_return": Decimal("0.0012"),
        "pnl": Decimal("120000"),
        "trade_count": 4,
        "win_rate": Decimal("0.5"),
        "max_drawdown": Decimal("0.02"),
    }
    return StrategyPerformance(**(values | fields))


def risk(**fields):
    values = {
        "timestamp": timezone.now(),
        "portfolio_value": Decimal("100000000"),
        "var_95": Decimal("1500000"),
        "var_99": Decimal("2300000"),
    }
    return RiskMetric(**(values | fields))


def log(**fields):
    values = {"level": "INFO", "component": "collector", "message": "connected"}
    return SystemLog(**(values | fields))


def cash_movement(**fields):
    from trading.models.books import CashMovement

    values = {
        "kind": "deposit",
        "amount": Decimal("1000000"),
        "trade_date": dt.date(2026, 3, 3),
        "settles_on": dt.date(2026, 3, 3),
    }
    if "account" not in fields and "account_id" not in fields:
        values["account"] = account()
    return CashMovement(**(values | fields))


def account_nav(**fields):
    from trading.models.books import AccountNav

    values = {
        "date": dt.date(2026, 3, 3),
        "cash_settled": Decimal(1000),
        "cash_next_day": Decimal(1000),
        "cash": Decimal(1000),
        "market_value": Decimal(500),
        "nav": Decimal(1500),
    }
    if "account" not in fields and "account_id" not in fields:
        values["account"] = account()
    return AccountNav(**(values | fields))


def books_difference(**fields):
    from trading.models.books import BooksCheck, BooksDifference

    values = {
        "kind": "cash",
        "date": dt.date(2026, 3, 3),
        "field": "dnca_tot_amt",
        "broker": Decimal(1000),
        "ours": Decimal(900),
    }
    if "check_run" not in fields:
        saved = run()
        saved.save()
        values["check_run"] = BooksCheck.objects.create(
            run=saved, account=saved.account, date=saved.date, status="differences"
        )
    return BooksDifference(**(values | fields))
