"""KRX tick sizes and the daily price limit (sources: docs/accounts-and-fees.md).

- Tick sizes since 2023-01-25, the same on KOSPI, KOSDAQ and KONEX: below 2,000 won 1; below
  5,000 5; below 20,000 10; below 50,000 50; below 200,000 100; below 500,000 500; from
  500,000 1,000. ETFs and ETNs keep 5 won at every price.
- Daily price limit: 30 % of the base price (normally the previous close), cut down to the
  base price's tick; the upper limit is cut down to its own tick.
"""

import datetime as dt
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from psycopg2 import sql

# The table above applies to orders from this date on; earlier fills are not checked.
TABLE_SINCE = dt.date(2023, 1, 25)
STEPS = (
    (Decimal(2_000), Decimal(1)),
    (Decimal(5_000), Decimal(5)),
    (Decimal(20_000), Decimal(10)),
    (Decimal(50_000), Decimal(50)),
    (Decimal(200_000), Decimal(100)),
    (Decimal(500_000), Decimal(500)),
)
TOP_TICK = Decimal(1_000)
FUND_TICK = Decimal(5)  # ETFs and ETNs
LIMIT = Decimal("0.30")


def tick_size(price: Decimal, *, fund: bool = False) -> Decimal:
    """The tick at `price`; `fund` for ETFs and ETNs."""
    if fund:
        return FUND_TICK
    for below, size in STEPS:
        if price < below:
            return size
    return TOP_TICK


def _floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def on_tick(price: Decimal, *, fund: bool = False) -> bool:
    return price % tick_size(price, fund=fund) == 0


def to_tick(price: Decimal, *, rounding=ROUND_HALF_UP, fund: bool = False) -> Decimal:
    """`price` moved onto the grid with `rounding` (a decimal rounding mode), never below
    one tick."""
    size = tick_size(price, fund=fund)
    return max(size, (price / size).to_integral_value(rounding=rounding) * size)


def daily_limits(base: Decimal, *, fund: bool = False) -> tuple[Decimal, Decimal]:
    """(lower, upper) price limits of a session whose base price is `base`."""
    change = _floor_to(base * LIMIT, tick_size(base, fund=fund))
    upper = base + change
    return base - change, _floor_to(upper, tick_size(upper, fund=fund))


def tick_size_sql(price: sql.Composable) -> sql.Composed:
    """The stock tick at `price` as a SQL expression (the loader checks adjusted prices
    against it)."""
    whens = sql.SQL(" ").join(
        sql.SQL("WHEN {p} < {below} THEN {size}").format(
            p=price, below=sql.Literal(below), size=sql.Literal(size)
        )
        for below, size in STEPS
    )
    return sql.SQL("CASE {} ELSE {} END").format(whens, sql.Literal(TOP_TICK))
