"""Daily strategy performance from the trades and the market data.

Per strategy and KRX session:
- PnL = realized PnL of the day (net of commission and tax) + change in unrealized PnL,
  the holdings marked at the newest close known at the session's close;
- daily return = PnL / the strategy's capital;
- win rate = winning round trips / round trips closed that day, where a round trip runs
  from flat to flat in one symbol and its PnL is the sum of its trades' realized PnL;
- Sharpe ratio = mean / standard deviation (n-1) of the daily returns so far in the window,
  times sqrt(252);
- max drawdown = largest fall of equity (capital + cumulative PnL) from its peak, as a
  fraction of the peak, so far in the window.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from marketdata.prices import latest_closes
from marketdata.sessions import KST, sessions
from trading.models import StrategyPerformance, Trade
from trading.positions import trades_in_order
from trading.positions.accounting import Holding

ZERO = Decimal(0)
TRADING_DAYS = 252


@dataclass
class Day:
    date: dt.date
    pnl: Decimal
    daily_return: Decimal
    trade_count: int
    round_trips: int
    wins: int
    sharpe: float | None
    max_drawdown: float

    @property
    def win_rate(self) -> Decimal | None:
        return Decimal(self.wins) / self.round_trips if self.round_trips else None


@dataclass
class Report:
    strategy: str
    capital: Decimal
    days: list[Day] = field(default_factory=list)
    trips: list[Decimal] = field(default_factory=list)  # PnL of round trips closed in the window
    drawdown_start: dt.date | None = None
    drawdown_end: dt.date | None = None
    unpriced: set[str] = field(default_factory=set)  # held symbols without any close

    @property
    def pnl(self) -> Decimal:
        return sum((d.pnl for d in self.days), ZERO)

    @property
    def profit_factor(self) -> float | None:
        gains = sum(p for p in self.trips if p > 0)
        losses = -sum(p for p in self.trips if p < 0)
        return float(gains / losses) if losses else None

    @property
    def expectancy(self) -> Decimal | None:
        return sum(self.trips, ZERO) / len(self.trips) if self.trips else None


class _Book:
    """Holdings of one strategy, per (account id, symbol), with round-trip tracking."""

    def __init__(self):
        self.holdings: dict[tuple[int, str], Holding] = {}
        self.trip_pnl: dict[tuple[int, str], Decimal] = {}

    @property
    def realized(self) -> Decimal:
        return sum((h.realized_pnl for h in self.holdings.values()), ZERO)

    def apply(self, trade) -> Decimal | None:
        """Apply a fill; returns the round trip's PnL when it closes one."""
        key = (trade.account_id, trade.symbol)
        holding = self.holdings.setdefault(key, Holding(trade.symbol))
        before = holding.realized_pnl
        holding.apply(trade)
        self.trip_pnl[key] = self.trip_pnl.get(key, ZERO) + (holding.realized_pnl - before)
        if holding.quantity == 0:
            return self.trip_pnl.pop(key)
        return None

    @property
    def held(self) -> set[str]:
        return {h.symbol for h in self.holdings.values() if h.quantity}

    def unrealized(self, closes, unpriced) -> Decimal:
        total = ZERO
        for h in self.holdings.values():
            if not h.quantity:
                continue
            if h.symbol in closes:
                total += (closes[h.symbol].close - h.average_price) * h.quantity
            else:
                unpriced.add(h.symbol)
        return total


def _sharpe(returns: list[float]) -> float | None:
    if len(returns) < 2:
        return None
    mean = sum(returns) / len(returns)
    variance = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    return mean / math.sqrt(variance) * math.sqrt(TRADING_DAYS) if variance > 0 else None


def first_trade_date(strategy: str) -> dt.date | None:
    first = Trade.objects.filter(strategy=strategy).order_by("executed_at").first()
    return first.executed_at.astimezone(KST).date() if first else None


def compute(*, strategy: str, start: dt.date, end: dt.date, capital: Decimal) -> Report:
    report = Report(strategy=strategy, capital=capital)
    days = sessions(start, end)
    if not days:
        return report
    trades = iter(trades_in_order(until=days[-1].close, strategies=[strategy]))
    pending = next(trades, None)
    book = _Book()

    # Holdings carried into the window.
    while pending is not None and pending.executed_at < days[0].open:
        book.apply(pending)
        pending = next(trades, None)
    previous_unrealized = ZERO
    if book.held:
        before = sessions(start - dt.timedelta(days=15), start - dt.timedelta(days=1))
        if before:
            closes = latest_closes(book.held, before[-1].close)
            previous_unrealized = book.unrealized(closes, report.unpriced)

    equity = peak = capital
    peak_date, returns, worst = days[0].date, [], 0.0
    for session in days:
        realized_before = book.realized
        count, closed = 0, []
        while pending is not None and pending.executed_at <= session.close:
            trip = book.apply(pending)
            if trip is not None:
                closed.append(trip)
            count += 1
            pending = next(trades, None)
        unrealized = book.unrealized(latest_closes(book.held, session.close), report.unpriced)
        pnl = book.realized - realized_before + unrealized - previous_unrealized
        previous_unrealized = unrealized

        equity += pnl
        if equity > peak:
            peak, peak_date = equity, session.date
        drawdown = float((peak - equity) / peak) if peak > 0 else 0.0
        if drawdown > worst:
            worst = drawdown
            report.drawdown_start, report.drawdown_end = peak_date, session.date
        daily_return = pnl / capital
        returns.append(float(daily_return))
        report.trips += closed
        report.days.append(
            Day(
                date=session.date,
                pnl=pnl,
                daily_return=daily_return,
                trade_count=count,
                round_trips=len(closed),
                wins=sum(1 for t in closed if t > 0),
                sharpe=_sharpe(returns),
                max_drawdown=worst,
            )
        )
    return report


def _decimal(value, places):
    return None if value is None else Decimal(str(value)).quantize(Decimal(10) ** -places)


@transaction.atomic
def store(report: Report, *, since: dt.date | None = None) -> int:
    """Upsert the report's days (from `since` on) into StrategyPerformance by (strategy, date)."""
    rows = [
        StrategyPerformance(
            strategy=report.strategy,
            date=day.date,
            daily_return=_decimal(day.daily_return, 8),
            pnl=_decimal(day.pnl, 2),
            trade_count=day.trade_count,
            win_rate=_decimal(day.win_rate, 4),
            sharpe_ratio=_decimal(None if day.sharpe is None else round(day.sharpe, 4), 4),
            max_drawdown=_decimal(round(day.max_drawdown, 6), 6),
        )
        for day in report.days
        if since is None or day.date >= since
    ]
    StrategyPerformance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["strategy", "date"],
        update_fields=[
            "daily_return",
            "pnl",
            "trade_count",
            "win_rate",
            "sharpe_ratio",
            "max_drawdown",
        ],
    )
    return len(rows)
