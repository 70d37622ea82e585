"""Daily closes that jump past the daily price limit against the close before, where no
corporate action explains it: a data problem (an unadjusted source, a wrong symbol, a typo),
which the gap report names (marketdata/coverage.py). KRX moves at most 30 % a session
(marketdata/ticks.py daily_limits); a split, reverse split, bonus issue, stock dividend,
merger or symbol change with its ex date on that session explains a jump.
"""

import datetime as dt
from decimal import Decimal

from marketdata import reads, ticks
from marketdata.actions import SHARE_KINDS, ActionKind, CorporateAction
from marketdata.models import Interval
from marketdata.sessions import KST

EXPLAINING = [*SHARE_KINDS, ActionKind.MERGER, ActionKind.SYMBOL_CHANGE, ActionKind.RIGHTS_ISSUE]
# Candidates are read with a margin below the limit; daily_limits decides.
NEAR = Decimal("0.29")


def unexplained(symbol: str) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(session date, close before, close) of each unexplained jump of `symbol`'s daily bars."""
    with reads.connection().cursor() as cursor:
        cursor.execute(
            """
            SELECT time, previous, close FROM (
                SELECT time, close, lag(close) OVER (ORDER BY time) AS previous
                FROM market_data WHERE symbol = %s AND interval_type = %s
            ) AS d
            WHERE previous > 0 AND abs(close - previous) > previous * %s
            ORDER BY time
            """,
            [symbol, Interval.DAY, NEAR],
        )
        candidates = cursor.fetchall()
    if not candidates:
        return []
    explained = set(
        CorporateAction.objects.filter(symbol=symbol, kind__in=EXPLAINING).values_list(
            "ex_date", flat=True
        )
    )
    found = []
    for time, previous, close in candidates:
        day = time.astimezone(KST).date()
        lower, upper = ticks.daily_limits(previous)
        if (close < lower or close > upper) and day not in explained:
            found.append((day, previous, close))
    return found


def add_to(rows) -> None:
    """Name each daily row's unexplained jumps among its gaps."""
    for row in rows:
        if row.interval != Interval.DAY:
            continue
        for day, previous, close in unexplained(row.symbol):
            row.gaps.append(
                f"{day}: close {previous.normalize():f} -> {close.normalize():f}, beyond the "
                "daily limit with no corporate action"
            )
