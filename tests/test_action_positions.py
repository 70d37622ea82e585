"""Positions, cost and PnL through corporate actions, worked by hand; and the broker's
holdings after a split and a merger agreeing with ours (trading/actions/effects.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from marketdata.actions import CorporateAction
from tests import factories
from trading import positions
from trading.actions import actions_until
from trading.models import Position
from trading.reconciliation.broker_reports import Holding
from trading.reconciliation.compare import compare_holdings

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def at(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), KST)


def buy(account, symbol, quantity, price, day, side="BUY"):
    factories.trade(
        account=account,
        symbol=symbol,
        side=side,
        quantity=quantity,
        price=Decimal(price),
        commission=0,
        tax=0,
        executed_at=at(day),
    ).save()


def action(symbol, kind, ex_date, **fields):
    return CorporateAction.objects.create(
        symbol=symbol,
        kind=kind,
        record_date=ex_date + dt.timedelta(days=1),
        ex_date=ex_date,
        **fields,
    )


def held(account):
    positions.rebuild(as_of=timezone.now())
    return {
        p.symbol: (p.quantity, p.average_price, p.realized_pnl)
        for p in Position.objects.filter(account=account)
    }


@pytest.fixture
def main():
    return factories.account("MAIN")


def test_a_buy_before_a_five_for_one_split_and_a_sell_after(main):
    # 10 @ 500,000 (cost 5,000,000); split 1:5 on 2024-04-10 -> 50 @ 100,000, cost the same;
    # sell 20 @ 110,000: realized (110,000 - 100,000) x 20 = 200,000; 30 left @ 100,000.
    buy(main, "086520", 10, "500000", dt.date(2024, 4, 1))
    action("086520", "split", dt.date(2024, 4, 10), ratio=5)
    buy(main, "086520", 20, "110000", dt.date(2024, 4, 15), side="SELL")

    assert held(main) == {"086520": (30, Decimal("100000.0000"), Decimal("200000.00"))}


def test_a_sell_the_day_before_the_ex_date_counts_the_shares_before_the_split(main):
    # 10 @ 500,000; sell 4 @ 510,000 on 04-09: realized 40,000; the 6 left become 30 @ 100,000.
    buy(main, "086520", 10, "500000", dt.date(2024, 4, 1))
    buy(main, "086520", 4, "510000", dt.date(2024, 4, 9), side="SELL")
    action("086520", "split", dt.date(2024, 4, 10), ratio=5)

    assert held(main) == {"086520": (30, Decimal("100000.0000"), Decimal("40000.00"))}


def test_a_reverse_split_pays_the_fraction_in_cash(main):
    # 25 @ 1,000 (cost 25,000); 10:1 reverse split (ratio 0.1): 2.5 shares @ 10,000;
    # 2 kept (cost 20,000); 0.5 paid at 9,500 = 4,750 won, whose cost was 5,000:
    # realized 4,750 - 5,000 = -250.
    buy(main, "900110", 25, "1000", dt.date(2024, 5, 2))
    action("900110", "reverse_split", dt.date(2024, 5, 20), ratio="0.1", fraction_price=9500)

    assert held(main) == {"900110": (2, Decimal("10000.0000"), Decimal("-250.00"))}
    holding = positions.replay(
        positions.trades_in_order(until=timezone.now()),
        actions_until(timezone.now()),
    )[main.pk, "900110"]
    assert holding.fraction_cash == Decimal("4750")


def test_a_bonus_issue_of_half_a_share_per_share(main):
    # 11 @ 30,000 (cost 330,000); 0.5 new share per share: 16.5 shares @ 20,000; 16 kept
    # (cost 320,000); 0.5 paid at 21,000 = 10,500 against its cost 10,000: realized 500.
    buy(main, "005930", 11, "30000", dt.date(2024, 6, 3))
    action("005930", "bonus_issue", dt.date(2024, 6, 14), ratio="0.5", fraction_price=21000)

    assert held(main) == {"005930": (16, Decimal("20000.0000"), Decimal("500.00"))}


def test_a_stock_dividend_lowers_the_average_and_keeps_the_cost(main):
    # 100 @ 21,000 (cost 2,100,000); 0.05 share per share: 105 @ 20,000.
    buy(main, "005930", 100, "21000", dt.date(2024, 12, 2))
    action("005930", "stock_dividend", dt.date(2024, 12, 27), ratio="0.05")

    assert held(main) == {"005930": (105, Decimal("20000.0000"), Decimal("0.00"))}


def test_a_merger_moves_the_holding_to_the_new_symbol_at_the_ratio(main):
    # 101 of 000020 @ 12,000 (cost 1,212,000); 0.3 share of 000030 per share: 30.3 shares
    # @ 1,212,000 / 30.3 = 40,000; 30 kept (cost 1,200,000); 0.3 paid at 41,000 = 12,300
    # against its cost 12,000: 300 realized, on the old symbol, which holds nothing now.
    buy(main, "000020", 101, "12000", dt.date(2024, 7, 1))
    action(
        "000020",
        "merger",
        dt.date(2024, 7, 15),
        ratio="0.3",
        new_symbol="000030",
        fraction_price=41000,
    )
    # A later sell of the new symbol is measured from the moved cost: 10 @ 45,000 ->
    # (45,000 - 40,000) x 10 = 50,000.
    buy(main, "000030", 10, "45000", dt.date(2024, 8, 1), side="SELL")

    assert held(main) == {
        "000020": (0, Decimal("0.0000"), Decimal("300.00")),
        "000030": (20, Decimal("40000.0000"), Decimal("50000.00")),
    }


def test_an_action_corrected_after_the_fact_makes_positions_stale_then_rebuilt_right(main):
    # Entered as a 1:2 split: 10 @ 500,000 -> 20 @ 250,000. Corrected to 1:5: stale until the
    # rebuild, then 50 @ 100,000.
    buy(main, "086520", 10, "500000", dt.date(2024, 4, 1))
    split = action("086520", "split", dt.date(2024, 4, 10), ratio=2)
    assert held(main) == {"086520": (20, Decimal("250000.0000"), Decimal("0.00"))}
    assert positions.stale() == []

    split.ratio = 5
    split.save()
    assert [str(p) for p in positions.stale()] == ["MAIN 086520"]
    assert Position.objects.get().quantity == 20  # not rebuilt yet
    assert held(main) == {"086520": (50, Decimal("100000.0000"), Decimal("0.00"))}
    assert positions.stale() == []


def test_the_broker_holdings_after_a_split_and_a_merger_agree_with_ours(main):
    buy(main, "086520", 10, "500000", dt.date(2024, 4, 1))
    action("086520", "split", dt.date(2024, 4, 10), ratio=5)
    buy(main, "000020", 100, "12000", dt.date(2024, 4, 1))
    action("000020", "merger", dt.date(2024, 4, 10), ratio="0.3", new_symbol="000030")
    broker = [
        Holding("cash", "086520", "에코프로", 50, Decimal("100000"), Decimal("5000000")),
        Holding("cash", "000030", "합병회사", 30, Decimal("40000"), Decimal("1200000")),
    ]

    differences, conventions = compare_holdings(main, dt.date(2024, 4, 10), broker)

    assert differences == []
    assert conventions["broker"] == "fees excluded (equal to ours)"


def test_without_the_split_recorded_the_broker_quantity_is_a_difference(main):
    buy(main, "086520", 10, "500000", dt.date(2024, 4, 1))
    broker = [Holding("cash", "086520", "에코프로", 50, Decimal("100000"), Decimal("5000000"))]

    differences, _ = compare_holdings(main, dt.date(2024, 4, 10), broker)

    assert [(d.kind, d.symbol, d.broker, d.ours) for d in differences] == [
        ("position_quantity", "086520", 50, 10)
    ]
