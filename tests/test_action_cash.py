"""The cash of corporate actions in the books (trading/books/action_cash.py): a dividend on
the holding of the record date, less the tax withheld at the account's rate, reaches the
ledger on its pay date and so the NAV and the returns; the fractions a reverse split leaves
are paid in cash; a split keeps the NAV whole; a corrected or deleted action moves the cash
with it, and what a cash file already brought in is not booked twice.

Sessions as in tests/books_example.py: Thu 2026-05-28, Fri 05-29, Mon 06-01, Tue 06-02,
(Wed 06-03 closed), Thu 06-04.
"""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from marketdata.actions import CorporateAction
from marketdata.models import MarketData, StockMetadata
from tests import factories
from tests.books_example import FRI, MON, THU, THU2, TUE, at, cash, daily_bar
from trading.books import action_cash, nav, returns
from trading.models import Position
from trading.models.books import AccountNav, CashMovement, NavChange

pytestmark = pytest.mark.django_db


def holding(account, quantity, price, closes, symbol="005930"):
    StockMetadata.objects.get_or_create(symbol=symbol, defaults={"name": symbol, "market": "KOSPI"})
    MarketData.objects.bulk_create([daily_bar(symbol, d, c) for d, c in closes.items()])
    cash(account, THU, "deposit", 10_000_000)
    factories.trade(
        account=account, symbol=symbol, side="BUY", quantity=quantity, price=Decimal(price),
        commission=Decimal(0), tax=Decimal(0), executed_at=at(THU), settles_on=THU,
    ).save()  # fmt: skip


def dividend(**fields):
    # Record date Tue 06-02, ex date the session before (Mon 06-01), paid Thu 06-04.
    values = {
        "symbol": "005930",
        "kind": "cash_dividend",
        "record_date": TUE,
        "ex_date": MON,
        "pay_date": THU2,
        "amount": Decimal(361),
    }
    return CorporateAction.objects.create(**(values | fields))


def booked(account):
    return sorted(
        (m.trade_date, m.kind, m.amount, m.source)
        for m in CashMovement.objects.filter(account=account, corporate_action__isnull=False)
    )


def navs(account):
    return {
        n.date: (n.cash, n.market_value, n.nav) for n in AccountNav.objects.filter(account=account)
    }


def close(value, expected):
    """Equal but for the last of Decimal's 28 digits (the chained product's)."""
    return abs(value - expected) < Decimal("1e-20")


FLAT = {THU: 50_000, FRI: 50_000, MON: 50_000, TUE: 50_000, THU2: 50_000}


def test_a_dividend_reaches_the_ledger_on_its_pay_date_less_the_tax_and_the_nav_counts_it():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    dividend()

    result = action_cash.book(accounts=[account])

    # 100 x 361 = 36,100; 14 %: 5,054 -> 5,050; a tenth of that: 505 -> 500.
    assert (result.created, result.changed, result.removed) == (3, 0, 0)
    assert booked(account) == [
        (THU2, "dividend", Decimal(36_100), "corporate_action"),
        (THU2, "dividend_tax", Decimal(-5_050), "corporate_action"),
        (THU2, "dividend_tax", Decimal(-500), "corporate_action"),
    ]
    nav.rebuild(accounts=[account], end=THU2)
    # Cash 10,000,000 - 5,000,000 = 5,000,000 until the pay date, then + 30,550.
    assert navs(account)[TUE] == (5_000_000, 5_000_000, 10_000_000)
    assert navs(account)[THU2] == (5_030_550, 5_000_000, 10_030_550)


def test_booking_again_changes_nothing():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    dividend()
    action_cash.book(accounts=[account])
    history = CashMovement.history.count()

    again = action_cash.book(accounts=[account])

    assert again.writes == 0
    assert CashMovement.history.count() == history


def test_an_account_that_withholds_nothing_gets_the_gross():
    account = factories.account("CORP", dividend_tax_rate=Decimal(0))
    holding(account, 100, 50_000, FLAT)
    dividend()

    action_cash.book(accounts=[account])

    assert booked(account) == [(THU2, "dividend", Decimal(36_100), "corporate_action")]


def test_a_buy_on_the_ex_date_earns_no_dividend_and_a_dividend_without_a_pay_date_waits():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    factories.trade(
        account=account, side="BUY", quantity=50, price=Decimal(50_000),
        commission=Decimal(0), executed_at=at(MON),
    ).save()  # fmt: skip
    dividend()
    dividend(symbol="000660", pay_date=None, record_date=TUE)

    result = action_cash.book(accounts=[account])

    assert [m[2] for m in booked(account) if m[1] == "dividend"] == [Decimal(36_100)]
    assert result.waiting == ["000660 2026-06-01"]


def test_a_corrected_dividend_changes_its_cash_with_history_and_a_deleted_one_takes_it_away():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    action = dividend()
    nav.rebuild(accounts=[account], end=THU2)
    assert not NavChange.objects.exists()

    action.amount = Decimal(400)
    action.save()
    # The action's change marks the NAV stale from its ex date (migration 0018).
    assert NavChange.objects.get(account=account).since == MON
    result = action_cash.book(accounts=[account])

    # 40,000 gross; 5,600 and 560 withheld.
    assert (result.created, result.changed) == (0, 3)
    assert [m[2] for m in booked(account)] == [Decimal(40_000), Decimal(-5_600), Decimal(-560)]
    gross = CashMovement.objects.get(account=account, kind="dividend")
    assert [h.amount for h in gross.history.order_by("history_id")] == [36_100, 40_000]

    action.delete()
    assert booked(account) == []
    assert CashMovement.history.filter(history_type="-").count() == 3
    nav.rebuild(accounts=[account], end=THU2)
    assert navs(account)[THU2] == (5_000_000, 5_000_000, 10_000_000)


def test_a_dividend_a_cash_file_already_brought_in_is_not_booked_twice():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    cash(account, THU2, "dividend", 36_100, source="file")
    cash(account, THU2, "dividend_tax", -5_550, source="file")
    dividend()

    result = action_cash.book(accounts=[account])

    assert booked(account) == []
    assert result.from_files == 1
    assert "1 dividends already in from cash files" in str(result)


def test_a_reverse_split_pays_the_fraction_in_cash_and_the_nav_holds_the_new_count():
    account = factories.account("MAIN")
    # 15 shares at 10,000; a 10:1 reverse split on Mon: 1.5 shares -> 1, and half a share
    # paid at the fraction price of 100,000 = 50,000 on its listing date, Thu 06-04.
    holding(
        account, 15, 10_000, {THU: 10_000, FRI: 10_000, MON: 100_000, TUE: 100_000, THU2: 100_000}
    )
    factories.corporate_action(
        kind="reverse_split", record_date=TUE, ex_date=MON, pay_date=THU2,
        ratio=Decimal("0.1"), fraction_price=Decimal(100_000),
    ).save()  # fmt: skip

    action_cash.book(accounts=[account])
    nav.rebuild(accounts=[account], end=THU2)

    assert booked(account) == [(THU2, "fraction", Decimal(50_000), "corporate_action")]
    assert navs(account)[FRI] == (9_850_000, 150_000, 10_000_000)
    assert navs(account)[MON] == (9_850_000, 100_000, 9_950_000)
    assert navs(account)[THU2] == (9_900_000, 100_000, 10_000_000)
    assert AccountNav.objects.get(account=account, date=MON).symbols == ["005930"]


def test_a_split_keeps_the_nav_whole_and_the_position_at_the_same_cost():
    account = factories.account("MAIN")
    # 10 at 500,000, a 5:1 split on Mon: 50 at 100,000.
    holding(account, 10, 500_000, {THU: 500_000, FRI: 500_000, MON: 100_000, TUE: 100_000})
    factories.corporate_action(record_date=TUE, ex_date=MON).save()

    nav.rebuild(accounts=[account], end=TUE)
    call_command("rebuild_positions", stdout=StringIO())

    assert {d: v[1] for d, v in navs(account).items()} == dict.fromkeys(
        [THU, FRI, MON, TUE], 5_000_000
    )
    position = Position.objects.get(account=account)
    assert (position.quantity, position.average_price) == (50, 100_000)


def test_a_merger_moves_the_nav_to_the_new_symbol():
    account = factories.account("MAIN")
    holding(account, 10, 30_000, {THU: 30_000, FRI: 30_000}, symbol="000030")
    MarketData.objects.bulk_create([daily_bar("316140", d, 20_000) for d in (MON, TUE)])
    # 1.5 new shares per old: 15 of 316140 from Mon.
    CorporateAction.objects.create(
        symbol="000030", kind="merger", record_date=TUE, ex_date=MON,
        ratio=Decimal("1.5"), new_symbol="316140",
    )  # fmt: skip

    nav.rebuild(accounts=[account], end=TUE)

    assert AccountNav.objects.get(account=account, date=TUE).symbols == ["316140"]
    assert navs(account)[TUE][1] == 300_000


def test_the_returns_show_the_dividend_apart_from_the_price():
    account = factories.account("MAIN")
    # The price falls by the dividend on the ex date (50,000 -> 49,639) and the cash
    # arrives on Thu 06-04.
    holding(
        account, 100, 50_000, {THU: 50_000, FRI: 50_000, MON: 49_639, TUE: 49_639, THU2: 49_639}
    )
    dividend()
    call_command("compute_nav", "--account", "MAIN", "--to", "2026-06-04", stdout=StringIO())

    found = returns.returns_of(accounts=[account])

    assert found.dividends == {"gross": 36_100, "withheld": 5_550, "net": 30_550}
    # The price: 10,000,000 -> 9,963,900 (the ex-date fall of 36,100).
    assert close(found.price_return, Decimal(9_963_900) / Decimal(10_000_000) - 1)
    # The dividend: the NAV ends at 9,994,450; what price alone does not give is dividend.
    assert close(found.twr, Decimal(9_994_450) / Decimal(10_000_000) - 1)
    assert found.dividend_return == found.twr - found.price_return > 0
    shown = found.as_json()
    assert shown["dividends"]["net"] == 30_550
    assert shown["price_return"] + shown["dividend_return"] == pytest.approx(shown["twr"])


def test_compute_nav_says_what_it_booked():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    dividend()
    out = StringIO()

    call_command("compute_nav", "--account", "MAIN", "--to", "2026-06-04", stdout=out)

    assert "Cash of corporate actions: 3 booked, 0 changed, 0 removed." in out.getvalue()
    assert navs(account)[THU2][2] == 10_030_550


def test_a_dividend_whose_ex_date_is_still_to_come_is_not_booked_yet():
    account = factories.account("MAIN")
    holding(account, 100, 50_000, FLAT)
    dividend(
        record_date=dt.date(2099, 12, 31),
        ex_date=dt.date(2099, 12, 30),
        pay_date=dt.date(2100, 4, 16),
    )

    assert action_cash.book(accounts=[account]).writes == 0
    assert booked(account) == []
