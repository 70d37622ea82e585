"""What an account (or the whole book) returned over a period, from its stored NAV.

- A deposit or withdrawal (the day's `flow`) counts at the START of its session: the day's
  return is NAV_d / (NAV_{d-1} + flow_d) - 1, so money that arrives is there for the whole
  day, and an account's first day has a base (its first deposit). A period's return is
  measured from the NAV at the start of its first day: the previous session's close.
  A day whose base is zero or less (everything withdrawn) has no return and chains as 0.
- Time-weighted return (TWR, GIPS): the daily returns chained, (1 + r_1)...(1 + r_n) - 1.
  Deposits and withdrawals do not count as performance.
- Money-weighted return (MWR): the XIRR (pyxirr) of the NAV at the start (paid in on the
  previous session's date), each day's flow (paid in on its date) and the NAV at the end
  (paid out on the last day): an annual rate, as XIRR gives it; `mwr_period` is the same
  rate over the period's calendar days.
- From the chained returns (the growth of 1 won, so that flows are no drawdown): the
  largest fall from a peak and how many sessions it lasted until recovered (or so far);
  volatility = sample standard deviation of daily returns x sqrt(252); Sharpe = mean /
  standard deviation x sqrt(252) and Sortino = mean / downside deviation x sqrt(252), with
  no risk-free rate; Calmar = annualised TWR ((1 + TWR)^(252 / sessions) - 1) / max
  drawdown; best and worst day; each calendar month's chained return.
- Dividends apart from price gains: the period's dividends (gross, withheld, net) by pay
  date, and the price return: the TWR chained with each day's net dividend taken out of
  that day's NAV (as if paid out, then put back for the next day), so that
  `price_return` + `dividend_return` = TWR. The fall of the price on the ex date is price;
  the cash arrives on the pay date, as KIS shows it.
- Costs: commission and tax of the period's fills as a share of their traded value.
- Benchmark: an index from our own daily bars (1001 KOSPI, 2001 KOSDAQ, 1028 KOSPI 200),
  its close on the last day over its close on the session before the first, and the
  excess return TWR - benchmark.
Returns are fractions (0.0123 = 1.23 %), money in won.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pyxirr
from django.db.models import DecimalField, ExpressionWrapper, F, Max, Sum

from marketdata.models import Interval, MarketData
from marketdata.sessions import KST
from trading.models import Trade
from trading.models.books import DIVIDEND_KINDS, AccountNav, CashKind, CashMovement

ZERO, ONE = Decimal(0), Decimal(1)
SESSIONS_A_YEAR = 252
KOSPI = "1001"


class ReturnsError(ValueError):
    """Returns that cannot be computed (no NAV, a NAV that stops early)."""


@dataclass
class Day:
    date: dt.date
    cash: Decimal
    cash_settled: Decimal
    market_value: Decimal
    nav: Decimal
    flow: Decimal
    ret: Decimal | None = None

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "cash": float(self.cash),
            "cash_settled": float(self.cash_settled),
            "market_value": float(self.market_value),
            "nav": float(self.nav),
            "flow": float(self.flow),
            "return": None if self.ret is None else float(self.ret),
        }


@dataclass
class Drawdown:
    depth: float = 0.0
    peak: dt.date | None = None
    trough: dt.date | None = None
    recovered: dt.date | None = None
    sessions: int = 0  # from the peak to the recovery, or to the end when not recovered


@dataclass
class Returns:
    accounts: list[str]
    start: dt.date
    end: dt.date
    start_nav: Decimal
    days: list[Day]
    base_date: dt.date  # the session before the first day: where the period starts from
    twr: Decimal | None = None
    mwr: float | None = None
    mwr_period: float | None = None
    drawdown: Drawdown = field(default_factory=Drawdown)
    statistics: dict = field(default_factory=dict)
    monthly: list[tuple[int, int, Decimal]] = field(default_factory=list)
    costs: dict = field(default_factory=dict)
    benchmark: dict = field(default_factory=dict)
    dividends: dict = field(default_factory=dict)
    price_return: Decimal | None = None

    @property
    def dividend_return(self) -> Decimal | None:
        if self.twr is None or self.price_return is None:
            return None
        return self.twr - self.price_return

    @property
    def account(self) -> str | None:
        return self.accounts[0] if len(self.accounts) == 1 else None

    def as_json(self) -> dict:
        def number(value):
            return None if value is None else float(value)

        return {
            "account": self.account,
            "accounts": self.accounts,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "twr": number(self.twr),
            "mwr": self.mwr,
            "max_drawdown": self.drawdown.depth,
            "benchmark": self.benchmark,
            "days": [d.as_json() for d in self.days],
            "mwr_period": self.mwr_period,
            "drawdown": {
                "depth": self.drawdown.depth,
                "peak": _iso(self.drawdown.peak),
                "trough": _iso(self.drawdown.trough),
                "recovered": _iso(self.drawdown.recovered),
                "sessions": self.drawdown.sessions,
            },
            "statistics": self.statistics,
            "monthly": [
                {"month": f"{y:04d}-{m:02d}", "return": float(r)} for y, m, r in self.monthly
            ],
            "costs": self.costs,
            "start_nav": float(self.start_nav),
            "price_return": number(self.price_return),
            "dividend_return": number(self.dividend_return),
            "dividends": {k: float(v) for k, v in self.dividends.items()},
        }


def _iso(day):
    return day.isoformat() if day else None


def daily_return(nav: Decimal, previous: Decimal, flow: Decimal) -> Decimal | None:
    base = previous + flow
    if base <= 0:
        return None
    return nav / base - ONE


def chained(returns) -> Decimal:
    growth = ONE
    for r in returns:
        growth *= ONE + (r or ZERO)
    return growth - ONE


def xirr(payments: list[tuple[dt.date, Decimal]]) -> float | None:
    """The annual rate at which the payments (paid in negative, paid out positive) are
    worth nothing today; None when there is none (all one sign, one date)."""
    payments = [(d, float(a)) for d, a in payments if a]
    if len({d for d, _ in payments}) < 2:
        return None
    try:
        rate = pyxirr.xirr([d for d, _ in payments], [a for _, a in payments])
    except (pyxirr.InvalidPaymentsError, ValueError, OverflowError):
        return None
    return None if rate is None or not math.isfinite(rate) else rate


def navs(account_ids, *, start: dt.date | None, end: dt.date | None):
    """The stored NAV of the accounts, summed per session, from `start` to `end`, and the
    NAV at the end of the session before `start` (and its date)."""
    rows = AccountNav.objects.filter(account_id__in=account_ids)
    ends = dict(
        rows.order_by()
        .values("account_id")
        .annotate(last=Max("date"))
        .values_list("account_id", "last")
    )
    if not ends:
        raise ReturnsError("no NAV is stored: run manage.py compute_nav first")
    end = end or max(ends.values())
    short = sorted((d, a) for a, d in ends.items() if d < end)
    if short:
        raise ReturnsError(
            f"the NAV stops at {short[0][0]} for some accounts, before {end}: "
            "run manage.py compute_nav for them"
        )
    start = start or rows.order_by("date").values_list("date", flat=True).first()
    before = rows.filter(date__lt=start).order_by("-date").values_list("date", flat=True).first()
    start_nav = ZERO
    if before is not None:
        start_nav = rows.filter(date=before).aggregate(n=Sum("nav"))["n"] or ZERO
    summed = (
        rows.filter(date__gte=start, date__lte=end)
        .values("date")
        .annotate(
            cash=Sum("cash"),
            cash_settled=Sum("cash_settled"),
            market_value=Sum("market_value"),
            nav=Sum("nav"),
            flow=Sum("flow"),
        )
        .order_by("date")
    )
    days = [Day(**row) for row in summed]
    if not days:
        raise ReturnsError(f"no NAV from {start} to {end}")
    return days, start_nav, before or days[0].date - dt.timedelta(days=1), start, end


def _drawdown(days: list[Day], base_date: dt.date) -> Drawdown:
    """The largest fall of the growth of 1 won from a peak before it (the start counts as
    one), and the sessions from that peak to the recovery, or to the end."""
    growth = peak = 1.0
    peak_date, peak_index = base_date, -1
    worst, worst_peak_index = Drawdown(), -1
    for n, day in enumerate(days):
        growth *= 1 + float(day.ret or 0)
        if growth >= peak:
            if worst.depth and worst.recovered is None and worst_peak_index == peak_index:
                worst.recovered = day.date
                worst.sessions = n - peak_index
            peak, peak_date, peak_index = growth, day.date, n
        elif 1 - growth / peak > worst.depth:
            worst = Drawdown(1 - growth / peak, peak_date, day.date)
            worst_peak_index = peak_index
    if worst.depth and worst.recovered is None:
        worst.sessions = len(days) - 1 - worst_peak_index
    return worst


def _statistics(days: list[Day], twr: Decimal, drawdown: Drawdown) -> dict:
    values = [float(d.ret) for d in days if d.ret is not None]
    found = {"sessions": len(days), "volatility": None, "sharpe": None, "sortino": None}
    annual = (1 + float(twr)) ** (SESSIONS_A_YEAR / len(days)) - 1 if days else None
    found["annualised_twr"] = annual
    if len(values) >= 2:
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
        downside = math.sqrt(sum(min(v, 0) ** 2 for v in values) / len(values))
        scale = math.sqrt(SESSIONS_A_YEAR)
        found["volatility"] = sd * scale
        found["sharpe"] = mean / sd * scale if sd else None
        found["sortino"] = mean / downside * scale if downside else None
    found["calmar"] = annual / drawdown.depth if drawdown.depth and annual is not None else None
    rated = [d for d in days if d.ret is not None]
    best = max(rated, key=lambda d: d.ret, default=None)
    worst = min(rated, key=lambda d: d.ret, default=None)
    found["best_day"] = {"date": best.date.isoformat(), "return": float(best.ret)} if best else None
    found["worst_day"] = (
        {"date": worst.date.isoformat(), "return": float(worst.ret)} if worst else None
    )
    return found


def _monthly(days: list[Day]) -> list[tuple[int, int, Decimal]]:
    months = defaultdict(list)
    for day in days:
        months[day.date.year, day.date.month].append(day.ret)
    return [(y, m, chained(rs)) for (y, m), rs in sorted(months.items())]


def costs(account_ids, start: dt.date, end: dt.date) -> dict:
    """Commission and tax of the fills of the period against their traded value; other
    fees of the ledger beside."""
    since = dt.datetime.combine(start, dt.time(), KST)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), KST)
    amount = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField())
    found = Trade.objects.filter(
        account_id__in=account_ids, executed_at__gte=since, executed_at__lt=until
    ).aggregate(traded=Sum(amount), commission=Sum("commission"), tax=Sum("tax"))
    fees = CashMovement.objects.filter(
        account_id__in=account_ids, kind=CashKind.FEE, trade_date__range=(start, end)
    ).aggregate(f=Sum("amount"))["f"]
    traded = found["traded"] or ZERO
    commission, tax = found["commission"] or ZERO, found["tax"] or ZERO
    return {
        "traded": float(traded),
        "commission": float(commission),
        "tax": float(tax),
        "other_fees": float(-(fees or ZERO)),
        "commission_share": float(commission / traded) if traded else None,
        "tax_share": float(tax / traded) if traded else None,
        "cost_share": float((commission + tax) / traded) if traded else None,
    }


def dividends(account_ids, start: dt.date, end: dt.date) -> tuple[dict, dict]:
    """The period's dividends (gross, withheld, net) and the net paid on each day."""
    rows = (
        CashMovement.objects.filter(
            account_id__in=account_ids, kind__in=DIVIDEND_KINDS, trade_date__range=(start, end)
        )
        .values("trade_date", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    totals = {"gross": ZERO, "withheld": ZERO}
    per_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for row in rows:
        part = "gross" if row["kind"] == CashKind.DIVIDEND else "withheld"
        totals[part] += row["total"] if part == "gross" else -row["total"]
        per_day[row["trade_date"]] += row["total"]
    totals["net"] = totals["gross"] - totals["withheld"]
    return totals, per_day


def index_closes(symbol: str, start: dt.date, end: dt.date) -> dict[dt.date, Decimal]:
    rows = MarketData.objects.filter(
        symbol=symbol,
        interval_type=Interval.DAY,
        time__gte=dt.datetime.combine(start, dt.time(), KST),
        time__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), KST),
    ).values_list("time", "close")
    return {t.astimezone(KST).date(): c for t, c in rows}


def _close_on_or_before(symbol: str, day: dt.date):
    bar = (
        MarketData.objects.filter(
            symbol=symbol,
            interval_type=Interval.DAY,
            time__lt=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), KST),
        )
        .order_by("-time")
        .values_list("time", "close")
        .first()
    )
    return (bar[0].astimezone(KST).date(), bar[1]) if bar else (None, None)


def benchmark(symbol: str, base_date: dt.date, end: dt.date, twr) -> dict:
    """The index's return from the close of `base_date` to that of `end`, and the excess."""
    base = _close_on_or_before(symbol, base_date)
    last = _close_on_or_before(symbol, end)
    found = {"symbol": symbol, "return": None, "excess": None}
    if base[1] is None or last[1] is None or last[0] <= base_date:
        found["note"] = f"no daily bars of {symbol} around {base_date} and {end}"
        return found
    value = last[1] / base[1] - ONE
    found["return"] = float(value)
    if twr is not None:
        found["excess"] = float(twr - value)
    return found


def returns_of(
    *,
    accounts,
    start: dt.date | None = None,
    end: dt.date | None = None,
    benchmark_symbol: str = KOSPI,
) -> Returns:
    """The returns of `accounts` (Account objects) together over the period; the whole
    period stored when no dates are given."""
    account_ids = [a.pk for a in accounts]
    days, start_nav, base_date, start, end = navs(account_ids, start=start, end=end)
    previous = start_nav
    for day in days:
        day.ret = daily_return(day.nav, previous, day.flow)
        previous = day.nav
    found = Returns(
        accounts=[a.code for a in accounts],
        start=start,
        end=end,
        start_nav=start_nav,
        days=days,
        base_date=base_date,
    )
    found.twr = chained(d.ret for d in days)
    found.dividends, paid = dividends(account_ids, start, end)
    previous, price_only = start_nav, []
    for day in days:
        price_only.append(daily_return(day.nav - paid.get(day.date, ZERO), previous, day.flow))
        previous = day.nav
    found.price_return = chained(price_only)
    payments = [(base_date, -start_nav)] if start_nav else []
    payments += [(d.date, -d.flow) for d in days if d.flow]
    payments.append((end, days[-1].nav))
    found.mwr = xirr(payments)
    if found.mwr is not None:
        first_paid = min(d for d, a in payments if a)
        found.mwr_period = (1 + found.mwr) ** ((end - first_paid).days / 365) - 1
    found.drawdown = _drawdown(days, base_date)
    found.statistics = _statistics(days, found.twr, found.drawdown)
    found.monthly = _monthly(days)
    found.costs = costs(account_ids, start, end)
    found.benchmark = benchmark(benchmark_symbol, base_date, end, found.twr)
    return found
