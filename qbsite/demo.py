"""Demo data for a fresh back office: real KRX names, made-up but consistent numbers.

Prices follow a seeded random walk on KRX tick sizes, so two runs on the same day give
the same rows. Trades are drawn against those prices and the positions are computed from
the trades, so every screen agrees with every other.
"""

import datetime as dt
import math
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from marketdata import sessions as krx
from marketdata.models import Interval, MarketData, StockMetadata
from marketdata.ticks import to_tick
from qbsite import demo_books, demo_reports
from trading import fills as assessing
from trading import positions
from trading.models import (
    DEFAULT_ACCOUNT,
    Account,
    CommissionSchedule,
    Level,
    RiskMetric,
    Side,
    StrategyPerformance,
    SystemLog,
    Trade,
    Venue,
)

KST = ZoneInfo("Asia/Seoul")

# symbol, Korean name, English name, market, sector, a plausible price
STOCKS = [
    ("005930", "삼성전자", "Samsung Electronics", "KOSPI", "반도체", 72000),
    ("000660", "SK하이닉스", "SK hynix", "KOSPI", "반도체", 180000),
    ("373220", "LG에너지솔루션", "LG Energy Solution", "KOSPI", "2차전지", 380000),
    ("207940", "삼성바이오로직스", "Samsung Biologics", "KOSPI", "바이오", 800000),
    ("005380", "현대차", "Hyundai Motor", "KOSPI", "자동차", 240000),
    ("000270", "기아", "Kia", "KOSPI", "자동차", 100000),
    ("068270", "셀트리온", "Celltrion", "KOSPI", "바이오", 180000),
    ("035420", "NAVER", "NAVER", "KOSPI", "인터넷", 190000),
    ("035720", "카카오", "Kakao", "KOSPI", "인터넷", 45000),
    ("051910", "LG화학", "LG Chem", "KOSPI", "화학", 380000),
    ("006400", "삼성SDI", "Samsung SDI", "KOSPI", "2차전지", 400000),
    ("005490", "POSCO홀딩스", "POSCO Holdings", "KOSPI", "철강", 400000),
    ("105560", "KB금융", "KB Financial Group", "KOSPI", "금융", 70000),
    ("055550", "신한지주", "Shinhan Financial Group", "KOSPI", "금융", 45000),
    ("028260", "삼성물산", "Samsung C&T", "KOSPI", "유통", 140000),
    ("012330", "현대모비스", "Hyundai Mobis", "KOSPI", "자동차부품", 230000),
    ("247540", "에코프로비엠", "Ecopro BM", "KOSDAQ", "2차전지", 250000),
    ("086520", "에코프로", "Ecopro", "KOSDAQ", "2차전지", 90000),
    ("196170", "알테오젠", "Alteogen", "KOSDAQ", "바이오", 200000),
    ("263750", "펄어비스", "Pearl Abyss", "KOSDAQ", "게임", 35000),
    ("293490", "카카오게임즈", "Kakao Games", "KOSDAQ", "게임", 22000),
]
STRATEGIES = ("momentum", "mean_reversion", "pairs_kospi")
# code, name, KIS account number, its strategies, commission rate on KRX and on Nextrade
ACCOUNTS = [
    ("MAIN", "Main", "12345678-01", ("momentum", "mean_reversion"), "0.00015", "0.00012"),
    ("PAIRS", "Pairs", "87654321-01", ("pairs_kospi",), "0.0001", "0.00008"),
]
NXT_SHARE = 0.3  # of the fills, executed on Nextrade
CAPITAL = Decimal(100_000_000)  # per strategy, KRW
SESSION_OPEN = dt.time(9, 0)
DAILY_SESSIONS = 250
MINUTE_SESSIONS = 5
TRADING_SESSIONS = 60
SEED = 20240101


def on_tick(price: float, rounding=None) -> Decimal:
    if rounding is None:
        return to_tick(Decimal(f"{price:.4f}"))
    return to_tick(Decimal(f"{price:.4f}"), rounding=rounding)


def sessions(now: dt.datetime, count: int) -> list[dt.date]:
    """The last `count` KRX sessions that have closed by `now`."""
    last = krx.last_closed(now).date
    days = krx.sessions(last - dt.timedelta(days=count * 7 // 5 + 30), last)
    return [s.date for s in days[-count:]]


def daily_bars(rng, symbol, start_price, days):
    bars, close = [], float(start_price)
    for day in days:
        open_ = close * math.exp(rng.gauss(0, 0.005))
        close = open_ * math.exp(rng.gauss(0.0003, 0.018))
        o, c = on_tick(open_), on_tick(close)
        high = on_tick(float(max(o, c)) * (1 + abs(rng.gauss(0, 0.008))), ROUND_CEILING)
        low = on_tick(float(min(o, c)) * (1 - abs(rng.gauss(0, 0.008))), ROUND_FLOOR)
        close = float(c)
        bars.append(
            MarketData(
                time=dt.datetime.combine(day, dt.time(), KST),
                symbol=symbol,
                interval_type=Interval.DAY,
                open=o,
                high=high,
                low=low,
                close=c,
                volume=rng.randint(200_000, 20_000_000),
            )
        )
    return bars


def minute_bars(rng, day_bar, times):
    """1-minute bars at `times` that stay inside the day's range and end at its close."""
    low, high = float(day_bar.low), float(day_bar.high)
    start, end = float(day_bar.open), float(day_bar.close)
    bars, price, walk = [], start, 0.0
    for n, time in enumerate(times):
        walk += rng.gauss(0, 0.0015)
        weight = (n + 1) / len(times)
        target = start + (end - start) * weight
        close = min(high, max(low, target * math.exp(walk * (1 - weight))))
        o, c = on_tick(price), on_tick(close)
        if n == len(times) - 1:
            c = day_bar.close
        bars.append(
            MarketData(
                time=time,
                symbol=day_bar.symbol,
                interval_type=Interval.MIN_1,
                open=o,
                high=max(o, c),
                low=min(o, c),
                close=c,
                volume=rng.randint(500, 50_000),
            )
        )
        price = float(c)
    return bars


def accounts(first_day) -> dict[str, Account]:
    """The demo accounts with their commission schedules, by strategy."""
    by_strategy = {}
    # The first demo account takes over the empty default account the migration made.
    default = Account.objects.filter(code=DEFAULT_ACCOUNT).first()
    for code, name, number, strategies, krx_rate, nxt_rate in ACCOUNTS:
        account = default or Account()
        default = None
        account.code, account.name, account.broker, account.number = code, name, "KIS", number
        account.save()
        CommissionSchedule.objects.bulk_create(
            CommissionSchedule(account=account, venue=venue, valid_from=first_day, rate=rate)
            for venue, rate in ((Venue.KRX, Decimal(krx_rate)), (Venue.NXT, Decimal(nxt_rate)))
        )
        by_strategy |= dict.fromkeys(strategies, account)
    return by_strategy


def trades(rng, days, closes, accounts):
    """Fills of three strategies over the last sessions; sells never exceed holdings."""
    held: dict[tuple[str, str], int] = {}
    fills = []
    venues = random.Random(SEED + 1)  # apart, so that the prices and fills stay as they were
    for day in days:
        # In time order, so that a sell never comes before the buy it sells from.
        seconds = sorted(rng.randint(60, 6 * 3600 + 19 * 60) for _ in range(rng.randint(2, 6)))
        for second in seconds:
            strategy = rng.choice(STRATEGIES)
            symbol = rng.choice(STOCKS)[0]
            price = on_tick(float(closes[symbol, day]) * (1 + rng.gauss(0, 0.004)))
            holding = held.get((strategy, symbol), 0)
            if holding and rng.random() < 0.45:
                side, quantity = Side.SELL, rng.choice([holding, max(1, holding // 2)])
            else:
                side = Side.BUY
                quantity = max(1, int(rng.uniform(2_000_000, 10_000_000) / float(price)))
            held[strategy, symbol] = holding + (quantity if side == Side.BUY else -quantity)
            fills.append(
                Trade(
                    account=accounts[strategy],
                    venue=Venue.NXT if venues.random() < NXT_SHARE else Venue.KRX,
                    symbol=symbol,
                    side=side,
                    quantity=quantity,
                    price=price,
                    strategy=strategy,
                    broker_order_id=f"{rng.randint(0, 99_999_999):010d}",
                    executed_at=dt.datetime.combine(day, SESSION_OPEN, KST)
                    + dt.timedelta(seconds=second),
                )
            )
    fills.sort(key=lambda t: t.executed_at)
    return fills


def charge(fills):
    """Charge each fill what its account's schedule and the tax in force on its settlement
    date say, except one sell, charged the 2024 KOSDAQ rate (0.18 %) so that the check has
    something to show."""
    assessing.assess(fills)
    for trade in fills:
        trade.commission, trade.tax = trade.expected_commission, trade.expected_tax
        trade.charges_differ = False
    wrong = next(
        (t for t in reversed(fills) if t.side == Side.SELL and t.expected_special_tax == 0),
        None,
    )
    if wrong is not None:
        wrong.tax = (wrong.quantity * wrong.price * Decimal("0.0018")).quantize(Decimal(1))
        wrong.charges_differ = assessing.differs(wrong.tax, wrong.expected_tax)


def drawdown_series(values):
    peak, out = values[0], []
    for v in values:
        peak = max(peak, v)
        out.append((peak - v) / peak if peak else 0.0)
    return out


def performance(rng, days, fills):
    rows = []
    for strategy in STRATEGIES:
        returns, equity = [], [float(CAPITAL)]
        for day in days:
            r = rng.gauss(0.0006, 0.011)
            returns.append(r)
            equity.append(equity[-1] * (1 + r))
            mean = sum(returns) / len(returns)
            sd = (
                math.sqrt(sum((x - mean) ** 2 for x in returns) / (len(returns) - 1))
                if len(returns) > 1
                else 0
            )
            count = sum(1 for t in fills if t.strategy == strategy and t.executed_at.date() == day)
            rows.append(
                StrategyPerformance(
                    strategy=strategy,
                    date=day,
                    daily_return=Decimal(f"{r:.8f}"),
                    pnl=Decimal(f"{equity[-1] - equity[-2]:.2f}"),
                    trade_count=count,
                    win_rate=Decimal(f"{rng.uniform(0.35, 0.7):.4f}") if count else None,
                    sharpe_ratio=Decimal(f"{mean / sd * math.sqrt(252):.4f}") if sd else None,
                    max_drawdown=Decimal(f"{max(drawdown_series(equity[1:])):.6f}"),
                )
            )
    return rows


def risk(rng, days):
    value, values, rows = 3e8, [], []
    for day in days:
        value *= math.exp(rng.gauss(0.0004, 0.009))
        values.append(value)
        exposure = value * rng.uniform(0.55, 0.85)
        sigma = 0.009 * exposure
        rows.append(
            RiskMetric(
                timestamp=dt.datetime.combine(day, dt.time(15, 40), KST),
                portfolio_value=Decimal(f"{value:.2f}"),
                cash=Decimal(f"{value - exposure:.2f}"),
                gross_exposure=Decimal(f"{exposure:.2f}"),
                var_95=Decimal(f"{1.645 * sigma:.2f}"),
                var_99=Decimal(f"{2.326 * sigma:.2f}"),
                max_drawdown=Decimal(f"{max(drawdown_series(values)):.6f}"),
            )
        )
    return rows


LOG_LINES = [
    (Level.INFO, "collector", "Subscribed to real-time quotes", lambda r: {"symbols": 21}),
    (
        Level.INFO,
        "broker.kis",
        "Order filled",
        lambda r: {"order_id": f"{r.randint(0, 99_999_999):010d}"},
    ),
    (
        Level.INFO,
        "strategy.momentum",
        "Signal evaluated",
        lambda r: {"symbol": r.choice(STOCKS)[0]},
    ),
    (Level.DEBUG, "scheduler", "Heartbeat", lambda r: {}),
    (
        Level.WARNING,
        "collector",
        "Quote feed lagging",
        lambda r: {"latency_ms": r.randint(800, 4000)},
    ),
    (
        Level.WARNING,
        "risk",
        "Exposure above 80% of limit",
        lambda r: {"exposure": round(r.uniform(0.8, 0.95), 3)},
    ),
    (
        Level.ERROR,
        "broker.kis",
        "Order rejected: insufficient buying power",
        lambda r: {"code": "APBK0919"},
    ),
    (Level.ERROR, "collector", "WebSocket disconnected", lambda r: {"retry_in_s": 5}),
    (Level.CRITICAL, "broker.kis", "Access token refresh failed", lambda r: {"status": 500}),
]
LOG_WEIGHTS = [30, 30, 25, 20, 6, 4, 3, 2, 1]


def logs(rng, now, count=600):
    rows = []
    for _ in range(count):
        level, component, message, extra = rng.choices(LOG_LINES, LOG_WEIGHTS)[0]
        rows.append(
            SystemLog(
                timestamp=now - dt.timedelta(seconds=rng.randint(0, 7 * 86400)),
                level=level,
                component=component,
                message=message,
                extra=extra(rng),
            )
        )
    return rows


def is_loaded() -> bool:
    return StockMetadata.objects.exists() or MarketData.objects.exists() or Trade.objects.exists()


@transaction.atomic
def seed(reports_dir=None) -> dict[str, int]:
    """Write the demo data set; returns rows written per table. The broker reports the
    reconciliations read are also written to `reports_dir`, when given."""
    rng = random.Random(SEED)
    # Sessions that have closed, so that every fill and bar lies in the past.
    daily_days = sessions(timezone.now(), DAILY_SESSIONS)
    StockMetadata.objects.bulk_create(
        StockMetadata(symbol=s, name=n, name_en=e, market=m, sector=sec)
        for s, n, e, m, sec, _ in STOCKS
    )
    # The minutes in which QB_SESSIONS expects trading.
    minutes = {
        s.date: s.slots(dt.timedelta(minutes=1))
        for s in krx.sessions(daily_days[-MINUTE_SESSIONS], daily_days[-1])
    }
    bars, closes = [], {}
    for symbol, *_, price in STOCKS:
        days = daily_bars(rng, symbol, price, daily_days)
        bars += days
        closes |= {(symbol, b.time.date()): b.close for b in days}
        for day_bar in days[-MINUTE_SESSIONS:]:
            bars += minute_bars(rng, day_bar, minutes[day_bar.time.date()])
    MarketData.objects.bulk_create(bars, batch_size=5000)
    trading_days = daily_days[-TRADING_SESSIONS:]
    by_strategy = accounts(trading_days[0])
    fills = trades(rng, trading_days, closes, by_strategy)
    charge(fills)
    Trade.objects.bulk_create(fills)
    positions.rebuild(as_of=timezone.now())
    runs = demo_reports.reconcile_demo(
        sorted(set(by_strategy.values()), key=lambda a: a.code), reports_dir
    )
    demo_books.seed(sorted(set(by_strategy.values()), key=lambda a: a.code), reports_dir)
    perf = StrategyPerformance.objects.bulk_create(
        performance(rng, daily_days[-TRADING_SESSIONS:], fills)
    )
    metrics = RiskMetric.objects.bulk_create(risk(rng, daily_days[-TRADING_SESSIONS:]))
    lines = SystemLog.objects.bulk_create(logs(rng, timezone.now()), batch_size=1000)
    return {
        "stocks": len(STOCKS),
        "accounts": len(ACCOUNTS),
        "bars": len(bars),
        "trades": len(fills),
        "reconciliations": len(runs),
        "strategy days": len(perf),
        "risk metrics": len(metrics),
        "system logs": len(lines),
    }
