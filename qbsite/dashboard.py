"""The figures on the admin's front page, from cheap queries only (indexes, small tables)."""

import datetime as dt
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language

from marketdata import sessions
from qbsite import health
from trading import access, books, links, positions
from trading.models import Level, Position, ReconciliationRun, RiskMetric, SystemLog, Trade

HEALTH_SECONDS = 60
ERROR_LEVELS = (Level.ERROR, Level.CRITICAL)
AMOUNT = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField())


def accounts(user, today) -> list[dict]:
    """Per account the person may see: open positions, book value and PnL (positions: a
    small table), today's trades and value (the time index), and fills whose charges differ
    from the schedules or whose price was flagged (partial indexes)."""
    trades = access.scope(Trade.objects, user)
    grouped = [
        access.scope(Position.objects, user)
        .values("account")
        .annotate(
            open=Count("id", filter=Q(quantity__gt=0)),
            value=Sum("market_value", filter=Q(quantity__gt=0)),
            realized=Sum("realized_pnl"),
            unrealized=Sum("unrealized_pnl"),
        ),
        trades.filter(executed_at__gte=today)
        .values("account")
        .annotate(today=Count("id"), traded=Sum(AMOUNT)),
        trades.filter(charges_differ=True).values("account").annotate(differ=Count("id")),
        trades.filter(Q(on_tick=False) | Q(within_limit=False))
        .values("account")
        .annotate(price=Count("id")),
    ]
    zero = dict.fromkeys(
        ("open", "value", "realized", "unrealized", "today", "traded", "differ", "price"), 0
    )
    rows = {a.pk: {"account": a, **zero, "reconciled": None} for a in access.visible_accounts(user)}
    for query in grouped:
        for row in query.order_by():
            rows[row.pop("account")].update({k: v or 0 for k, v in row.items()})
    # The newest reconciliation of each account: one index probe per account.
    newest = (
        access.scope(ReconciliationRun.objects, user)
        .order_by("account_id", "-run_at")
        .distinct("account_id")
    )
    for run in newest:
        rows[run.account_id]["reconciled"] = run
    return list(rows.values())


def figures(user) -> dict:
    """The front page's figures, over the accounts `user` may see."""
    now = timezone.now()
    today = dt.datetime.combine(timezone.localdate(now, sessions.KST), dt.time(), sessions.KST)
    per_account = accounts(user, today)
    errors = SystemLog.objects.none()
    since = now - dt.timedelta(hours=24)
    if user.has_perm("trading.view_systemlog"):
        errors = (
            SystemLog.objects.filter(timestamp__gte=since, level__in=ERROR_LEVELS)
            .values("component")
            .annotate(
                errors=Count("id", filter=Q(level=Level.ERROR)),
                critical=Count("id", filter=Q(level=Level.CRITICAL)),
            )
            .order_by("-critical", "-errors", "component")
        )
    report = cached_health(user)

    def total(key):
        return sum((a[key] for a in per_account), Decimal(0))

    return {
        "today": today.date(),
        "trades_today": int(total("today")),
        "traded_value": total("traded"),
        "realized": total("realized"),
        "unrealized": total("unrealized"),
        "open_positions": int(total("open")),
        "book_value": total("value"),
        "stale": positions.stale_summary(positions.stale(accounts=access.visible_accounts(user))),
        "risk": latest_risk(user),
        "books": books.book_figures(user),
        "accounts": per_account,
        "charges_differ": int(total("differ")),
        "price_flagged": int(total("price")),
        # Each component's count leads to its logs of the same 24 hours.
        "errors": [
            e | {"url": links.logs(component=e["component"], levels=ERROR_LEVELS, since=since)}
            for e in errors
        ],
        **freshness(report),
        "health": report,
    }


def freshness(report) -> dict:
    """The freshness card, read from the health report's freshness check, so that the two
    always say the same."""
    check = next((c for c in report["checks"] if c.name == "freshness"), None)
    details = check.details if check else {}
    return {
        "last_session": dt.date.fromisoformat(details["last_session"])
        if "last_session" in details
        else None,
        "freshness": [
            {
                "interval": interval,
                "newest": dt.datetime.fromisoformat(found["newest"]),
                "stale": found["stale_symbols"],
                "fresh": not found["stale_symbols"],
            }
            for interval, found in details.get("intervals", {}).items()
        ],
    }


def latest_risk(user):
    """The newest risk of every account together, for those who see them all."""
    if not access.sees_all(user) or not user.has_perm("trading.view_riskmetric"):
        return None
    return RiskMetric.objects.filter(account=None).order_by("-timestamp").first()


def cached_health(user):
    """The health report for `user`, at most a minute old: the front page must stay cheap.
    Kept per language, since its messages are in the language of the page, and per account
    scope, since it counts the positions and logs the person may see."""
    key = f"qb:health:{get_language()}:{access.scope_key(user)}"
    report = cache.get(key)
    if report is None:
        checks = health.run(user=user)
        status = health.overall(checks)
        report = {"status": status, "status_label": health.STATUS_LABELS[status], "checks": checks}
        cache.set(key, report, HEALTH_SECONDS)
    return report
