"""Portfolio risk at a moment: value, exposure, historical VaR and drawdown.

- Holdings are the positions recomputed from the trades up to the moment, valued at the
  newest close known then; portfolio value = cash + their market value.
- One-day historical VaR: the current holdings are revalued with each of the last
  `lookback` daily returns of their symbols (dates where every held symbol has a close);
  VaR at p is the loss at the (1 - p) quantile of those P&Ls, linear interpolation between
  order statistics (numpy's default), never below 0.
- Max drawdown: of the portfolio value series over the same dates, the current holdings
  revalued at each day's closes plus cash.
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from marketdata.models import Interval
from marketdata.prices import latest_closes
from marketdata.sessions import KST, MARKET_TIME_ZONE
from trading.models import RiskMetric
from trading.positions import recompute

ZERO = Decimal(0)


@dataclass
class Risk:
    account: object  # an Account, or None for every account together
    as_of: dt.datetime
    cash: Decimal
    cash_source: str
    holdings: dict[str, Decimal]  # symbol -> market value
    var_95: Decimal
    var_99: Decimal
    max_drawdown: float
    scenarios: int  # daily returns used

    @property
    def gross_exposure(self) -> Decimal:
        return sum((abs(v) for v in self.holdings.values()), ZERO)

    @property
    def portfolio_value(self) -> Decimal:
        return self.cash + sum(self.holdings.values(), ZERO)

    @property
    def largest_weight(self) -> tuple[str, float] | None:
        if not self.holdings or self.portfolio_value <= 0:
            return None
        symbol = max(self.holdings, key=lambda s: self.holdings[s])
        return symbol, float(self.holdings[symbol] / self.portfolio_value)


def quantile(values: list[float], q: float) -> float:
    """The q-quantile with linear interpolation between order statistics."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def daily_closes(symbols, as_of: dt.datetime, lookback: int) -> list[tuple[dt.date, dict]]:
    """The last lookback + 1 dates on which every symbol has a daily close, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (time AT TIME ZONE %s)::date, symbol, close FROM market_data
            WHERE interval_type = %s AND symbol = ANY(%s) AND time <= %s
              AND time > %s::timestamptz - %s * interval '2 days' - interval '30 days'
            ORDER BY time
            """,
            [MARKET_TIME_ZONE, Interval.DAY, list(symbols), as_of, as_of, lookback],
        )
        by_date: dict[dt.date, dict] = {}
        for day, symbol, close in cursor.fetchall():
            by_date.setdefault(day, {})[symbol] = close
    complete = [(d, c) for d, c in sorted(by_date.items()) if len(c) == len(symbols)]
    return complete[-(lookback + 1) :]


def latest_cash(as_of: dt.datetime, account=None) -> Decimal | None:
    latest = (
        RiskMetric.objects.filter(timestamp__lte=as_of, account=account)
        .order_by("-timestamp")
        .first()
    )
    return latest.cash if latest else None


def compute(
    *, as_of: dt.datetime, lookback: int, cash: Decimal, cash_source: str, account=None
) -> Risk:
    """Risk of one account's holdings, or (account None) of every account's together."""
    accounts = None if account is None else [account.pk]
    positions: dict[str, int] = {}
    for (_, symbol), fields in recompute(as_of=as_of, accounts=accounts).items():
        if fields["quantity"]:
            positions[symbol] = positions.get(symbol, 0) + fields["quantity"]
    quotes = latest_closes(positions, as_of)
    quantities = {s: q for s, q in positions.items() if s in quotes}
    holdings = {s: quotes[s].close * q for s, q in quantities.items()}
    history = daily_closes(quantities, as_of, lookback) if quantities else []

    pnls = []
    for (_, before), (_, after) in itertools.pairwise(history):
        pnls.append(sum(float(holdings[s]) * (float(after[s] / before[s]) - 1) for s in holdings))
    var_95 = var_99 = ZERO
    if pnls:
        var_95 = Decimal(max(0.0, -quantile(pnls, 0.05))).quantize(Decimal("0.01"))
        var_99 = Decimal(max(0.0, -quantile(pnls, 0.01))).quantize(Decimal("0.01"))

    peak, worst = None, 0.0
    for _, closes in history:
        value = float(cash) + sum(float(closes[s]) * q for s, q in quantities.items())
        peak = value if peak is None else max(peak, value)
        if peak > 0:
            worst = max(worst, (peak - value) / peak)
    return Risk(
        account=account,
        as_of=as_of,
        cash=cash,
        cash_source=cash_source,
        holdings=holdings,
        var_95=var_95,
        var_99=max(var_99, var_95),
        max_drawdown=worst,
        scenarios=len(pnls),
    )


def store(risk: Risk) -> RiskMetric:
    metric, _ = RiskMetric.objects.update_or_create(
        account=risk.account,
        timestamp=risk.as_of,
        defaults={
            "portfolio_value": risk.portfolio_value.quantize(Decimal("0.01")),
            "cash": risk.cash.quantize(Decimal("0.01")),
            "gross_exposure": risk.gross_exposure.quantize(Decimal("0.01")),
            "var_95": risk.var_95,
            "var_99": risk.var_99,
            "max_drawdown": Decimal(f"{risk.max_drawdown:.6f}"),
        },
    )
    return metric


def describe(risk: Risk) -> str:
    largest = risk.largest_weight
    whose = f"Account {risk.account.code}" if risk.account else "All accounts"
    parts = [
        f"{whose}, as of {risk.as_of.astimezone(KST):%Y-%m-%d %H:%M %Z}: portfolio value "
        f"{risk.portfolio_value:,.0f} KRW (cash {risk.cash:,.0f} from {risk.cash_source})",
        f"gross exposure {risk.gross_exposure:,.0f}",
        f"largest position {largest[0]} {largest[1]:.1%}" if largest else "no positions",
        f"1-day VaR 95% {risk.var_95:,.0f}, 99% {risk.var_99:,.0f} from {risk.scenarios} days",
        f"max drawdown {risk.max_drawdown:.2%}",
    ]
    return ", ".join(parts) + "."
