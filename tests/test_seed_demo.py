import datetime as dt
import itertools
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from marketdata import sessions, ticks
from marketdata.models import Load, MarketData, StockMetadata
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


def session_hours(day: dt.date, venue: str) -> list[tuple[dt.datetime, dt.datetime]]:
    """When `venue` trades on `day`: KRX 09:00-15:30; Nextrade 08:00-08:50, 09:00-15:20 and
    15:30-20:00 (on a day KRX opens late, the calendar's hours)."""
    (session,) = sessions.sessions(day, day, profile="krx+nxt")
    if venue == "KRX":
        return [(session.open, session.close)]
    return list(session.windows)


def within_session(moment: dt.datetime, venue: str) -> bool:
    day = moment.astimezone(demo.KST).date()
    return any(start <= moment < end for start, end in session_hours(day, venue))


def bars_by_key():
    return {(b.symbol, b.interval_type, b.time): b for b in MarketData.objects.all()}


def fills_in_their_bars() -> int:
    """Check that every fill lies in its day's range, on the tick grid, in its venue's
    session and in the bar of its minute where there is one; returns how many have one."""
    bars = bars_by_key()
    with_a_minute = 0
    for trade in Trade.objects.all():
        when = trade.executed_at.astimezone(demo.KST)
        day = bars[trade.symbol, "1d", dt.datetime.combine(when.date(), dt.time(), demo.KST)]
        assert day.low <= trade.price <= day.high, trade
        assert ticks.on_tick(trade.price), trade
        assert within_session(trade.executed_at, trade.venue), (trade, when)
        minute = bars.get((trade.symbol, "1m", when.replace(second=0, microsecond=0)))
        if minute is not None:
            with_a_minute += 1
            assert minute.low <= trade.price <= minute.high, (trade, minute)
    return with_a_minute


def test_every_fill_is_priced_within_its_minute_and_its_day_on_the_tick_grid_in_session():
    seed_demo()
    assert fills_in_their_bars() >= 5


def test_with_nextrade_hours_the_minutes_cover_them_and_the_fills_in_them_lie_in_their_bars(
    settings,
):
    settings.QB_SESSIONS = "krx+nxt"
    seed_demo()
    minutes = MarketData.objects.filter(interval_type="1m")
    assert minutes.count() == 21 * 5 * (50 + 380 + 270)
    late = [
        t
        for t in Trade.objects.filter(venue="NXT")
        if t.executed_at.astimezone(demo.KST).time() >= dt.time(15, 30)
    ]
    assert late
    assert fills_in_their_bars() >= 5


def longest_flat_run(closes: list) -> int:
    """The most consecutive minutes that close at one price."""
    longest = run = 1
    for previous, close in itertools.pairwise(closes):
        run = run + 1 if close == previous else 1
        longest = max(longest, run)
    return longest


def test_minute_bars_move_like_a_market_and_add_up_to_their_day():
    seed_demo()
    by_day = {}
    for bar in MarketData.objects.filter(interval_type="1m").order_by("symbol", "time"):
        by_day.setdefault((bar.symbol, bar.time.astimezone(demo.KST).date()), []).append(bar)
    assert len(by_day) == 21 * 5
    days = {
        (b.symbol, b.time.astimezone(demo.KST).date()): b
        for b in MarketData.objects.filter(interval_type="1d")
    }
    for (symbol, day), minutes in by_day.items():
        assert longest_flat_run([m.close for m in minutes]) <= 30, (symbol, day)
        assert all(m.volume > 0 for m in minutes), (symbol, day)
        assert all(ticks.on_tick(p) for m in minutes for p in (m.open, m.high, m.low, m.close))
        daily = days[symbol, day]
        assert (daily.open, daily.high, daily.low, daily.close, daily.volume) == (
            minutes[0].open,
            max(m.high for m in minutes),
            min(m.low for m in minutes),
            minutes[-1].close,
            sum(m.volume for m in minutes),
        ), (symbol, day)


def test_order_filled_logs_are_the_fills_of_the_week_at_their_times():
    seed_demo()
    fills = {t.broker_order_id: t for t in Trade.objects.all()}
    assert len(fills) == Trade.objects.count()  # one fill per order
    logs = list(SystemLog.objects.filter(message="Order filled"))
    first = SystemLog.objects.earliest("timestamp").timestamp
    assert len(logs) == Trade.objects.filter(executed_at__gte=first).count() > 0
    for log in logs:
        trade = fills[log.extra["order_id"]]
        assert log.timestamp == trade.executed_at
        assert log.extra["symbol"] == trade.symbol
        assert within_session(log.timestamp, trade.venue), log.timestamp


def test_every_log_falls_on_a_demo_session_between_its_first_and_last_hours():
    seed_demo()
    days = set(demo.sessions(timezone.now(), demo.DAILY_SESSIONS))
    for log in SystemLog.objects.all():
        when = log.timestamp.astimezone(demo.KST)
        assert when.date() in days, when
        assert dt.time(7, 30) <= when.time() <= dt.time(20, 0), (log.message, when)
        assert log.timestamp <= timezone.now()


def test_the_bars_come_through_the_loader_and_its_history_can_undo_them():
    seed_demo()
    loads = list(Load.objects.order_by("pk"))
    assert [
        (Path(load.file).name, load.format, load.way, load.interval, load.inserted)
        for load in loads
    ] == [
        ("demo-daily-bars.csv", "qb", "direct insert", "1d", 21 * 250),
        ("demo-minute-bars.csv", "qb", "direct insert", "1m", 21 * 5 * 380),
    ]
    assert not MarketData.objects.filter(load__isnull=True).exists()

    User.objects.create_user("ops", password="x", is_staff=True)
    for load in reversed(loads):
        call_command("undo_load", str(load.pk), "--user", "ops", stdout=StringIO())
    assert not MarketData.objects.exists()


def test_every_stock_has_its_listed_shares_and_a_market_cap_at_its_last_close():
    seed_demo()
    for stock in StockMetadata.objects.all():
        last = MarketData.objects.filter(symbol=stock.symbol, interval_type="1d").latest("time")
        assert stock.listed_shares > 0
        assert stock.market_cap == stock.listed_shares * last.close, stock.symbol


def test_two_runs_write_the_same_bars_fills_and_logs():
    def snapshot():
        return (
            list(MarketData.objects.order_by("symbol", "interval_type", "time").values_list()),
            list(
                Trade.objects.order_by("executed_at").values_list(
                    "account__code",
                    "venue",
                    "symbol",
                    "side",
                    "quantity",
                    "price",
                    "tax",
                    "broker_order_id",
                    "executed_at",
                )
            ),
            list(
                SystemLog.objects.order_by("timestamp", "message").values_list(
                    "timestamp", "level", "component", "message", "extra"
                )
            ),
        )

    with transaction.atomic():
        demo.seed()
        first = snapshot()
        transaction.set_rollback(True)
    demo.seed()

    assert snapshot()[1:] == first[1:]
    # The bars, but for the loads that wrote them.
    assert [bar[:-1] for bar in snapshot()[0]] == [bar[:-1] for bar in first[0]]
