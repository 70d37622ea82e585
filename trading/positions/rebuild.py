"""Positions recomputed from the trades and marked to the market data, compared with what
is stored, and written back; per account. And which positions are older than their trades."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from marketdata.prices import latest_closes
from trading.models import Account, Position, Trade, TradeChange
from trading.positions.accounting import replay

COMPARED = (
    "quantity",
    "average_price",
    "last_price",
    "market_value",
    "realized_pnl",
    "unrealized_pnl",
)


def trades_in_order(*, until: datetime, symbols=None, strategies=None, accounts=None):
    trades = Trade.objects.filter(executed_at__lte=until).order_by(
        "executed_at", "created_at", "id"
    )
    if symbols:
        trades = trades.filter(symbol__in=symbols)
    if strategies:
        trades = trades.filter(strategy__in=strategies)
    if accounts is not None:
        trades = trades.filter(account__in=accounts)
    return trades


def recompute(*, as_of: datetime, symbols=None, accounts=None) -> dict[tuple[int, str], dict]:
    """Position fields per (account id, symbol) from every trade up to `as_of`, marked at
    `as_of`. `accounts`: ids or a queryset of accounts; None for every account."""
    holdings = replay(trades_in_order(until=as_of, symbols=symbols, accounts=accounts))
    quotes = latest_closes({s for (_, s), h in holdings.items() if h.quantity}, as_of)
    return {
        key: holding.marked(quotes[key[1]].close if key[1] in quotes else None)
        for key, holding in holdings.items()
    }


@dataclass
class Difference:
    account_id: int
    account: str  # its code
    symbol: str
    change: str  # "new", "changed", "removed"
    fields: dict[str, tuple] = field(default_factory=dict)  # name -> (stored, recomputed)

    def __str__(self):
        where = f"{self.account} {self.symbol}"
        if self.change == "removed":
            return f"{where}: stored but has no trades; it would be removed"
        shown = ", ".join(f"{name} {old} -> {new}" for name, (old, new) in self.fields.items())
        return f"{where}: {'new: ' if self.change == 'new' else ''}{shown}"


@dataclass
class Reconciliation:
    differences: list[Difference]
    computed: dict[tuple[int, str], dict]
    unchanged: int


def reconcile(*, as_of: datetime, symbols=None, accounts=None, only=None) -> Reconciliation:
    """Recomputed against stored positions; `only`: a set of (account id, symbol) to keep."""
    computed = recompute(as_of=as_of, symbols=symbols, accounts=accounts)
    stored = Position.objects.all()
    if symbols:
        stored = stored.filter(symbol__in=symbols)
    if accounts is not None:
        stored = stored.filter(account__in=accounts)
    stored = {(p.account_id, p.symbol): p for p in stored}
    codes = dict(Account.objects.values_list("pk", "code"))
    differences, unchanged = [], 0
    for key in sorted(computed.keys() | stored.keys(), key=lambda k: (k[1], codes.get(k[0]))):
        if only is not None and key not in only:
            continue
        new, old = computed.get(key), stored.get(key)
        code = codes.get(key[0], str(key[0]))
        if new is None:
            differences.append(Difference(key[0], code, key[1], "removed"))
            continue
        fields = {
            name: (getattr(old, name) if old else None, new[name])
            for name in COMPARED
            if old is None or getattr(old, name) != new[name]
        }
        if fields:
            change = "changed" if old else "new"
            differences.append(Difference(key[0], code, key[1], change, fields))
        else:
            unchanged += 1
    return Reconciliation(differences, computed, unchanged)


@dataclass(frozen=True)
class StalePosition:
    account_id: int
    account: str  # its code
    symbol: str
    changed_at: datetime  # when its trades last changed

    def __str__(self):
        return f"{self.account} {self.symbol}"


def stale(*, accounts=None) -> list[StalePosition]:
    """The positions whose trades changed since they were last rebuilt (marked by triggers
    on trades, whoever wrote them), of `accounts` (ids or a queryset; None: all): the one
    rule that the positions list, the front page and the health check show."""
    marks = TradeChange.objects.order_by("symbol", "account__code")
    if accounts is not None:
        marks = marks.filter(account__in=accounts)
    return [
        StalePosition(*row)
        for row in marks.values_list("account_id", "account__code", "symbol", "changed_at")
    ]


def stale_summary(found: list[StalePosition]) -> dict | None:
    """What the positions list and the front page say of positions older than their
    trades: how many, which (the first ten), since when."""
    if not found:
        return None
    return {
        "count": len(found),
        "positions": [str(p) for p in found[:10]],
        "since": min(p.changed_at for p in found),
    }


def _in_scope(queryset, *, symbols, accounts, only):
    if symbols:
        queryset = queryset.filter(symbol__in=symbols)
    if accounts is not None:
        queryset = queryset.filter(account__in=accounts)
    if only is not None:
        queryset = queryset.filter(
            account__in={a for a, _ in only}, symbol__in={s for _, s in only}
        )
    return queryset


def _consume_marks(*, as_of: datetime, symbols, accounts, only):
    """Remove the marks of the positions a rebuild up to `as_of` brings in step, before it
    reads the trades: that later statement sees every change whose mark goes here, while a
    change committed after it leaves a mark of its own (it waits on the rows deleted here).
    Positions as of a past moment leave out the later trades: they stay marked."""
    scope = {"symbols": symbols, "accounts": accounts, "only": only}
    later = _in_scope(Trade.objects.filter(executed_at__gt=as_of), **scope)
    behind = set(later.order_by().values_list("account_id", "symbol").distinct())
    marks = _in_scope(TradeChange.objects.all(), **scope)
    keys = {m[1:]: m[0] for m in marks.values_list("pk", "account_id", "symbol")}
    done = [pk for key, pk in keys.items() if key not in behind and (only is None or key in only)]
    TradeChange.objects.filter(pk__in=done).delete()
    for account_id, symbol in behind - set(keys):
        if only is None or (account_id, symbol) in only:
            TradeChange.objects.get_or_create(
                account_id=account_id, symbol=symbol, defaults={"changed_at": timezone.now()}
            )


@transaction.atomic
def rebuild(*, as_of: datetime, symbols=None, accounts=None, only=None) -> Reconciliation:
    """Store the recomputed positions; returns what differed before."""
    _consume_marks(as_of=as_of, symbols=symbols, accounts=accounts, only=only)
    result = reconcile(as_of=as_of, symbols=symbols, accounts=accounts, only=only)
    for difference in result.differences:
        account_id, symbol = difference.account_id, difference.symbol
        if difference.change == "removed":
            Position.objects.filter(account_id=account_id, symbol=symbol).delete()
        else:
            Position.objects.update_or_create(
                account_id=account_id,
                symbol=symbol,
                defaults=result.computed[account_id, symbol],
            )
    return result
