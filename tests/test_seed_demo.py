import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from marketdata.models import MarketData, StockMetadata
from qbsite import demo
from trading.models import (
    Account,
    CommissionSchedule,
    Position,
    ReconciliationRun,
    RiskMetric,
    StrategyPerformance,
    SystemLog,
    Trade,
)
from trading.positions import accounting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reports_dir(settings, tmp_path):
    """The demo's broker reports go under the test's own folder, not the checkout's."""
    settings.BASE_DIR = tmp_path
    return tmp_path / ".local" / "demo-broker-reports"


def seed_demo():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_fills_every_table_and_says_how_much(reports_dir):
    output = seed_demo()

    bars = MarketData.objects.count()
    trades = Trade.objects.count()
    assert output == (
        f"Demo data loaded: 21 stocks, 2 accounts, {bars:,} bars, {trades:,} trades, "
        "2 reconciliations, 180 strategy days, 60 risk metrics, 600 system logs.\n"
        f"The broker reports the demo reconciled are in {reports_dir}.\n"
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
        holding = holdings[position.account_id, position.symbol]
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


def test_two_accounts_trade_on_both_venues_at_their_own_commission():
    seed_demo()
    assert sorted(Account.objects.values_list("code", flat=True)) == ["MAIN", "PAIRS"]
    used = set(Trade.objects.values_list("account__code", "venue").distinct())
    assert used == {("MAIN", "KRX"), ("MAIN", "NXT"), ("PAIRS", "KRX"), ("PAIRS", "NXT")}
    schedules = {
        (s.account.code, s.venue): s.rate for s in CommissionSchedule.objects.select_related()
    }
    for trade in Trade.objects.select_related("account"):
        rate = schedules[trade.account.code, trade.venue]
        assert trade.commission == int(trade.quantity * trade.price * rate), trade


def test_each_sell_pays_the_tax_in_force_on_its_settlement_date_but_one():
    seed_demo()
    markets = dict(StockMetadata.objects.values_list("symbol", "market"))
    sells = Trade.objects.filter(side="SELL").order_by("executed_at")
    wrong = []
    for trade in sells:
        # The demo's fills all settle in 2026: KOSPI 0.05 % + 0.15 %, KOSDAQ 0.20 %.
        assert trade.settles_on.year == 2026
        amount = trade.quantity * trade.price
        if markets[trade.symbol] == "KOSPI":
            expected = int(amount * Decimal("0.0005")) + int(amount * Decimal("0.0015"))
        else:
            expected = int(amount * Decimal("0.0020"))
        if trade.tax != expected:
            wrong.append(trade)
    # One KOSDAQ sell is charged the 2024 rate on purpose, and is flagged.
    assert len(wrong) == 1
    assert wrong[0].tax == (wrong[0].quantity * wrong[0].price * Decimal("0.0018")).quantize(1)
    assert list(Trade.objects.filter(charges_differ=True)) == wrong
    assert not Trade.objects.filter(side="BUY").exclude(tax=0).exists()


def test_each_account_comes_with_a_day_of_broker_reports_one_of_them_with_a_difference(
    reports_dir,
):
    seed_demo()
    runs = {r.account.code: r for r in ReconciliationRun.objects.select_related("account")}
    assert (runs["PAIRS"].status, runs["PAIRS"].difference_count) == ("match", 0)
    assert (runs["MAIN"].status, runs["MAIN"].difference_count) == ("differences", 1)
    difference = runs["MAIN"].differences.get()
    assert difference.kind == "price"
    assert difference.broker > difference.ours  # one tick higher at the broker
    assert runs["MAIN"].checked_holdings > 0

    # The files are KIS's shapes, kept, and the command reads them the same.
    run = runs["MAIN"]
    assert sorted(p.name for p in reports_dir.iterdir() if p.name.startswith("MAIN")) == [
        f"MAIN-{run.date}-inquire-balance.json",
        f"MAIN-{run.date}-inquire-daily-ccld.json",
    ]
    with pytest.raises(CommandError) as caught:
        call_command(
            "reconcile",
            "--account",
            "MAIN",
            "--date",
            str(run.date),
            "--orders",
            str(reports_dir / f"MAIN-{run.date}-inquire-daily-ccld.json"),
            "--balance",
            str(reports_dir / f"MAIN-{run.date}-inquire-balance.json"),
            stdout=StringIO(),
        )
    assert caught.value.returncode == 1
    again = ReconciliationRun.objects.order_by("-run_at").first()
    assert again.orders_sha256 == run.orders_sha256
    assert list(again.differences.values_list("kind", flat=True)) == ["price"]
