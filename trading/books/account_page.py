"""What an account's page and the front page show of the books: today's three cash
figures, the NAV and its change, the NAV curve beside the benchmark, the returns of the
usual periods, the last cash reconciliation, and whether the NAV is stale.

Everything is read from the stored NAV (a few hundred rows an account and year) and small
queries, so that the page stays cheap; the returns follow trading/books/returns.py.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from marketdata import sessions
from marketdata.symbols import INDICES
from trading import access, charts
from trading.books import ledger, nav, returns
from trading.models.books import AccountNav, BooksCheck

ZERO, ONE = Decimal(0), Decimal(1)
BENCHMARK = returns.KOSPI
PERIODS = (
    ("1d", pgettext_lazy("period", "1 day")),
    ("mtd", gettext_lazy("month to date")),
    ("qtd", gettext_lazy("quarter to date")),
    ("ytd", gettext_lazy("year to date")),
    ("1y", gettext_lazy("1 year")),
    ("all", gettext_lazy("since inception")),
)


@dataclass
class Point:
    date: dt.date
    nav: Decimal
    flow: Decimal
    ret: Decimal | None


def points(rows) -> list[Point]:
    """(date, nav, flow) rows in date order, with each day's return."""
    found, previous = [], ZERO
    for day, value, flow in rows:
        found.append(Point(day, value, flow, returns.daily_return(value, previous, flow)))
        previous = value
    return found


def period_start(key: str, last: dt.date, first: dt.date) -> dt.date | None:
    """Where a period ending on `last` starts; None for a year the account is younger than."""
    if key == "1d":
        return last
    if key == "mtd":
        return max(last.replace(day=1), first)
    if key == "qtd":
        return max(last.replace(month=(last.month - 1) // 3 * 3 + 1, day=1), first)
    if key == "ytd":
        return max(last.replace(month=1, day=1), first)
    if key == "1y":
        try:
            start = last.replace(year=last.year - 1) + dt.timedelta(days=1)
        except ValueError:  # 29 February
            start = last.replace(year=last.year - 1, day=28) + dt.timedelta(days=1)
        return start if start >= first else None
    return first


def index_before(closes: dict[dt.date, Decimal], day: dt.date) -> Decimal | None:
    earlier = [d for d in closes if d <= day]
    return closes[max(earlier)] if earlier else None


def period_returns(
    found: list[Point], closes: dict[dt.date, Decimal], dividends=None
) -> list[dict]:
    """TWR and MWR of each period ending on the last point, the part of the TWR that is
    dividends (`dividends`: the net dividend of each day; trading/books/returns.py), and the
    benchmark's."""
    dividends = dividends or {}
    if not found:
        return []
    last, first = found[-1].date, found[0].date
    calendar = [s.date for s in sessions.sessions(first - dt.timedelta(days=20), last)]
    table = []
    for key, label in PERIODS:
        start = period_start(key, last, first)
        row = {
            "key": key,
            "label": label,
            "twr": None,
            "mwr": None,
            "dividends": None,
            "benchmark": None,
            "excess": None,
        }
        table.append(row)
        inside = [p for p in found if start is not None and p.date >= start]
        if not inside:
            continue
        before = [p for p in found if p.date < inside[0].date]
        base = before[-1].nav if before else ZERO
        earlier = [d for d in calendar if d < inside[0].date]
        base_date = earlier[-1] if earlier else inside[0].date - dt.timedelta(days=1)
        row["twr"] = returns.chained(p.ret for p in inside)
        previous, price_only = base, []
        for p in inside:
            price_only.append(
                returns.daily_return(p.nav - dividends.get(p.date, ZERO), previous, p.flow)
            )
            previous = p.nav
        if any(dividends.get(p.date) for p in inside):
            row["dividends"] = row["twr"] - returns.chained(price_only)
        payments = [(base_date, -base)] if base else []
        payments += [(p.date, -p.flow) for p in inside if p.flow]
        payments.append((last, inside[-1].nav))
        rate = returns.xirr(payments)
        if rate is not None:
            paid = min(d for d, a in payments if a)
            row["mwr"] = (1 + rate) ** ((last - paid).days / 365) - 1
        then, now = index_before(closes, base_date), index_before(closes, last)
        if then and now:
            row["benchmark"] = now / then - ONE
            row["excess"] = row["twr"] - row["benchmark"]
    return table


def curves(found: list[Point], closes: dict[dt.date, Decimal], symbol: str):
    """The NAV over time, and the growth of the account (chained returns) beside the
    benchmark's, both from the first day."""
    if not found:
        return ""
    shown = found[-charts.MAX_POINTS :]
    value = charts.line_chart(
        _("NAV"), [charts.Series(_("NAV (KRW)"), [(p.date, p.nav) for p in shown])]
    )
    growth, ours = ONE, []
    for p in shown:
        growth *= ONE + (p.ret or ZERO)
        ours.append((p.date, growth - ONE))
    base = index_before(closes, shown[0].date - dt.timedelta(days=1)) or index_before(
        closes, shown[0].date
    )
    theirs = (
        [(d, c / base - ONE) for d, c in sorted(closes.items()) if d >= shown[0].date]
        if base
        else []
    )
    name = INDICES.get(symbol, symbol)
    return value + charts.line_chart(
        _("Return since %(day)s") % {"day": shown[0].date},
        [charts.Series(_("time-weighted"), ours), charts.Series(name, theirs)],
        percent=True,
    )


def panel(account) -> dict:
    """The books on an account's page."""
    today = timezone.localdate(timezone.now(), sessions.KST)
    cash = ledger.cash_figures(account_ids=[account.pk], days=[today])[account.pk, today]
    rows = list(
        AccountNav.objects.filter(account=account)
        .order_by("date")
        .values_list("date", "nav", "flow")
    )
    found = points(rows)
    latest = found[-1] if found else None
    closes = (
        returns.index_closes(BENCHMARK, found[0].date - dt.timedelta(days=20), latest.date)
        if found
        else {}
    )
    paid = returns.dividends([account.pk], found[0].date, latest.date)[1] if found else {}
    stale = nav.stale(accounts=[account.pk])
    change = None
    if latest is not None and len(found) > 1:
        change = latest.nav - found[-2].nav - latest.flow
    return {
        "today": today,
        "cash": cash,
        "latest": latest,
        "change": change,
        "returns": period_returns(found, closes, paid),
        "benchmark": INDICES.get(BENCHMARK, BENCHMARK),
        "chart": curves(found, closes, BENCHMARK),
        "check": BooksCheck.objects.filter(account=account).order_by("-checked_at").first(),
        "stale": stale[0] if stale else None,
    }


def book_figures(user) -> dict | None:
    """The front page's card: the NAV of every account the person may see at the newest
    session stored, the day's change (flows aside), and the month's TWR against KOSPI."""
    visible = list(access.visible_accounts(user).values_list("pk", flat=True))
    stored = AccountNav.objects.filter(account_id__in=visible)
    last = stored.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return None
    month = last.replace(day=1)
    since = (
        stored.filter(date__lt=month).order_by("-date").values_list("date", flat=True).first()
        or month
    )
    summed = (
        stored.filter(date__gte=since, date__lte=last)
        .values("date")
        .annotate(nav=Sum("nav"), flow=Sum("flow"))
        .order_by("date")
        .values_list("date", "nav", "flow")
    )
    found = points(summed)
    inside = [p for p in found if p.date >= month]
    closes = returns.index_closes(BENCHMARK, since - dt.timedelta(days=20), last)
    mtd = returns.chained(p.ret for p in inside) if inside else None
    then = index_before(closes, month - dt.timedelta(days=1))
    now = index_before(closes, last)
    kospi = now / then - ONE if then and now and then != now else None
    previous = found[-2] if len(found) > 1 else None
    return {
        "date": last,
        "nav": found[-1].nav,
        "change": found[-1].nav - previous.nav - found[-1].flow if previous else None,
        "day_return": found[-1].ret if previous else None,
        "mtd": mtd,
        "kospi_mtd": kospi,
        "excess": mtd - kospi if mtd is not None and kospi is not None else None,
        "stale": nav.stale_summary(nav.stale(accounts=visible)),
    }
