"""Where the trading lists of one position, order or component are, for links from the
lists, the change pages and the front page. Each is a filtered change list."""

import datetime as dt

from django.urls import reverse
from django.utils.http import urlencode


def _list(model: str, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{reverse(f'admin:trading_{model}_changelist')}?{urlencode(query)}"


def trades(*, account_id: int | None = None, symbol: str = "", order_id: str = "") -> str:
    """The fills of one position (account and symbol), or of one broker order."""
    return _list("trade", account=account_id, symbol=symbol, broker_order_id=order_id)


def positions(*, account_id: int | None = None, symbol: str = "") -> str:
    return _list("position", account=account_id, symbol=symbol)


def logs(*, component: str = "", levels=(), since: dt.datetime | None = None) -> str:
    """The system logs of a component at some levels since a moment."""
    return _list(
        "systemlog",
        component=component,
        level__in=",".join(levels),
        timestamp__gte=since.isoformat() if since else None,
    )
