"""The cash ledger's three daily figures and the NAV per session, on the hand-worked
example of tests/books_example.py; what makes a NAV stale, and `compute_nav`."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from marketdata.models import Load, LoadSeries, MarketData
from tests import books_example as example
from tests import factories
from trading.books import ledger, nav
from trading.models import Trade
from trading.models.books import AccountNav, CashMovement, LedgerEntry, NavChange

pytestmark = pytest.mark.django_db


def figures(account, day):
    found = ledger.cash_figures(account_ids=[account.pk], days=[day])[account.pk, day]
    return (found.settled, found.next_day, found.after_settlement)


def stored(account):
    return {
        n.date: (n.cash_settled, n.cash_next_day, n.cash, n.market_value, n.nav, n.flow)
        for n in AccountNav.objects.filter(account=account)
    }


def stale():
    return [(str(s), s.reasons) for s in nav.stale()]


def test_the_three_cash_figures_of_each_session_are_the_hand_worked_ones():
    account = example.book()

    for day, expected in example.EXPECTED.items():
        assert figures(account, day) == tuple(Decimal(v) for v in expected[:3]), day


def test_over_a_weekend_the_next_day_is_monday_and_over_a_closure_thursday():
    account = example.book()

    # Friday: tomorrow's settlements are Monday's, the buy of Thursday.
    assert figures(account, example.FRI) == (15_000_000, 9_999_250, 9_999_250)
    # Saturday: nothing settles; the next session is still Monday.
    assert figures(account, dt.date(2026, 5, 30)) == (15_000_000, 9_999_250, 9_999_250)
    # Tuesday: Wednesday is closed, so Monday's sell, settling Thursday, is tomorrow's.
    assert figures(account, example.TUE) == (6_999_250, 9_074_778, 9_074_778)
    # On the closed Wednesday itself nothing has settled yet.
    assert figures(account, example.WED) == (6_999_250, 9_074_778, 9_074_778)


def test_a_fill_without_a_settlement_date_settles_by_the_same_rule():
    account = example.book()
    Trade.objects.update(settles_on=None)

    assert figures(account, example.MON) == (9_999_250, 9_999_250, 12_074_778)
    assert figures(account, example.TUE) == (6_999_250, 9_074_778, 9_074_778)


def test_the_nav_of_each_session_is_cash_after_settlement_and_positions_at_the_close():
    account = example.book()

    assert nav.rebuild(accounts=[account], end=example.THU2) == {account.pk: 5}

    assert stored(account) == {
        day: tuple(Decimal(v) for v in values) for day, values in example.EXPECTED.items()
    }
    assert AccountNav.objects.get(account=account, date=example.THU2).symbols == ["005930"]
    assert AccountNav.objects.filter(stale_symbols__len__gt=0).count() == 0


def test_the_ledger_lists_the_fills_cash_beside_the_movements_with_a_running_balance():
    account = example.book()

    entries = LedgerEntry.objects.filter(account=account).order_by("trade_date", "moment", "id")
    assert [(e.trade_date, e.kind, e.amount, e.balance) for e in entries] == [
        (example.THU, "deposit", 10_000_000, 10_000_000),
        (example.THU, "buy", -5_000_000, 5_000_000),
        (example.THU, "commission", -750, 4_999_250),
        (example.FRI, "deposit", 5_000_000, 9_999_250),
        (example.MON, "sell", 2_080_000, 12_079_250),
        (example.MON, "commission", -312, 12_078_938),
        (example.MON, "tax", -4_160, 12_074_778),
        (example.TUE, "withdrawal", -3_000_000, 9_074_778),
        (example.THU2, "dividend", 21_660, 9_096_438),
        (example.THU2, "dividend_tax", -3_330, 9_093_108),
    ]
    sell = entries.get(kind="sell")
    assert (sell.source, sell.settles_on, sell.trade_id) == (
        "fill",
        example.THU2,
        Trade.objects.get(side="SELL").pk,
    )


def minute_bar(day, hour, minute, close):
    return MarketData(
        time=dt.datetime.combine(day, dt.time(hour, minute), example.KST),
        symbol="005930",
        interval_type="1m",
        open=close,
        high=close,
        low=close,
        close=close,
        volume=10,
    )


def test_without_a_daily_bar_the_last_minute_counts_and_without_either_the_last_close_stale():
    account = example.book()
    friday, monday = dt.date(2026, 6, 5), dt.date(2026, 6, 8)
    MarketData.objects.bulk_create(
        [minute_bar(friday, 15, 18, 50_400), minute_bar(friday, 15, 19, 50_500)]
    )

    nav.rebuild(accounts=[account], end=monday)

    days = {n.date: n for n in AccountNav.objects.filter(account=account)}
    # Friday: no daily bar; the session's last minute, 50,500: 60 x 50,500 = 3,030,000.
    assert (days[friday].market_value, days[friday].stale_symbols) == (3_030_000, [])
    # Monday: no bar at all; Friday's last close, said to be stale.
    assert (days[monday].market_value, days[monday].stale_symbols) == (3_030_000, ["005930"])
    assert days[monday].nav == Decimal(9_093_108 + 3_030_000)


def test_a_fill_or_a_cash_movement_of_a_day_with_a_nav_marks_it_stale_from_that_day():
    account = example.book()
    nav.rebuild(accounts=[account], end=example.THU2)
    assert stale() == []

    # The trading engine writes a fill in its own SQL on Monday.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trades (id, account_id, venue, symbol, side, quantity, price, "
            "commission, tax, strategy, broker_order_id, fill_seq, execution_id, executed_at, "
            "created_at, charges_differ) VALUES (gen_random_uuid(), %s, 'KRX', '005930', "
            "'BUY', 1, 52000, 0, 0, 'x', '', 1, '', %s, now(), false)",
            [account.pk, example.at(example.MON)],
        )
    assert stale() == [("MAIN 2026-06-01", ("fills or cash",))]

    CashMovement.objects.filter(kind="deposit", trade_date=example.FRI).update(amount=6_000_000)
    assert stale() == [("MAIN 2026-05-29", ("fills or cash",))]


def test_changes_after_the_last_nav_and_checks_of_charges_mark_nothing():
    account = example.book()
    nav.rebuild(accounts=[account], end=example.TUE)

    example.cash(account, example.THU2, "interest", 5)  # after the last NAV: nothing stale
    Trade.objects.update(strategy="other", expected_commission=1)
    assert stale() == []


def test_rebuilding_from_the_stale_day_clears_the_mark_and_a_shorter_one_moves_it():
    account = example.book()
    nav.rebuild(accounts=[account], end=example.THU2)
    example.cash(account, example.FRI, "deposit", 1_000)
    assert NavChange.objects.get().since == example.FRI

    nav.rebuild(accounts=[account], start=example.FRI, end=example.MON)
    assert NavChange.objects.get().since == example.MON + dt.timedelta(days=1)
    assert stored(account)[example.MON][4] == 15_194_778 + 1_000

    nav.rebuild(accounts=[account], start=example.TUE, end=example.THU2)
    assert stale() == []
    assert stored(account)[example.THU2][4] == 12_093_108 + 1_000


def test_a_load_of_bars_of_a_held_symbol_after_the_nav_marks_it_stale():
    account = example.book()
    nav.rebuild(accounts=[account], end=example.THU2)
    now = dt.datetime.now(dt.UTC)
    AccountNav.objects.update(computed_at=now - dt.timedelta(hours=1))
    # A load of ten minutes ago corrected Tuesday's bar.
    load = Load.objects.create(
        file="corrected.csv",
        size=1,
        sha256="0" * 64,
        format="pykrx",
        encoding="utf-8",
        interval="1d",
        way="merge",
        started_at=now - dt.timedelta(minutes=10),
        seconds=1,
    )
    LoadSeries.objects.create(
        load=load,
        symbol="005930",
        interval_type="1d",
        first=dt.datetime.combine(example.TUE, dt.time(), example.KST),
        last=dt.datetime.combine(example.TUE, dt.time(), example.KST),
        updated=1,
    )
    # Another symbol's bars concern nobody.
    LoadSeries.objects.create(
        load=load,
        symbol="000660",
        interval_type="1d",
        first=dt.datetime.combine(example.THU, dt.time(), example.KST),
        last=dt.datetime.combine(example.THU, dt.time(), example.KST),
        inserted=1,
    )

    assert stale() == [("MAIN 2026-06-02", ("bars",))]
    nav.rebuild(accounts=[account], end=example.THU2)
    assert stale() == []


def command(*args):
    out = StringIO()
    call_command("compute_nav", *args, stdout=out)
    return out.getvalue()


def test_compute_nav_stores_each_account_and_says_where_it_ends():
    example.book()
    factories.account("EMPTY")

    said = command("--account", "MAIN", "--account", "EMPTY", "--to", "2026-06-04")

    assert said == (
        "MAIN: NAV of 5 sessions stored; 2026-06-04: 12,093,108 KRW.\n"
        "EMPTY: no cash and no fills up to 2026-06-04.\n"
    )
    assert AccountNav.objects.count() == 5


def test_compute_nav_refuses_an_unknown_account_and_dates_out_of_order():
    example.book()
    with pytest.raises(CommandError, match="No account with the code NOPE"):
        command("--account", "NOPE")
    with pytest.raises(CommandError, match="--from 2026-06-04 is after --to 2026-06-01"):
        command("--account", "MAIN", "--from", "2026-06-04", "--to", "2026-06-01")
    with pytest.raises(CommandError, match="is not a date like"):
        command("--account", "MAIN", "--from", "9999-99-99")
    assert AccountNav.objects.count() == 0
