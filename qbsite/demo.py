"""Demo data for a fresh back office: real KRX names, made-up but consistent numbers.

`seed()` runs the STEPS in order; each reads what the ones before it left in `Demo` and
returns the rows it wrote. The market comes first (qbsite/demo_market.py): the bars, from
a seeded random walk on KRX tick sizes, loaded through the loader. The fills are drawn
from those bars at moments their venue trades (qbsite/demo_fills.py), the positions and
the broker's reports (qbsite/demo_reports.py) from the fills, the system logs from the
fills too (qbsite/demo_logs.py), so every screen agrees with every other. Each step draws
from a random source of its own, seeded by its name: two runs on the same day give the
same rows, and a step added later changes none of the others.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from marketdata import sessions as krx
from marketdata.models import MarketData, StockMetadata
from marketdata.sessions import KST
from qbsite import demo_books, demo_fills, demo_logs, demo_market, demo_reports
from qbsite.demo_fills import STRATEGIES
from qbsite.demo_market import DemoError
from trading import positions
from trading.models import RiskMetric, StrategyPerformance, SystemLog, Trade

__all__ = ["KST", "STRATEGIES", "DemoError", "is_loaded", "seed", "sessions"]

CAPITAL = Decimal(100_000_000)  # per strategy, KRW
DAILY_SESSIONS = 250
MINUTE_SESSIONS = 5  # also the week the system logs cover
TRADING_SESSIONS = 60
SEED = 20240101


def sessions(now: dt.datetime, count: int) -> list[dt.date]:
    """The last `count` KRX sessions that have closed by `now`."""
    last = krx.last_closed(now).date
    days = krx.sessions(last - dt.timedelta(days=count * 7 // 5 + 30), last)
    return [s.date for s in days[-count:]]


@dataclass
class Demo:
    """What the steps share: when the seed runs, its sessions (oldest first), where the
    broker reports go, who ran it, and what the steps before made."""

    now: dt.datetime
    days: list[dt.date]
    reports_dir: Path | None = None
    os_user: str = ""
    market: demo_market.Market | None = None
    accounts: dict = field(default_factory=dict)  # strategy -> Account
    fills: list[Trade] = field(default_factory=list)

    @property
    def trading_days(self) -> list[dt.date]:
        return self.days[-TRADING_SESSIONS:]

    @property
    def minute_days(self) -> list[dt.date]:
        return self.days[-MINUTE_SESSIONS:]

    def random(self, step: str) -> random.Random:
        return random.Random(f"{SEED}:{step}")


def stocks(demo: Demo) -> dict[str, int]:
    """The market in memory, and the stocks with their market cap at its last close."""
    minute_sessions = krx.sessions(demo.minute_days[0], demo.minute_days[-1])
    demo.market = demo_market.make(
        demo.random("market"), days=demo.days, minute_sessions=minute_sessions
    )
    StockMetadata.objects.bulk_create(demo_market.stock_rows(demo.market))
    return {"stocks": len(demo_market.STOCKS)}


def accounts(demo: Demo) -> dict[str, int]:
    demo.accounts = demo_fills.accounts(demo.trading_days[0])
    return {"accounts": len(demo_fills.ACCOUNTS)}


def bars(demo: Demo) -> dict[str, int]:
    results = demo_market.load(demo.market, os_user=demo.os_user)
    return {"bars": sum(r.inserted for r in results)}


def trades(demo: Demo) -> dict[str, int]:
    """The fills, charged, and the positions they give."""
    demo.fills = demo_fills.trades(
        demo.random("fills"),
        days=demo.trading_days,
        market=demo.market,
        accounts=demo.accounts,
        now=demo.now,
    )
    demo_fills.charge(demo.fills)
    Trade.objects.bulk_create(demo.fills)
    positions.rebuild(as_of=demo.now)
    return {"trades": len(demo.fills)}


def reconciliations(demo: Demo) -> dict[str, int]:
    accounts = sorted(set(demo.accounts.values()), key=lambda a: a.code)
    return {"reconciliations": len(demo_reports.reconcile_demo(accounts, demo.reports_dir))}


def drawdown_series(values):
    peak, out = values[0], []
    for v in values:
        peak = max(peak, v)
        out.append((peak - v) / peak if peak else 0.0)
    return out


def performance(demo: Demo) -> dict[str, int]:
    rng, rows = demo.random("performance"), []
    counts: dict[tuple[str, dt.date], int] = {}
    for t in demo.fills:
        key = (t.strategy, t.executed_at.astimezone(KST).date())
        counts[key] = counts.get(key, 0) + 1
    for strategy in STRATEGIES:
        returns, equity = [], [float(CAPITAL)]
        for day in demo.trading_days:
            r = rng.gauss(0.0006, 0.011)
            returns.append(r)
            equity.append(equity[-1] * (1 + r))
            mean = sum(returns) / len(returns)
            sd = (
                math.sqrt(sum((x - mean) ** 2 for x in returns) / (len(returns) - 1))
                if len(returns) > 1
                else 0
            )
            count = counts.get((strategy, day), 0)
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
    return {"strategy days": len(StrategyPerformance.objects.bulk_create(rows))}


def risk(demo: Demo) -> dict[str, int]:
    rng, value, values, rows = demo.random("risk"), 3e8, [], []
    for day in demo.trading_days:
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
    return {"risk metrics": len(RiskMetric.objects.bulk_create(rows))}


def logs(demo: Demo) -> dict[str, int]:
    rows = demo_logs.logs(
        demo.random("logs"), days=demo.minute_days, fills=demo.fills, now=demo.now
    )
    return {"system logs": len(SystemLog.objects.bulk_create(rows, batch_size=1000))}


# In this order: each step reads what the ones before it made.
STEPS = (stocks, accounts, bars, trades, reconciliations, demo_books.step, performance, risk, logs)


def is_loaded() -> bool:
    return StockMetadata.objects.exists() or MarketData.objects.exists() or Trade.objects.exists()


@transaction.atomic
def seed(reports_dir: Path | None = None, *, os_user: str = "") -> dict[str, int]:
    """Write the demo data set; returns rows written per table. The broker reports the
    reconciliations read are also written to `reports_dir`, when given; `os_user` ran it
    (the load history names them). Raises DemoError."""
    now = timezone.now()
    # Sessions that have closed, so that every fill and bar lies in the past.
    demo = Demo(
        now=now, days=sessions(now, DAILY_SESSIONS), reports_dir=reports_dir, os_user=os_user
    )
    counts: dict[str, int] = {}
    for step in STEPS:
        counts |= step(demo)
    return counts
