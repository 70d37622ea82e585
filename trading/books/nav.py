"""The NAV of each account at the close of every KRX session, stored in `account_navs`.

NAV = cash after every pending settlement (`prvs_rcdl_excc_amt`, trading/books/ledger.py)
+ the positions held at the end of the session, each marked at that session's close: its
daily bar; else the session's last 1-minute close; else the last close known before,
and then the symbol is listed as marked at an older close (stale). A held symbol without
any close counts 0 and is listed too. The shares held go through the corporate actions of
their stock (a split multiplies them from its ex date, a merger moves them to the new
symbol), and the cash the actions paid (dividends, fractions) is in the ledger: the
rebuild books it first (trading/books/action_cash.py). The row also keeps the two other
cash figures and the day's deposits less withdrawals (its flow, counted at the start of
the session).

A NAV is stale from a day on when, since it was computed,
- a fill or a cash movement of that day changed (triggers on trades and cash_movements,
  migration 0013, whoever wrote it: marks in `nav_changes`), or
- a corporate action of a stock the account traded was written (from its ex date,
  migration 0018), or
- a load of market data, or its undo, wrote a daily or 1-minute bar of a symbol the
  account held that day (the load history's series; bars written outside the loader are
  not seen: rebuild after them).
`rebuild` consumes the marks of the days it rebuilds, before it reads, so that a change
made while it runs leaves a mark of its own.
"""

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from marketdata import sessions
from marketdata.models import Interval
from marketdata.prices import latest_closes
from marketdata.sessions import KST, MARKET_TIME_ZONE
from trading.actions import effects
from trading.books import action_cash
from trading.books.ledger import Ledger, ledgers, next_sessions
from trading.models import Account
from trading.models.books import AccountNav, NavChange
from trading.positions import Holding

ZERO = Decimal(0)
BATCH = 2000
PRICED_BY = (Interval.DAY, Interval.MIN_1)


class NavError(ValueError):
    """A rebuild that cannot be made (dates out of order, nothing to value)."""


@dataclass(frozen=True)
class StaleNav:
    account_id: int
    account: str  # its code
    since: dt.date
    reasons: tuple[str, ...]  # "fills or cash", "bars"

    def __str__(self):
        return f"{self.account} {self.since}"


def last_session() -> dt.date:
    return sessions.last_closed(timezone.now()).date


def _quantities(account_ids, end: dt.date) -> dict[int, list[tuple[dt.date, str, int]]]:
    """Per account, (trade date, symbol, shares bought less sold that day), by date."""
    found = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT account_id, (executed_at AT TIME ZONE %s)::date AS day, symbol,
                   sum(CASE side WHEN 'BUY' THEN quantity ELSE -quantity END)
            FROM trades WHERE account_id = ANY(%s) AND executed_at < %s
            GROUP BY 1, 2, 3 ORDER BY 1, 2
            """,
            [
                MARKET_TIME_ZONE,
                list(account_ids),
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), KST),
            ],
        )
        for account_id, day, symbol, change in cursor.fetchall():
            found[account_id].append((day, symbol, int(change)))
    return found


class Closes:
    """The close of each symbol at each session of a range: the daily bar, else the
    session's last 1-minute bar, else the last close known before (stale)."""

    def __init__(self, symbols, first: dt.date, last: dt.date):
        self.symbols = sorted(set(symbols))
        self.first, self.last = first, last
        self.daily: dict[str, dict[dt.date, Decimal]] = defaultdict(dict)
        self.minute: dict[tuple[str, dt.date], Decimal] = {}
        self._dates: dict[str, list[dt.date]] = {}
        self._before: dict[str, Decimal] | None = None
        if not self.symbols:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT symbol, time, close FROM market_data WHERE interval_type = %s "
                "AND symbol = ANY(%s) AND time >= %s AND time < %s",
                [
                    Interval.DAY,
                    self.symbols,
                    dt.datetime.combine(first, dt.time(), KST),
                    dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), KST),
                ],
            )
            for symbol, time, close in cursor.fetchall():
                self.daily[symbol][time.astimezone(KST).date()] = close
        self._dates = {s: sorted(days) for s, days in self.daily.items()}

    def fetch_minutes(self, pairs) -> None:
        """The last 1-minute close of each (symbol, session) without a daily bar."""
        pairs = sorted(set(pairs))
        if not pairs:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT w.symbol, w.day, b.close
                FROM unnest(%s::text[], %s::date[], %s::timestamptz[]) AS w(symbol, day, start)
                CROSS JOIN LATERAL (
                    SELECT m.close FROM market_data m
                    WHERE m.symbol = w.symbol AND m.interval_type = %s
                      AND m.time >= w.start AND m.time < w.start + interval '1 day'
                    ORDER BY m.time DESC LIMIT 1
                ) AS b
                """,
                [
                    [s for s, _ in pairs],
                    [d for _, d in pairs],
                    [dt.datetime.combine(d, dt.time(), KST) for _, d in pairs],
                    Interval.MIN_1,
                ],
            )
            for symbol, day, close in cursor.fetchall():
                self.minute[symbol, day] = close

    def of_session(self, symbol: str, day: dt.date) -> Decimal | None:
        found = self.daily.get(symbol, {}).get(day)
        return found if found is not None else self.minute.get((symbol, day))

    def known_before(self, symbol: str, day: dt.date) -> Decimal | None:
        """The newest close before `day`: a daily bar of the range, a 1-minute close
        fetched, else the newest close of any interval known at the range's start."""
        dates = self._dates.get(symbol, [])
        index = bisect.bisect_left(dates, day) - 1
        best = (dates[index], self.daily[symbol][dates[index]]) if index >= 0 else None
        for (s, d), close in self.minute.items():
            if s == symbol and d < day and (best is None or d > best[0]):
                best = (d, close)
        if best is not None:
            return best[1]
        if self._before is None:
            start = dt.datetime.combine(self.first, dt.time(), KST)
            self._before = {s: q.close for s, q in latest_closes(self.symbols, start).items()}
        return self._before.get(symbol)


def _holdings(changes, days, actions=()):
    """The shares held at the end of each of `days`: [(day, {symbol: shares})]. Each of
    the corporate `actions` (ex-date order) converts the count at the start of its ex
    date, before that day's fills, as it does the positions (trading/actions/effects.py:
    the fraction left goes, its cash is a movement of the ledger)."""
    held: dict[tuple[int, str], Holding] = {}
    found, n, pending = [], 0, list(actions)
    for day in days:
        while True:
            change_day = changes[n][0] if n < len(changes) else None
            action_day = pending[0].ex_date if pending else None
            if (
                action_day is not None
                and action_day <= day
                and (change_day is None or action_day <= change_day)
            ):
                effects.apply(pending.pop(0), held, Holding)
            elif change_day is not None and change_day <= day:
                _, symbol, change = changes[n]
                held.setdefault((0, symbol), Holding(symbol)).quantity += change
                n += 1
            else:
                break
        found.append((day, {s: h.quantity for (_, s), h in held.items() if h.quantity}))
    return found


def _rows(account_id, days, ledger: Ledger, held_by_day, closes: Closes, previous, now):
    following = next_sessions(days)
    rows = []
    before = previous
    for day, held in held_by_day:
        figures = ledger.figures(day, next_day=following[day])
        value, stale = ZERO, []
        for symbol, shares in sorted(held.items()):
            close = closes.of_session(symbol, day)
            if close is None:
                close = closes.known_before(symbol, day)
                stale.append(symbol)
            if close is not None:
                value += close * shares
        flow = ledger.external_by(day) - ledger.external_by(before)
        rows.append(
            AccountNav(
                account_id=account_id,
                date=day,
                cash_settled=figures.settled,
                cash_next_day=figures.next_day,
                cash=figures.after_settlement,
                market_value=value,
                nav=figures.after_settlement + value,
                flow=flow,
                symbols=sorted(held),
                stale_symbols=stale,
                computed_at=now,
            )
        )
        before = day
    return rows


def _consume_marks(account_ids, start: dt.date | None, end: dt.date, last_stored) -> None:
    for mark in NavChange.objects.select_for_update().filter(account_id__in=account_ids):
        begins = start or mark.since
        if mark.since < begins or mark.since > end:
            continue  # days before the rebuild stay stale; a later day is not rebuilt
        stored = last_stored.get(mark.account_id)
        if stored is None or stored <= end:
            mark.delete()
        else:
            mark.since = end + dt.timedelta(days=1)
            mark.save(update_fields=["since"])


def compute(account_ids, *, start: dt.date | None, end: dt.date) -> dict[int, list]:
    """The NAV rows (not saved) of each account for the sessions from `start` (default:
    its first day) to `end`: one query for the ledgers, one for the holdings, one for
    the daily closes and one for the 1-minute closes missing, whatever the accounts."""
    books = ledgers(account_ids, until=next_sessions([end])[end])
    changes = _quantities(account_ids, end)
    firsts = {}
    for account_id in account_ids:
        known = [books[account_id].first_day, *(day for day, _, _ in changes[account_id][:1])]
        known = [d for d in known if d is not None]
        if known:
            firsts[account_id] = max(start or min(known), min(known))
    if not firsts:
        return {}
    calendar = [s.date for s in sessions.sessions(min(firsts.values()) - dt.timedelta(20), end)]
    symbols = {symbol for c in changes.values() for _, symbol, _ in c}
    actions = effects.actions_until(dt.datetime.combine(end, dt.time.max, KST))
    actions = [a for a in actions if a.symbol in symbols or a.new_symbol in symbols]
    symbols |= {a.new_symbol for a in actions if a.new_symbol}
    first_session = next((d for d in calendar if d >= min(firsts.values())), end)
    closes = Closes(symbols, first_session, end)
    plans = {}
    for account_id, first in firsts.items():
        days = [d for d in calendar if first <= d <= end]
        if days:
            plans[account_id] = (days, _holdings(changes[account_id], days, actions))
    closes.fetch_minutes(
        (symbol, day)
        for _, held in plans.values()
        for day, shares in held
        for symbol in shares
        if closes.of_session(symbol, day) is None
    )
    now = timezone.now()
    found = {}
    for account_id, (days, held) in plans.items():
        index = bisect.bisect_left(calendar, days[0]) - 1
        previous = calendar[index] if index >= 0 else days[0] - dt.timedelta(days=1)
        found[account_id] = _rows(account_id, days, books[account_id], held, closes, previous, now)
    return found


@transaction.atomic
def rebuild(
    *, accounts, start: dt.date | None = None, end: dt.date | None = None, book_cash=True
) -> dict:
    """Compute and store the NAV of `accounts` (Account objects or ids) for each session
    from `start` (default: each account's first day) to `end` (default: the last closed
    session), the cash of corporate actions booked first unless `book_cash` is False
    (the caller booked it); returns the number of days stored per account id."""
    account_ids = [getattr(a, "pk", a) for a in accounts]
    end = min(end or last_session(), last_session())
    if start and start > end:
        raise NavError(f"--from {start} is after --to {end}")
    last_stored = dict(
        AccountNav.objects.filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(last=Max("date"))
        .values_list("account_id", "last")
    )
    if book_cash:
        action_cash.book(accounts=account_ids)
    _consume_marks(account_ids, start, end, last_stored)
    if start is None:  # everything again: rows before a first day that moved go too
        AccountNav.objects.filter(account_id__in=account_ids, date__lte=end).delete()
    counts = dict.fromkeys(account_ids, 0)
    for account_id, rows in compute(account_ids, start=start, end=end).items():
        AccountNav.objects.filter(
            account_id=account_id, date__gte=rows[0].date, date__lte=rows[-1].date
        ).delete()
        AccountNav.objects.bulk_create(rows, batch_size=BATCH)
        counts[account_id] = len(rows)
    return counts


_BAR_STALE = """
    SELECT n.account_id, min(n.date)
    FROM market_data_load_series s
    JOIN market_data_loads l ON l.id = s.load_id
    JOIN account_navs n
      ON n.date BETWEEN (s.first AT TIME ZONE %(zone)s)::date
                    AND (s.last AT TIME ZONE %(zone)s)::date
     AND s.symbol = ANY(n.symbols)
    WHERE s.interval_type = ANY(%(intervals)s) AND n.account_id = ANY(%(accounts)s)
      AND (l.started_at + make_interval(secs => l.seconds) > n.computed_at
           OR l.undone_at > n.computed_at)
      AND (l.started_at + make_interval(secs => l.seconds) > %(oldest)s
           OR l.undone_at > %(oldest)s)
    GROUP BY n.account_id
"""


def stale(*, accounts=None) -> list[StaleNav]:
    """The accounts whose stored NAV is older than what it was made of, from which day,
    of `accounts` (ids or a queryset; None: all): the one rule the account page, the NAV
    list and the front page show."""
    chosen = Account.objects.all() if accounts is None else Account.objects.filter(pk__in=accounts)
    codes = dict(chosen.values_list("pk", "code"))
    found: dict[int, list] = {}
    for account_id, since in NavChange.objects.filter(account_id__in=codes).values_list(
        "account_id", "since"
    ):
        found[account_id] = [since, ["fills or cash"]]
    oldest = AccountNav.objects.filter(account_id__in=codes).aggregate(m=Min("computed_at"))["m"]
    if oldest is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                _BAR_STALE,
                {
                    "zone": MARKET_TIME_ZONE,
                    "intervals": list(PRICED_BY),
                    "accounts": list(codes),
                    "oldest": oldest,
                },
            )
            for account_id, since in cursor.fetchall():
                entry = found.setdefault(account_id, [since, []])
                entry[0] = min(entry[0], since)
                entry[1].append("bars")
    return sorted(
        (StaleNav(a, codes[a], since, tuple(reasons)) for a, (since, reasons) in found.items()),
        key=lambda s: s.account,
    )


def stale_summary(found: list[StaleNav]) -> dict | None:
    if not found:
        return None
    return {
        "count": len(found),
        "accounts": [str(s) for s in found[:10]],
        "since": min(s.since for s in found),
    }


# Exported by trading.books under these names.
rebuild_nav = rebuild
stale_navs = stale
