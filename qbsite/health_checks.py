"""What every health check is made of: its statuses and labels, the Check it returns, and
the context several checks read once (qbsite/health.py runs them)."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy

from marketdata import sessions
from marketdata.timescale import introspection

OK, WARNING, ERROR = "ok", "warning", "error"
STATUS_LABELS = {
    OK: gettext_lazy("ok"),
    WARNING: gettext_lazy("warning"),
    ERROR: gettext_lazy("error"),
}
LABELS = {
    "database": gettext_lazy("database"),
    "migrations": gettext_lazy("migrations"),
    "timescaledb": gettext_lazy("TimescaleDB"),
    "compression": gettext_lazy("compression"),
    "jobs": gettext_lazy("jobs"),
    "freshness": gettext_lazy("freshness"),
    "replica": gettext_lazy("read replica"),
    "tables": gettext_lazy("tables"),
    "logs": gettext_lazy("logs"),
    "positions": gettext_lazy("positions"),
}
# The details of a check that has nothing to look at here; a full run leaves it out.
NOT_APPLICABLE = {"applies": False}
RANK = {OK: 0, WARNING: 1, ERROR: 2}
TABLES = (
    "market_data",
    "stock_metadata",
    "trades",
    "positions",
    "strategy_performance",
    "risk_metrics",
    "system_logs",
)


@dataclass
class Check:
    name: str
    status: str
    message: str
    details: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The check's name in the page's language (JSON keeps `name`)."""
        return str(LABELS.get(self.name, self.name))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def as_dict(self):
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "details": self.details,
        }


class _Context:
    """What several checks need, read once."""

    @cached_property
    def hypertable(self):
        return introspection.inspect(connection)

    @cached_property
    def now(self):
        return timezone.now()

    @cached_property
    def last_session(self):
        return sessions.last_closed(self.now)
