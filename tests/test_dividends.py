"""Cash dividends worked by hand: the holding on the record date, gross, 14 % income tax and
10 % of it local tax, each cut below 10 won (trading/actions/dividends.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from marketdata.actions import CorporateAction
from tests import factories
from trading.actions.dividends import dividend_payments, withheld

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def dividend():
    return CorporateAction.objects.create(
        symbol="005930",
        kind="cash_dividend",
        record_date=dt.date(2024, 12, 31),
        ex_date=dt.date(2024, 12, 30),
        pay_date=dt.date(2025, 4, 18),
        amount=Decimal("361"),
    )


def trade(account, side, quantity, day):
    factories.trade(
        account=account,
        side=side,
        quantity=quantity,
        executed_at=dt.datetime.combine(day, dt.time(10), KST),
    ).save()


def test_a_dividend_pays_the_holding_on_the_record_date_less_the_tax_withheld():
    account = factories.account("MAIN")
    trade(account, "BUY", 130, dt.date(2024, 12, 2))
    trade(account, "SELL", 30, dt.date(2024, 12, 27))  # before the ex date: not entitled
    trade(account, "SELL", 50, dt.date(2024, 12, 30))  # on the ex date: still entitled

    # 100 shares x 361 = 36,100 gross; 14 %: 5,054 -> 5,050; 10 % of it: 505 -> 500;
    # 30,550 reaches the account on 2025-04-18.
    assert [(p.day, p.kind, p.amount, p.part) for p in dividend_payments(account, dividend())] == [
        (dt.date(2025, 4, 18), "dividend", Decimal("36100"), "gross"),
        (dt.date(2025, 4, 18), "dividend_tax", Decimal("-5050"), "income_tax"),
        (dt.date(2025, 4, 18), "dividend_tax", Decimal("-500"), "local_tax"),
    ]


def test_nothing_is_paid_to_an_account_that_held_nothing_on_the_record_date():
    account = factories.account("MAIN")
    trade(account, "BUY", 10, dt.date(2024, 12, 30))  # bought on the ex date

    assert dividend_payments(account, dividend()) == []


def test_small_dividends_lose_the_tax_below_ten_won():
    # 7 shares x 361 = 2,527: 14 % is 353.78 -> 350; 10 % of 350 is 35 -> 30.
    assert withheld(Decimal("2527")) == (Decimal("350"), Decimal("30"))
