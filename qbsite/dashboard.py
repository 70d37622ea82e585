"""The figures on the admin's front page, from cheap queries only (indexes, small tables)."""

import datetime as dt
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from marketdata import sessions
from qbsite import health
from trading.models import Level, Position, RiskMetric, SystemLog, Trade

HEALTH_SECONDS = 60
AMOUNT = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField())


def figures() -> dict:
    now = timezone.now()
    today = dt.datetime.combine(timezone.localdate(now, sessions.KST), dt.time(), sessions.KST)
    trades = Trade.objects.filter(executed_at__gte=today).aggregate(
        count=Count("id"), value=Sum(AMOUNT)
    )
    book = Position.objects.aggregate(
        realized=Sum("realized_pnl"),
        unrealized=Sum("unrealized_pnl"),
        open=Count("id", filter=Q(quantity__gt=0)),
        value=Sum("market_value", filter=Q(quantity__gt=0)),
    )
    errors = (
        SystemLog.objects.filter(
            timestamp__gte=now - dt.timedelta(hours=24), level__in=[Level.ERROR, Level.CRITICAL]
        )
        .values("component")
        .annotate(
            errors=Count("id", filter=Q(level=Level.ERROR)),
            critical=Count("id", filter=Q(level=Level.CRITICAL)),
        )
        .order_by("-critical", "-errors", "component")
    )
    report = cached_health()
    return {
        "today": today.date(),
        "trades_today": trades["count"],
        "traded_value": trades["value"] or Decimal(0),
        "realized": book["realized"] or Decimal(0),
        "unrealized": book["unrealized"] or Decimal(0),
        "open_positions": book["open"],
        "book_value": book["value"] or Decimal(0),
        "risk": RiskMetric.objects.order_by("-timestamp").first(),
        "errors": list(errors),
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


def cached_health():
    """The health report, at most a minute old: the front page must stay cheap."""
    report = cache.get("qb:health")
    if report is None:
        checks = health.run()
        report = {"status": health.overall(checks), "checks": checks}
        cache.set("qb:health", report, HEALTH_SECONDS)
    return report
