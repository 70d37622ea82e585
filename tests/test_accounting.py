"""Average-cost positions, worked by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories
from trading.positions.accounting import OversellError, replay

KST = dt.timezone(dt.timedelta(hours=9))


def fill(
    side,
    quantity,
    price,
    commission=0,
    tax=0,
    *,
    minute=0,
    symbol="005930",
    strategy="s1",
    account=1,
):
    return factories.trade(
        account_id=account,
        side=side,
        quantity=quantity,
        price=Decimal(price),
        commission=Decimal(commission),
        tax=Decimal(tax),
        symbol=symbol,
        strategy=strategy,
        executed_at=dt.datetime(2024, 3, 4, 9, minute, tzinfo=KST),
    )


def test_partial_fills_partial_closes_fees_and_a_buy_after_a_full_close():
    trades = [
        # Two buy fills: average (10 x 70,000 + 30 x 72,000) / 40 = 71,500.
        # Fees count at once: realized = -105 - 324 = -429.
        fill("BUY", 10, 70000, 105),
        fill("BUY", 30, 72000, 324),
        # Sell 20 at 75,000: +(75,000 - 71,500) x 20 = +70,000, less 225 and tax 2,700:
        # realized = -429 + 70,000 - 2,925 = 66,646; 20 left at 71,500.
        fill("SELL", 20, 75000, 225, 2700),
        # Sell the other 20 at 70,000: -30,000, less 210 and 2,520: realized = 33,916; flat.
        fill("SELL", 20, 70000, 210, 2520),
        # A new buy after the full close starts a new average: 5 at 80,000, less 60.
        fill("BUY", 5, 80000, 60),
    ]
    checkpoints = [
        (10, Decimal(70000), Decimal(-105)),
        (40, Decimal(71500), Decimal(-429)),
        (20, Decimal(71500), Decimal(66646)),
        (0, Decimal(0), Decimal(33916)),
        (5, Decimal(80000), Decimal(33856)),
    ]
    for n, expected in enumerate(checkpoints, start=1):
        holding = replay(trades[:n])[1, "005930"]
        assert (holding.quantity, holding.average_price, holding.realized_pnl) == expected


def test_marking_gives_market_value_and_unrealized_pnl():
    holding = replay([fill("BUY", 10, 70000, 105), fill("BUY", 30, 72000, 324)])[1, "005930"]

    marked = holding.marked(Decimal(73000))

    # 40 x 73,000 = 2,920,000; (73,000 - 71,500) x 40 = 60,000.
    assert marked == {
        "quantity": 40,
        "average_price": Decimal("71500.0000"),
        "realized_pnl": Decimal("-429.00"),
        "last_price": Decimal(73000),
        "market_value": Decimal("2920000.00"),
        "unrealized_pnl": Decimal("60000.00"),
    }


def test_positions_are_per_symbol_across_strategies():
    holdings = replay(
        [
            fill("BUY", 10, 70000, strategy="momentum"),
            fill("BUY", 10, 80000, strategy="pairs"),
            fill("BUY", 3, 150000, symbol="000660", strategy="pairs"),
        ]
    )
    assert holdings[1, "005930"].quantity == 20
    assert holdings[1, "005930"].average_price == 75000
    assert holdings[1, "000660"].quantity == 3


def test_a_sell_larger_than_the_holding_names_the_trade():
    oversell = fill("SELL", 6, 71000, minute=5)
    with pytest.raises(OversellError) as caught:
        replay([fill("BUY", 5, 70000), oversell])
    assert str(caught.value) == (
        f"Trade {oversell.id} sells 6 005930 at 2024-03-04 09:05:00+0900, but only 5 are held then."
    )


def test_each_account_holds_its_own_shares():
    holdings = replay(
        [
            fill("BUY", 10, 70000, account=1),
            fill("BUY", 10, 80000, account=2),
            fill("SELL", 10, 75000, account=1),
        ]
    )
    # Account 1 bought at 70,000 and sold all at 75,000; account 2 still holds its 10 at
    # 80,000, untouched by account 1's sell.
    assert (holdings[1, "005930"].quantity, holdings[1, "005930"].realized_pnl) == (0, 50000)
    assert (holdings[2, "005930"].quantity, holdings[2, "005930"].average_price) == (10, 80000)


def test_a_sell_in_one_account_cannot_use_the_shares_of_another():
    with pytest.raises(OversellError):
        replay([fill("BUY", 10, 70000, account=1), fill("SELL", 5, 71000, account=2)])
