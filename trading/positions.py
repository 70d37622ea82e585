"""Positions recomputed from the trades and marked to the market data, compared with what
is stored, and written back."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from marketdata.prices import latest_closes
from trading.accounting import replay
from trading.models import Position, Trade

COMPARED = (
    "quantity",
    "average_price",
    "last_price",
    "market_value",
    "realized_pnl",
    "unrealized_pnl",
)


def trades_in_order(*, until: datetime, symbols=None, strategies=None):
    trades = Trade.objects.filter(executed_at__lte=until).order_by(
        "executed_at", "created_at", "id"
    )
    if symbols:
        trades = trades.filter(symbol__in=symbols)
    if strategies:
        trades = trades.filter(strategy__in=strategies)
    return trades


def recompute(*, as_of: datetime, symbols=None) -> dict[str, dict]:
    """Position fields per symbol from every trade up to `as_of`, marked at `as_of`."""
    holdings = replay(trades_in_order(until=as_of, symbols=symbols))
    quotes = latest_closes([s for s, h in holdings.items() if h.quantity], as_of)
    return {
        symbol: holding.marked(quotes[symbol].close if symbol in quotes else None)
        for symbol, holding in holdings.items()
    }


@dataclass
class Difference:
    symbol: str
    change: str  # "new", "changed", "removed"
    fields: dict[str, tuple] = field(default_factory=dict)  # name -> (stored, recomputed)

    def __str__(self):
        if self.change == "removed":
            return f"{self.symbol}: stored but has no trades; it would be removed"
        shown = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in self.fields.items())
        return f"{self.symbol}: {'new: ' if self.change == 'new' else ''}{shown}"


@dataclass
class Reconciliation:
    differences: list[Difference]
    computed: dict[str, dict]
    unchanged: int


def reconcile(*, as_of: datetime, symbols=None) -> Reconciliation:
    computed = recompute(as_of=as_of, symbols=symbols)
    stored = Position.objects.all()
    if symbols:
        stored = stored.filter(symbol__in=symbols)
    stored = {p.symbol: p for p in stored}
    differences, unchanged = [], 0
    for symbol in sorted(computed.keys() | stored.keys()):
        new, old = computed.get(symbol), stored.get(symbol)
        if new is None:
            differences.append(Difference(symbol, "removed"))
            continue
        fields = {
            name: (getattr(old, name) if old else None, new[name])
            for name in COMPARED
            if old is None or getattr(old, name) != new[name]
        }
        if fields:
            differences.append(Difference(symbol, "changed" if old else "new", fields))
        else:
            unchanged += 1
    return Reconciliation(differences, computed, unchanged)


@transaction.atomic
def rebuild(*, as_of: datetime, symbols=None) -> Reconciliation:
    """Store the recomputed positions; returns what differed before."""
    result = reconcile(as_of=as_of, symbols=symbols)
    for difference in result.differences:
        if difference.change == "removed":
            Position.objects.filter(symbol=difference.symbol).delete()
        else:
            Position.objects.update_or_create(
                symbol=difference.symbol, defaults=result.computed[difference.symbol]
            )
    return result
