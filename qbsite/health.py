"""Health checks of the back office: the database, TimescaleDB, the data and the book.

Each check returns a status (ok, warning, error), a one-line message and details. The
`healthcheck` command, the admin's health page and /readyz all read them from here.
"""

import datetime as dt
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketdata import facts
from marketdata.models import Interval
from marketdata.prices import latest_closes
from qbsite import replica
from qbsite.health_checks import (
    ERROR,
    NOT_APPLICABLE,
    OK,
    RANK,
    STATUS_LABELS,
    TABLES,
    WARNING,
    Check,
    _Context,
)
from qbsite.timescale_checks import check_compression, check_jobs, check_timescaledb
from trading import access, positions
from trading.models import Level, Position, SystemLog

__all__ = [
    "CHECKS",
    "ERROR",
    "OK",
    "STATUS_LABELS",
    "TABLES",
    "WARNING",
    "Check",
    "_Context",
    "overall",
    "ready",
    "report",
    "run",
]


def check_database(ctx):
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        latency = (time.perf_counter() - started) * 1000
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return Check(
        "database",
        OK,
        _("PostgreSQL %(version)s, %(latency).1f ms round trip, %(size)s MB")
        % {"version": version.split()[0], "latency": latency, "size": f"{size / 1e6:,.0f}"},
        {"version": version, "latency_ms": round(latency, 2), "size_bytes": size},
    )


def check_migrations(ctx):
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    missing = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
    if missing:
        return Check(
            "migrations",
            ERROR,
            _("%(count)s not applied: %(names)s; run manage.py migrate")
            % {"count": len(missing), "names": ", ".join(missing)},
            {"missing": missing},
        )
    return Check("migrations", OK, _("all applied"), {"missing": []})


def check_freshness(ctx):
    found = facts.freshness(ctx.now)
    session = found.session
    details = {
        "last_session": str(session.date),
        "intervals": {f.interval: f.as_dict() for f in found.intervals},
    }
    if not found.intervals:
        return Check("freshness", WARNING, _("market_data holds no bars"), details)
    stale = [f for f in found.intervals if f.stale]
    if stale:
        parts = [
            _("%(interval)s: %(stale)s of %(series)s symbols stop before %(date)s (%(symbols)s)")
            % {
                "interval": Interval(f.interval).label,
                "stale": len(f.stale),
                "series": f.series,
                "date": session.date,
                "symbols": ", ".join(f.stale[:5]) + (", ..." if len(f.stale) > 5 else ""),
            }
            for f in stale
        ]
        return Check("freshness", WARNING, "; ".join(parts), details)
    judged = [f.interval for f in found.intervals if f.expected]
    return Check(
        "freshness",
        OK,
        _("every interval has bars of the last session (%(date)s): %(intervals)s")
        % {"date": session.date, "intervals": ", ".join(judged)},
        details,
    )


def check_replica(ctx):
    if not replica.configured():
        return Check("replica", OK, _("no read replica configured"), {"configured": False})
    found = replica.status(fresh=True)
    limit = settings.QB_REPLICA_MAX_LAG
    details = {
        "configured": True,
        "reachable": found.reachable,
        "lag_s": found.lag,
        "max_lag_s": limit,
    }
    if not found.reachable:
        return Check(
            "replica",
            WARNING,
            _("unreachable (%(error)s); reads go to the primary") % {"error": found.error},
            details,
        )
    if found.lag is None:
        return Check(
            "replica",
            WARNING,
            _("%(error)s; reads go to the primary") % {"error": found.error},
            details,
        )
    if not found.usable:
        return Check(
            "replica",
            WARNING,
            _(
                "%(lag).1f s behind the primary, more than QB_REPLICA_MAX_LAG (%(limit)g s); "
                "reads go to the primary"
            )
            % {"lag": found.lag, "limit": limit},
            details,
        )
    return Check(
        "replica",
        OK,
        _("%(lag).1f s behind the primary (at most %(limit)g s); the admin reads from it")
        % {"lag": found.lag, "limit": limit},
        details,
    )


def _for_everyone(ctx) -> bool:
    """Whether the report is for someone who sees every account (or for the command)."""
    return ctx.user is None or access.sees_all(ctx.user)


def check_tables(ctx):
    if not _for_everyone(ctx):
        return Check("tables", OK, "", NOT_APPLICABLE)  # the sizes of every account's rows
    rows, total = {}, 0
    is_hypertable = ctx.hypertable.is_hypertable
    with connection.cursor() as cursor:
        for table in TABLES:
            if table == "market_data" and is_hypertable:
                cursor.execute(
                    "SELECT approximate_row_count('market_data'), hypertable_size('market_data')"
                )
            else:
                cursor.execute(
                    "SELECT greatest(reltuples, 0)::bigint, pg_total_relation_size(oid) "
                    "FROM pg_class WHERE oid = %s::regclass",
                    [table],
                )
            estimate, size = cursor.fetchone()
            rows[table] = {"estimated_rows": int(estimate or 0), "bytes": int(size or 0)}
            total += int(size or 0)
    biggest = max(rows, key=lambda t: rows[t]["bytes"])
    estimate = rows[biggest]["estimated_rows"]
    message = _("%(total)s MB in all; largest %(table)s (~%(rows)s rows)") % {
        "total": f"{total / 1e6:,.0f}",
        "table": biggest,
        "rows": f"{estimate:,}",
    }
    return Check("tables", OK, message, {"tables": rows})


def check_logs(ctx):
    if ctx.user is not None and not ctx.user.has_perm("trading.view_systemlog"):
        return Check("logs", OK, "", NOT_APPLICABLE)  # not for those who may not read logs
    since = ctx.now - dt.timedelta(hours=24)
    counts = {}
    for component, level in (
        SystemLog.objects.filter(timestamp__gte=since, level__in=[Level.ERROR, Level.CRITICAL])
        .values_list("component", "level")
        .order_by()
    ):
        counts.setdefault(component, {Level.ERROR: 0, Level.CRITICAL: 0})[level] += 1
    details = {"since": since.isoformat(), "components": counts}
    if not counts:
        return Check("logs", OK, _("no ERROR or CRITICAL logs in the last 24 h"), details)
    parts = [
        f"{c}: "
        + ngettext("%(count)s error", "%(count)s errors", n[Level.ERROR])
        % {"count": n[Level.ERROR]}
        + (_(", %(count)s critical") % {"count": n[Level.CRITICAL]} if n[Level.CRITICAL] else "")
        for c, n in sorted(counts.items())
    ]
    status = ERROR if any(n[Level.CRITICAL] for n in counts.values()) else WARNING
    return Check("logs", status, _("last 24 h: %(parts)s") % {"parts": "; ".join(parts)}, details)


def check_positions(ctx):
    # Symbols only, like the unpriced ones, of the accounts the person may see.
    accounts = None if _for_everyone(ctx) else access.visible_accounts(ctx.user)
    stale = sorted({p.symbol for p in positions.stale(accounts=accounts)})
    held = Position.objects.filter(quantity__gt=0)
    if ctx.user is not None:
        held = access.scope(held, ctx.user)
    open_symbols = list(held.values_list("symbol", flat=True))
    quotes = latest_closes(open_symbols, ctx.now) if open_symbols else {}
    since = ctx.last_session.open
    unpriced = sorted(s for s in open_symbols if s not in quotes or quotes[s].time < since)
    details = {
        "open": len(open_symbols),
        "unpriced": unpriced,
        "stale": stale,
        "last_session": str(ctx.last_session.date),
    }
    problems = []
    if stale:
        problems.append(
            ngettext(
                "%(count)s position is older than its trades (%(symbols)s): rebuild it",
                "%(count)s positions are older than their trades (%(symbols)s): rebuild them",
                len(stale),
            )
            % {"count": len(stale), "symbols": ", ".join(stale[:10])}
        )
    if unpriced:
        problems.append(
            _(
                "%(unpriced)s of %(open)s open positions have no price from the last session "
                "(%(date)s): %(symbols)s"
            )
            % {
                "unpriced": len(unpriced),
                "open": len(open_symbols),
                "date": ctx.last_session.date,
                "symbols": ", ".join(unpriced[:10]),
            }
        )
    if problems:
        return Check("positions", WARNING, "; ".join(problems), details)
    if not open_symbols:
        return Check("positions", OK, _("no open positions"), details)
    return Check(
        "positions",
        OK,
        _("%(count)s open positions, all priced") % {"count": len(open_symbols)},
        details,
    )


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "timescaledb": check_timescaledb,
    "compression": check_compression,
    "jobs": check_jobs,
    "freshness": check_freshness,
    "replica": check_replica,
    "tables": check_tables,
    "logs": check_logs,
    "positions": check_positions,
}


def run(names=None, *, user=None) -> list[Check]:
    """Run the named checks (all by default, leaving out those that do not apply here), for
    `user` (its accounts only; None: everything). A dead database is one error, not a
    trace."""
    asked = list(names) if names else None
    names = asked or list(CHECKS)
    ctx = _Context(user)
    results = []
    try:
        results.append(check_database(ctx))
    except DatabaseError as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        skipped = [n for n in names if n != "database"]
        return [
            Check(
                "database",
                ERROR,
                _("unreachable: %(reason)s") % {"reason": reason},
                {"skipped": skipped},
            )
        ]
    for name in names:
        if name == "database":
            continue
        try:
            results.append(CHECKS[name](ctx))
        except DatabaseError as e:
            reason = str(e).strip().splitlines()[0]
            results.append(Check(name, ERROR, _("failed: %(reason)s") % {"reason": reason}))
    if "database" not in names:
        results.pop(0)
    if asked is None:
        results = [c for c in results if c.details != NOT_APPLICABLE]
    return results


def overall(checks) -> str:
    return max((c.status for c in checks), key=RANK.get, default=OK)


def report(checks) -> dict:
    """The documented JSON shape."""
    return {
        "status": overall(checks),
        "checked_at": timezone.now().isoformat(),
        "checks": [c.as_dict() for c in checks],
    }


def ready() -> tuple[bool, str]:
    """For /readyz: the database answers and every migration is applied."""
    try:
        checks = [check_database(None), check_migrations(None)]
    except DatabaseError:
        return False, "database unreachable"
    if checks[1].status != OK:
        return False, "migrations not applied"
    return True, "ok"
