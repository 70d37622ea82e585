"""The securities transaction tax on sells, dated, per market (sources: docs/accounts-and-fees.md).

The rate is the one in force on the day the shares change hands, the settlement day: the
Securities Transaction Tax Act taxes the transfer (양도), which for exchange trades happens at
settlement, T+2 KRX business days after the trade. A sell on 2024-12-27 settled on 2025-01-02
and paid the 2025 rate. On KOSPI the agricultural and fisheries special tax (0.15 % of the
same amount) comes on top and is kept apart. ETFs and ETNs pay neither.
"""

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from marketdata import sessions
from marketdata.models import Market, SecurityKind

SETTLEMENT_DAYS = 2


@dataclass(frozen=True)
class Rate:
    transaction: Decimal  # securities transaction tax, fraction of the sell amount
    special: Decimal = Decimal(0)  # agricultural and fisheries special tax (KOSPI only)

    @property
    def total(self) -> Decimal:
        return self.transaction + self.special


def _rates(kospi, kosdaq, konex="0.0010"):
    kospi = Rate(Decimal(kospi), Decimal("0.0015"))
    return {
        Market.KOSPI: kospi,
        Market.KOSDAQ: Rate(Decimal(kosdaq)),
        Market.KOSDAQ_GLOBAL: Rate(Decimal(kosdaq)),
        Market.KONEX: Rate(Decimal(konex)),
    }


# (first settlement date, rates by market), oldest first.
SCHEDULE = [
    (dt.date(2023, 1, 1), _rates(kospi="0.0005", kosdaq="0.0020")),
    (dt.date(2024, 1, 1), _rates(kospi="0.0003", kosdaq="0.0018")),
    (dt.date(2025, 1, 1), _rates(kospi="0", kosdaq="0.0015")),
    (dt.date(2026, 1, 1), _rates(kospi="0.0005", kosdaq="0.0020")),
]
UNTAXED_KINDS = {SecurityKind.ETF, SecurityKind.ETN}
NO_TAX = Rate(Decimal(0))


def rate(*, market: str, kind: str, settles_on: dt.date) -> Rate | None:
    """The sell tax for a security settling on `settles_on`; None before the schedule starts
    or for a market it does not know."""
    if kind in UNTAXED_KINDS:
        return NO_TAX
    starts = [start for start, _ in SCHEDULE]
    index = bisect.bisect_right(starts, settles_on) - 1
    if index < 0:
        return None
    return SCHEDULE[index][1].get(market)


def won(amount: Decimal) -> Decimal:
    """Cut below the won."""
    return amount.to_integral_value(rounding=ROUND_FLOOR)


def tax(amount: Decimal, rate: Rate) -> tuple[Decimal, Decimal]:
    """(total tax, special tax part) of a sell of `amount` won; each tax cut below the won."""
    special = won(amount * rate.special)
    return won(amount * rate.transaction) + special, special


def settlement_dates(trade_dates) -> dict[dt.date, dt.date | None]:
    """The settlement date (the second KRX session after the trade date) of each date; None
    past the end of the calendar."""
    trade_dates = set(trade_dates)
    if not trade_dates:
        return {}
    days = [
        s.date
        for s in sessions.sessions(min(trade_dates), max(trade_dates) + dt.timedelta(days=20))
    ]
    result = {}
    for day in trade_dates:
        after = bisect.bisect_right(days, day) + SETTLEMENT_DAYS - 1
        result[day] = days[after] if after < len(days) else None
    return result
