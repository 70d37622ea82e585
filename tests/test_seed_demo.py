import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from marketdata.models import MarketData, StockMetadata
from qbsite import demo
from trading import accounting
from trading.models import Position, RiskMetric, StrategyPerformance, SystemLog, Trade

pytestmark = pytest.mark.django_db


def seed_demo():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_fills_every_table_and_says_how_much():
    output = seed_demo()

    bars = MarketData.objects.count()
    trades = Trade.objects.count()
    assert output == (
        f"Demo data loaded: 21 stocks, {bars:,} bars, {trades:,} trades, 180 strategy days, "
        "60 risk metrics, 600 system logs.\n"
    )
    assert StockMetadata.objects.get(symbol="005930").name == "삼성전자"
    assert StockMetadata.objects.get(symbol="247540").market == "KOSDAQ"
    assert MarketData.objects.filter(interval_type="1d").count() == 21 * 250
    assert MarketData.objects.filter(interval_type="1m").count() == 21 * 5 * 380
    assert trades > 100
    assert StrategyPerformance.objects.count() == 180
    assert RiskMetric.objects.count() == 60
    assert SystemLog.objects.filter(level="ERROR").exists()


def test_a_second_run_changes_nothing():
    seed_demo()
    before = (MarketData.objects.count(), Trade.objects.count(), SystemLog.objects.count())

    assert seed_demo() == "Demo data not loaded: the database already holds data.\n"
    assert (MarketData.objects.count(), Trade.objects.count(), SystemLog.objects.count()) == before


def test_positions_agree_with_the_trades_and_the_last_minute_close():
    seed_demo()
    holdings = accounting.replay(Trade.objects.order_by("executed_at"))

    for position in Position.objects.all():
        holding = holdings[position.symbol]
        assert position.quantity == holding.quantity
        if position.quantity:
            last = MarketData.objects.filter(symbol=position.symbol, interval_type="1m").latest(
                "time"
            )
            assert position.last_price == last.close
            assert position.market_value == last.close * position.quantity
    assert Position.objects.aggregate(Sum("quantity"))["quantity__sum"] > 0


def test_sells_never_exceed_what_the_strategy_holds():
    seed_demo()
    for strategy in demo.STRATEGIES:
        accounting.replay(Trade.objects.filter(strategy=strategy).order_by("executed_at"))


def test_every_bar_lies_in_the_past_and_respects_the_price_rules():
    seed_demo()
    now = timezone.now()
    assert not MarketData.objects.filter(time__gt=now).exists()
    assert not Trade.objects.filter(executed_at__gt=now).exists()
    first_minute = MarketData.objects.filter(interval_type="1m").earliest("time")
    assert first_minute.time.astimezone(demo.KST).time() == dt.time(9, 0)
