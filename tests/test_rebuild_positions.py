import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import MarketData
from tests import factories
from trading.models import Position, Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def at(day, hour, minute=0):
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=KST)


def rebuild(*args):
    out = StringIO()
    call_command("rebuild_positions", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def bars():
    # A daily bar for 4 March (close known at 15:30) and 1-minute bars 14:59 and 15:29.
    MarketData.objects.bulk_create(
        [
            factories.bar(time=at(4, 0), close=72800, high=73000),
            factories.bar(time=at(4, 14, 59), interval_type="1m", close=72600, high=73000),
            factories.bar(time=at(4, 15, 29), interval_type="1m", close=72900, high=73000),
        ]
    )


@pytest.fixture
def trades():
    for side, quantity, price, commission, tax, hour in [
        ("BUY", 10, 70000, 105, 0, 9),
        ("BUY", 30, 72000, 324, 0, 10),
        ("SELL", 20, 75000, 225, 2700, 11),
    ]:
        factories.trade(
            side=side,
            quantity=quantity,
            price=price,
            commission=commission,
            tax=tax,
            executed_at=at(4, hour),
        ).save()


def position():
    p = Position.objects.get(symbol="005930", account__code="DEFAULT")
    return (
        p.quantity,
        p.average_price,
        p.last_price,
        p.market_value,
        p.realized_pnl,
        p.unrealized_pnl,
    )


@pytest.mark.parametrize(
    ("as_of", "price"),
    [
        # At 15:00 the 14:59 minute bar is the newest close known; the daily bar is not yet.
        ("2024-03-04T15:00", 72600),
        # At the close the 15:29 minute bar and the daily bar tie: the finer one wins.
        ("2024-03-04T15:30", 72900),
        # The next morning nothing newer exists.
        ("2024-03-05T10:00", 72900),
    ],
)
def test_positions_are_marked_with_the_newest_close_known_at_as_of(bars, trades, as_of, price):
    rebuild("--as-of", as_of)

    # 20 shares at 71,500 (see tests/test_accounting.py), realized 66,646.
    quantity, average, last, value, realized, unrealized = position()
    assert (quantity, average, realized) == (20, Decimal("71500"), Decimal("66646"))
    assert (last, value, unrealized) == (price, 20 * price, (price - 71500) * 20)


def test_trades_after_as_of_are_not_counted(bars, trades):
    rebuild("--as-of", "2024-03-04T10:30")
    assert position()[:2] == (40, Decimal("71500"))


def test_dry_run_prints_the_reconciliation_and_writes_nothing(bars, trades):
    factories.position(quantity=25, average_price=71000).save()

    output = rebuild("--as-of", "2024-03-04T15:30", "--dry-run")

    assert output.splitlines() == [
        "DEFAULT 005930: quantity 25 -> 20, average_price 71000.0000 -> 71500.0000, "
        "last_price None -> 72900.00, market_value None -> 1458000.00, "
        "realized_pnl 0.00 -> 66646.00, unrealized_pnl 0.00 -> 28000.00",
        "Dry run: 1 positions differ, 0 agree, as of 2024-03-04 15:30 KST.",
    ]
    assert position()[0] == 25


def test_rebuilding_twice_changes_nothing_the_second_time(bars, trades):
    rebuild("--as-of", "2024-03-05")
    first = position()

    assert rebuild("--as-of", "2024-03-05").endswith("0 changed, 1 unchanged.\n")
    assert position() == first


def test_a_stored_position_without_trades_is_removed(bars, trades):
    factories.position(symbol="000660", quantity=3).save()
    output = rebuild("--as-of", "2024-03-05", "--dry-run")
    assert "000660: stored but has no trades; it would be removed" in output
    rebuild("--as-of", "2024-03-05")
    assert not Position.objects.filter(symbol="000660").exists()


def test_an_oversell_stops_the_rebuild_naming_the_trade(trades):
    bad = factories.trade(side="SELL", quantity=50, executed_at=at(4, 12))
    bad.save()
    with pytest.raises(CommandError) as caught:
        rebuild("--as-of", "2024-03-05")
    assert str(caught.value) == (
        f"Positions not rebuilt: Trade {bad.id} sells 50 005930 at 2024-03-04 12:00:00+0900, "
        "but only 20 are held then."
    )
    assert not Position.objects.exists()


@pytest.fixture
def two_accounts(bars):
    """The same symbol traded in two accounts, and a second symbol in one of them."""
    main, swing = factories.account(), factories.account("SWING")
    for account, side, quantity, price, hour in [
        (main, "BUY", 10, 70000, 9),
        (swing, "BUY", 30, 72000, 10),
        (main, "SELL", 4, 75000, 11),
        (swing, "SELL", 10, 71000, 12),
        (swing, "BUY", 5, 71500, 13),
    ]:
        factories.trade(
            account=account,
            side=side,
            quantity=quantity,
            price=price,
            commission=0,
            executed_at=at(4, hour),
        ).save()
    factories.trade(
        account=swing,
        symbol="000660",
        quantity=3,
        price=180000,
        commission=0,
        executed_at=at(4, 14),
    ).save()
    return main, swing


def test_positions_are_rebuilt_per_account_and_equal_each_account_s_own_sums(two_accounts):
    main, swing = two_accounts
    rebuild("--as-of", "2024-03-04T15:30")

    stored = {
        (p.account.code, p.symbol): (p.quantity, p.average_price, p.realized_pnl)
        for p in Position.objects.select_related("account")
    }
    # MAIN: bought 10 at 70,000, sold 4 at 75,000: 6 left, +20,000 realized.
    # SWING: 30 at 72,000, sold 10 at 71,000 (-10,000), then 5 at 71,500:
    # (20 x 72,000 + 5 x 71,500) / 25 = 71,900.
    assert stored == {
        ("DEFAULT", "005930"): (6, Decimal(70000), Decimal(20000)),
        ("SWING", "005930"): (25, Decimal(71900), Decimal(-10000)),
        ("SWING", "000660"): (3, Decimal(180000), Decimal(0)),
    }
    for account in (main, swing):
        for symbol in ("005930", "000660"):
            trades = Trade.objects.filter(account=account, symbol=symbol)
            bought = sum(t.quantity for t in trades if t.side == "BUY")
            sold = sum(t.quantity for t in trades if t.side == "SELL")
            held = Position.objects.filter(account=account, symbol=symbol)
            assert sum(p.quantity for p in held) == bought - sold
    # The total across accounts is the sum of the accounts' positions.
    assert sum(p.quantity for p in Position.objects.filter(symbol="005930")) == 31


def test_one_account_can_be_rebuilt_alone(two_accounts):
    output = rebuild("--as-of", "2024-03-04T15:30", "--account", "SWING")

    assert output.endswith("2 changed, 0 unchanged.\n")
    assert set(Position.objects.values_list("account__code", flat=True)) == {"SWING"}


def test_an_unknown_account_is_named_with_the_known_ones(two_accounts):
    with pytest.raises(CommandError) as caught:
        rebuild("--account", "NOPE")
    assert str(caught.value) == (
        "--account: No account with the code NOPE; the accounts are DEFAULT, SWING."
    )
