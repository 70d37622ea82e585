"""The cash of each account: the movements kept (cash_movements) and the cash of each fill,
derived from the fill (a buy pays its amount and commission, a sell receives its amount less
commission and tax), each with its trade date and its settlement date.

Every figure of cash comes from `Ledger.figures`, for any day D (end of day):
- settled (예수금, KIS `dnca_tot_amt`): what has settled by D;
- next day (`nxdy_excc_amt`): what has settled by the next KRX session after D, of what
  was traded by D: tomorrow's settlements counted;
- after settlement (`prvs_rcdl_excc_amt`): everything traded by D, settled or pending.
A fill settles on the date it carries (T+2 KRX sessions, marketdata/sessions.py with its
closures; trading/fills.py sets it), or, where that is missing, on the date the same rule
gives. Deposits, withdrawals and the other movements settle on their own date.
"""

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from marketdata import sessions
from marketdata.sessions import MARKET_TIME_ZONE
from trading.fills import taxes
from trading.models.books import EXTERNAL_KINDS

ZERO = Decimal(0)


@dataclass(frozen=True)
class Entry:
    """The cash an account moved with one trade date and settlement date."""

    trade_date: dt.date
    settles_on: dt.date
    amount: Decimal
    external: Decimal = ZERO  # of it, deposits, withdrawals and adjustments


@dataclass(frozen=True)
class CashFigures:
    date: dt.date
    settled: Decimal  # dnca_tot_amt
    next_day: Decimal  # nxdy_excc_amt
    after_settlement: Decimal  # prvs_rcdl_excc_amt

    def as_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "cash_settled": float(self.settled),
            "cash_next_day": float(self.next_day),
            "cash": float(self.after_settlement),
        }


def next_sessions(days) -> dict[dt.date, dt.date]:
    """The first KRX session after each of `days` (one look at the calendar)."""
    days = sorted(set(days))
    if not days:
        return {}
    calendar = [s.date for s in sessions.sessions(days[0], days[-1] + dt.timedelta(days=20))]
    found = {}
    for day in days:
        index = bisect.bisect_right(calendar, day)
        found[day] = calendar[index] if index < len(calendar) else day + dt.timedelta(days=1)
    return found


def next_session(day: dt.date) -> dt.date:
    """The first KRX session after `day`."""
    return next_sessions([day])[day]


@dataclass
class Ledger:
    """One account's entries, with running sums by trade date and by settlement date."""

    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self):
        by_trade = sorted(self.entries, key=lambda e: e.trade_date)
        by_settlement = sorted(self.entries, key=lambda e: e.settles_on)
        self._trade_dates = [e.trade_date for e in by_trade]
        self._by_trade = by_trade
        self._traded = _running([e.amount for e in by_trade])
        self._external = _running([e.external for e in by_trade])
        self._settle_dates = [e.settles_on for e in by_settlement]
        self._settled = _running([e.amount for e in by_settlement])

    @property
    def first_day(self) -> dt.date | None:
        return self._trade_dates[0] if self._trade_dates else None

    def traded_by(self, day: dt.date) -> Decimal:
        return self._traded[bisect.bisect_right(self._trade_dates, day)]

    def external_by(self, day: dt.date) -> Decimal:
        """Deposits less withdrawals (adjustments included) dated up to `day`."""
        return self._external[bisect.bisect_right(self._trade_dates, day)]

    def settled_by(self, day: dt.date) -> Decimal:
        return self._settled[bisect.bisect_right(self._settle_dates, day)]

    def figures(self, day: dt.date, *, next_day: dt.date | None = None) -> CashFigures:
        """The three cash figures at the end of `day`; `next_day`: the session after it
        (looked up when not given)."""
        following = next_day or next_session(day)
        # Settled by the next session, less what is dated after `day` (movements that
        # settle on their own date): only what was traded by `day` counts.
        later = slice(
            bisect.bisect_right(self._trade_dates, day),
            bisect.bisect_right(self._trade_dates, following),
        )
        not_yet = sum((e.amount for e in self._by_trade[later] if e.settles_on <= following), ZERO)
        return CashFigures(
            date=day,
            settled=self.settled_by(day),
            next_day=self.settled_by(following) - not_yet,
            after_settlement=self.traded_by(day),
        )


def _running(amounts) -> list[Decimal]:
    sums, total = [ZERO], ZERO
    for value in amounts:
        total += value
        sums.append(total)
    return sums


_MOVEMENTS = """
    SELECT account_id, trade_date, settles_on, sum(amount),
           coalesce(sum(amount) FILTER (WHERE kind = ANY(%s)), 0)
    FROM cash_movements WHERE account_id = ANY(%s) AND trade_date <= %s
    GROUP BY 1, 2, 3
"""
# The cash of the fills by account, trade date (Korea time) and settlement date.
_FILLS = """
    SELECT account_id, (executed_at AT TIME ZONE %s)::date AS day, settles_on,
           sum(CASE side WHEN 'BUY' THEN -(quantity * price) ELSE quantity * price END
               - commission - tax)
    FROM trades WHERE account_id = ANY(%s) AND executed_at < %s
    GROUP BY 1, 2, 3
"""


def ledgers(account_ids, *, until: dt.date | None = None) -> dict[int, Ledger]:
    """The ledger of each account, of what is dated up to `until` (default: everything);
    two queries whatever the number of accounts."""
    account_ids = list(account_ids)
    until = until or dt.date.max - dt.timedelta(days=1)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), sessions.KST)
    found = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_MOVEMENTS, [list(EXTERNAL_KINDS), account_ids, until])
        for account_id, day, settles_on, amount, external in cursor.fetchall():
            found[account_id].append(Entry(day, settles_on, amount, external))
        cursor.execute(_FILLS, [MARKET_TIME_ZONE, account_ids, end])
        fills = cursor.fetchall()
    unsettled = {day for _, day, settles_on, _ in fills if settles_on is None}
    settlement = taxes.settlement_dates(unsettled)
    for account_id, day, settles_on, amount in fills:
        settles_on = settles_on or settlement.get(day) or day
        found[account_id].append(Entry(day, settles_on, amount))
    return {account_id: Ledger(found[account_id]) for account_id in account_ids}


def cash_figures(*, account_ids, days) -> dict[tuple[int, dt.date], CashFigures]:
    """The three cash figures of each account at the end of each of `days`."""
    days = sorted(set(days))
    if not days:
        return {}
    following = next_sessions(days)
    books = ledgers(account_ids, until=following[days[-1]])
    return {
        (account_id, day): ledger.figures(day, next_day=following[day])
        for account_id, ledger in books.items()
        for day in days
    }
