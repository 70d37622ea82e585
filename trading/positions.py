"""Positions recomputed from the trades and marked to the market data."""

from datetime import datetime

from django.db import transaction

from marketdata.prices import latest_closes
from trading.accounting import replay
from trading.models import Position, Trade


def recompute(*, as_of: datetime, symbols=None) -> dict[str, dict]:
    """Position fields per symbol from every trade up to `as_of`, marked at `as_of`."""
    trades = Trade.objects.filter(executed_at__lte=as_of).order_by("executed_at", "created_at")
    if symbols:
        trades = trades.filter(symbol__in=symbols)
    holdings = replay(
        trades.only("id", "symbol", "side", "quantity", "price", "commission", "tax", "executed_at")
    )
    quotes = latest_closes([s for s, h in holdings.items() if h.quantity], as_of)
    return {
        symbol: holding.marked(quotes[symbol].close if symbol in quotes else None)
        for symbol, holding in holdings.items()
    }


@transaction.atomic
def rebuild(*, as_of: datetime, symbols=None) -> int:
    """Store the recomputed positions; returns how many rows were written."""
    computed = recompute(as_of=as_of, symbols=symbols)
    for symbol, fields in computed.items():
        Position.objects.update_or_create(symbol=symbol, defaults=fields)
    return len(computed)
