"""The fills of the orders a run found missing here, created from the run: one per order
at the broker's average price, after which the account's positions are rebuilt.

Whatever the run kept is read again through the bounded reader before a fill is built (a
price past the fills' column, a quantity past any company's shares, a run of year 1 are
refused with UnusableRun, nothing written). Creating holds the run's row lock, so that two
people (or one double click) creating the same run's fills at once create them once: the
second finds nothing left to create."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

import bounded
from adminkit.history_baseline import bulk_create_with_history
from marketdata import dates
from marketdata.sessions import KST
from trading import fills, positions
from trading.models import (
    DifferenceKind,
    DifferenceStatus,
    ReconciliationDifference,
    ReconciliationRun,
    Trade,
    Venue,
)
from trading.reconciliation.broker_reports import MAX_PRICE, MAX_QUANTITY

RECONSTRUCTED_STRATEGY = "reconstructed"


class UnusableRun(ValueError):
    """A run whose missing fills cannot be created; the message says why."""


def _fill_values(run, difference) -> tuple[int, Decimal, dt.time, set]:
    """(quantity, price, time, venues) of the fill of a missing order, read back from what
    the run kept."""
    broker = difference.broker if isinstance(difference.broker, dict) else {}
    where = f"order {difference.broker_order_id[:40]}"
    try:
        quantity = bounded.integer(
            broker.get("quantity"), minimum=1, maximum=MAX_QUANTITY, field="quantity"
        )
        amount = (
            broker.get("amount")
            or bounded.decimal(
                broker.get("average_price"), minimum=0, maximum=MAX_PRICE, field="average_price"
            )
            * quantity
        )
        amount = bounded.decimal(amount, max_digits=34, minimum=0, field="amount")
        price = (amount / quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        bounded.decimal(price, minimum=Decimal("0.01"), maximum=MAX_PRICE, field="price")
        said = broker.get("time") or "15:30:00"
        time = dt.time.fromisoformat(bounded.text(said, max_length=15, field="time"))
    except (bounded.OutOfBounds, ValueError, TypeError) as e:
        raise UnusableRun(f"{where}: {e}") from e
    venues = set(str(broker.get("venue", "")).split("+")) & set(Venue.values)
    return quantity, price, time, venues


def missing_fills(run) -> list:
    """The fills `create_missing` would create for `run`, not saved: one per order the
    broker filled that the run found missing here, at the broker's average price."""
    if problem := dates.out_of_range(run.date):
        raise UnusableRun(f"{run.date}: {problem}")
    missing = list(
        run.differences.filter(
            kind=DifferenceKind.MISSING_IN_BACKOFFICE, status=DifferenceStatus.OPEN
        ).order_by("id")
    )
    taken = dict(
        Trade.objects.filter(
            account=run.account_id, broker_order_id__in=[d.broker_order_id for d in missing]
        )
        .values("broker_order_id")
        .annotate(last=Max("fill_seq"))
        .values_list("broker_order_id", "last")
    )
    created = []
    for difference in missing:
        quantity, price, time, venues = _fill_values(run, difference)
        broker = difference.broker
        trade = Trade(
            account_id=run.account_id,
            venue=venues.pop() if len(venues) == 1 else Venue.KRX,
            symbol=difference.symbol,
            side=broker["side"],
            quantity=quantity,
            price=price,
            strategy=RECONSTRUCTED_STRATEGY,
            broker_order_id=difference.broker_order_id,
            fill_seq=taken.get(difference.broker_order_id, 0) + 1,
            executed_at=dt.datetime.combine(run.date, time, KST),
            reconstructed_by=run,
        )
        trade.difference = difference
        created.append(trade)
    fills.assess(created)
    for trade in created:
        # The broker's own charges are not in the report: what the schedules expect.
        trade.commission = trade.expected_commission or Decimal(0)
        trade.tax = trade.expected_tax or Decimal(0)
        trade.charges_differ = False
    return created


@transaction.atomic
def create_missing(run, *, user=None) -> list:
    """Create the missing fills of `run`, mark their differences fixed, and rebuild the
    account's positions; returns the fills (none when another request created them first:
    the run's row is locked until this one commits)."""
    ReconciliationRun.objects.select_for_update().filter(pk=run.pk).first()
    created = missing_fills(run)
    if not created:
        return []
    bulk_create_with_history(created, Trade, default_user=user)
    for trade in created:
        difference = trade.difference
        difference.status = DifferenceStatus.FIXED
        difference.note = f"Fill {trade.id} created from the broker's report."
        difference.trades = [str(trade.id)]
    bulk_update_with_history(
        [t.difference for t in created],
        ReconciliationDifference,
        ["status", "note", "trades"],
        default_user=user,
    )
    positions.rebuild(as_of=timezone.now(), accounts=[run.account_id])
    return created


def fill_line(trade) -> str:
    return (
        f"order {trade.broker_order_id} fill {trade.fill_seq}: {trade.side} {trade.quantity:,} "
        f"{trade.symbol} @ {trade.price:,} on {trade.venue} at "
        f"{trade.executed_at.astimezone(KST):%Y-%m-%d %H:%M:%S}"
    )
