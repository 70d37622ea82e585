"""The back office's fills and positions of one account and day against the broker's own
reports (trading/reconciliation/broker_reports.py).

Per order the broker filled (its order number against the fills' broker order id, leading
zeros aside, and its symbol): the side, the filled quantity against the sum of our fills,
the average price against our volume-weighted price (both to the won), and the venue where
the broker names one (KRX or NXT; an order routed by SOR may fill on both). Orders the
broker filled that we have no fill for are `missing_in_backoffice`; our fills of orders the
broker does not list, or lists as unfilled, cancelled or rejected, are `missing_at_broker`.
With holdings: the broker's quantity and average purchase price against our position as of
the end of that day (every fill of the day counted), average prices to the won. Our average
is the moving average of buy prices without fees; when the broker's equals ours with the
buy commissions added instead, that is a convention, not a difference, and the result says
which convention each side uses.

Each run is kept with its differences, which a person marks explained or fixed; orders
missing here can be created as fills from the run (one per order at the broker's average
price), after which the account's positions are rebuilt.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from adminkit.history_baseline import bulk_create_with_history
from marketdata.sessions import KST
from trading import positions
from trading.actions.effects import actions_until
from trading.models import (
    ReconciliationDifference,
    ReconciliationRun,
    Trade,
    Venue,
)
from trading.positions.accounting import replay
from trading.reconciliation.broker_reports import Holding, Order

OUR_CONVENTION = "moving average of the buy prices, fees excluded"
CONVENTIONS = {
    "excluded": "fees excluded (equal to ours)",
    "included": "buy commissions included",
}


def to_won(value: Decimal) -> int:
    """To the nearest won."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def order_key(order_id: str) -> str:
    """An order number as KIS and the engine may both write it: leading zeros aside."""
    return order_id.strip().lstrip("0") or "0"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class BrokerOrder:
    """The report's rows of one order number (several when it filled on two venues)."""

    order_id: str
    symbol: str
    side: str
    filled: int = 0
    amount: Decimal = Decimal(0)
    venues: set = field(default_factory=set)
    cancelled: bool = False
    rejected: int = 0
    time: dt.time | None = None
    rows: set = field(default_factory=set)

    def add(self, order: Order) -> None:
        row = (order.filled, order.average_price, order.filled_amount, order.venue)
        if row in self.rows:
            return  # the same row twice: a page repeated, not a second fill
        self.rows.add(row)
        self.filled += order.filled
        amount = order.filled_amount or order.average_price * order.filled
        self.amount += amount
        if order.venue:
            self.venues.add(order.venue)
        self.cancelled |= order.cancelled
        self.rejected += order.rejected
        self.time = self.time or order.time

    @property
    def average(self) -> Decimal:
        return self.amount / self.filled if self.filled else Decimal(0)

    @property
    def state(self) -> str:
        if self.filled:
            return "filled"
        if self.cancelled:
            return "cancelled"
        return "rejected" if self.rejected else "unfilled"

    def as_broker(self) -> dict:
        return {
            "side": self.side,
            "quantity": self.filled,
            "average_price": to_won(self.average),
            "amount": to_won(self.amount),
            "venue": "+".join(sorted(self.venues)),
            "time": self.time.isoformat() if self.time else "",
        }


@dataclass
class Difference:
    kind: str
    broker_order_id: str = ""
    symbol: str = ""
    broker: object = None
    ours: object = None
    trades: list = field(default_factory=list)  # ids of our fills concerned

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "broker_order_id": self.broker_order_id or None,
            "symbol": self.symbol or None,
            "broker": self.broker,
            "ours": self.ours,
        }


@dataclass
class Result:
    account: object
    day: dt.date
    differences: list[Difference]
    checked: dict
    conventions: dict | None = None  # average price conventions, with holdings
    other_days: int = 0  # orders of other dates in the report, left out

    @property
    def status(self) -> str:
        return "differences" if self.differences else "match"

    def as_json(self) -> dict:
        report = {
            "account": self.account.code,
            "date": self.day.isoformat(),
            "status": self.status,
            "differences": [d.as_json() for d in self.differences],
            "checked": self.checked,
        }
        if self.conventions:
            report["average_price_conventions"] = self.conventions
        return report


def _ours(fills_of_order) -> dict:
    quantity = sum(t.quantity for t in fills_of_order)
    amount = sum((t.quantity * t.price for t in fills_of_order), Decimal(0))
    return {
        "side": "+".join(sorted({t.side for t in fills_of_order})),
        "quantity": quantity,
        "average_price": to_won(amount / quantity) if quantity else 0,
        "venue": "+".join(sorted({t.venue for t in fills_of_order})),
        "fills": len(fills_of_order),
    }


def day_fills(account, day: dt.date):
    start = dt.datetime.combine(day, dt.time(), KST)
    return list(
        Trade.objects.filter(
            account=account, executed_at__gte=start, executed_at__lt=start + dt.timedelta(days=1)
        ).order_by("executed_at", "id")
    )


def compare_orders(orders: list[Order], trades: list) -> tuple[list[Difference], int]:
    """Differences between the broker's orders and our fills of one day; orders counted."""
    broker: dict[str, BrokerOrder] = {}
    for order in orders:
        key = order_key(order.order_id)
        entry = broker.setdefault(key, BrokerOrder(order.order_id, order.symbol, order.side))
        entry.add(order)
    ours = defaultdict(list)
    for trade in trades:
        ours[order_key(trade.broker_order_id) if trade.broker_order_id else ""].append(trade)

    found = []
    for key, order in sorted(broker.items()):
        of_order = ours.pop(key, [])
        mine = [t for t in of_order if t.symbol == order.symbol]
        strays = [t for t in of_order if t.symbol != order.symbol]
        for trade_symbol in sorted({t.symbol for t in strays}):
            same = [t for t in strays if t.symbol == trade_symbol]
            found.append(
                Difference(
                    "missing_at_broker",
                    order.order_id,
                    trade_symbol,
                    {"status": "another symbol", "symbol": order.symbol},
                    _ours(same),
                    [t.id for t in same],
                )
            )
        if not order.filled:
            if mine:
                found.append(
                    Difference(
                        "missing_at_broker",
                        order.order_id,
                        order.symbol,
                        {"status": order.state, "quantity": 0},
                        _ours(mine),
                        [t.id for t in mine],
                    )
                )
            continue
        if not mine:
            found.append(
                Difference("missing_in_backoffice", order.order_id, order.symbol, order.as_broker())
            )
            continue
        found += _order_differences(order, mine)
    for _key, trades_left in sorted(ours.items()):
        by_symbol = defaultdict(list)
        for trade in trades_left:
            by_symbol[trade.symbol].append(trade)
        for symbol, same in sorted(by_symbol.items()):
            found.append(
                Difference(
                    "missing_at_broker",
                    same[0].broker_order_id,
                    symbol,
                    None,
                    _ours(same),
                    [t.id for t in same],
                )
            )
    return found, len(broker)


def _order_differences(order: BrokerOrder, mine: list) -> list[Difference]:
    ours = _ours(mine)
    ids = [t.id for t in mine]

    def difference(kind, broker_value, our_value):
        return Difference(kind, order.order_id, order.symbol, broker_value, our_value, ids)

    found = []
    if ours["side"] != order.side:
        found.append(difference("side", order.side, ours["side"]))
    if ours["quantity"] != order.filled:
        found.append(difference("quantity", order.filled, ours["quantity"]))
    if ours["average_price"] != to_won(order.average):
        found.append(difference("price", to_won(order.average), ours["average_price"]))
    named = order.venues & set(Venue.values)
    if len(order.venues) == 1 and named and ours["venue"] != next(iter(named)):
        found.append(difference("venue", next(iter(named)), ours["venue"]))
    return found


def _merged_holdings(holdings: list[Holding]) -> dict[str, tuple[int, Decimal]]:
    """(quantity, average purchase price) per symbol; rows of one symbol (cash and credit,
    say) added up."""
    merged: dict[str, list] = {}
    for holding in holdings:
        amount = holding.purchase_amount
        if amount is None:
            amount = holding.average_price * holding.quantity
        entry = merged.setdefault(holding.symbol, [0, Decimal(0)])
        entry[0] += holding.quantity
        entry[1] += amount
    return {s: (q, a / q if q else Decimal(0)) for s, (q, a) in merged.items()}


def compare_holdings(account, day: dt.date, holdings: list[Holding]):
    """Differences between the broker's holdings and ours at the end of `day`, and the
    average price convention each side uses."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), KST) - dt.timedelta(
        microseconds=1
    )
    held = replay(positions.trades_in_order(until=end, accounts=[account.pk]), actions_until(end))
    ours = {symbol: h for (_, symbol), h in held.items() if h.quantity}
    broker = _merged_holdings(holdings)
    found, seen = [], set()
    for symbol in sorted(broker.keys() | ours.keys()):
        quantity, average = broker.get(symbol, (0, Decimal(0)))
        mine = ours.get(symbol)
        our_quantity = mine.quantity if mine else 0
        if quantity != our_quantity:
            found.append(Difference("position_quantity", "", symbol, quantity, our_quantity))
            continue
        if not quantity:
            continue
        if to_won(average) == to_won(mine.average_price):
            seen.add("excluded")
        elif to_won(average) == to_won(mine.average_with_fees):
            seen.add("included")
        else:
            found.append(
                Difference(
                    "position_average_price",
                    "",
                    symbol,
                    to_won(average),
                    to_won(mine.average_price),
                )
            )
    if seen == {"excluded"} or seen == {"included"}:
        broker_convention = CONVENTIONS[seen.pop()]
    elif seen:
        broker_convention = "mixed: " + ", ".join(CONVENTIONS[c] for c in sorted(seen))
    else:
        broker_convention = "not known: no holding had equal quantities on both sides"
    conventions = {"ours": OUR_CONVENTION, "broker": broker_convention}
    return found, conventions


def compare(*, account, day: dt.date, orders: list[Order], holdings: list[Holding] | None):
    """The reconciliation of one account and day; nothing is written."""
    todays = [o for o in orders if o.order_date in (None, day)]
    trades = day_fills(account, day)
    differences, order_count = compare_orders(todays, trades)
    result = Result(
        account=account,
        day=day,
        differences=differences,
        checked={"orders": order_count, "fills": len(trades), "holdings": 0},
        other_days=len(orders) - len(todays),
    )
    if holdings is not None:
        found, result.conventions = compare_holdings(account, day, holdings)
        result.differences += found
        result.checked["holdings"] = len(_merged_holdings(holdings))
    return result


@transaction.atomic
def record(result: Result, *, orders_file: tuple[str, bytes], balance_file, run_by: str):
    """Keep the run and its differences; returns the run."""
    run = ReconciliationRun.objects.create(
        account=result.account,
        date=result.day,
        status=result.status,
        orders_file=orders_file[0][:255],
        orders_sha256=sha256(orders_file[1]),
        balance_file=balance_file[0][:255] if balance_file else "",
        balance_sha256=sha256(balance_file[1]) if balance_file else "",
        run_by=run_by[:150],
        checked_orders=result.checked["orders"],
        checked_fills=result.checked["fills"],
        checked_holdings=result.checked["holdings"],
        difference_count=len(result.differences),
        conventions=result.conventions or {},
    )
    bulk_create_with_history(
        [
            ReconciliationDifference(
                run=run,
                kind=d.kind,
                broker_order_id=d.broker_order_id,
                symbol=d.symbol,
                broker=d.broker,
                ours=d.ours,
                trades=[str(pk) for pk in d.trades],
            )
            for d in result.differences
        ],
        ReconciliationDifference,
    )
    return run


def shown(value) -> str:
    """A difference's value as a person reads it."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        if "status" in value:
            return value["status"]
        text = f"{value['side']} {value['quantity']:,} @ {value['average_price']:,}"
        return text + (f" ({value['venue']})" if value.get("venue") else "")
    return f"{value:,}" if isinstance(value, int) else str(value)


def describe(result: Result, run) -> list[str]:
    """The result as lines of text for a person."""
    checked = result.checked
    head = (
        f"Account {result.account.code}, {result.day}: "
        + (f"{len(result.differences)} differences" if result.differences else "match")
        + f" ({checked['orders']} orders, {checked['fills']} fills"
        + (f", {checked['holdings']} holdings" if result.conventions else "")
        + " checked)."
    )
    lines = [head]
    for d in result.differences:
        where = " ".join(
            filter(None, [f"order {d.broker_order_id}" if d.broker_order_id else "", d.symbol])
        )
        lines.append(f"  {d.kind}: {where}: broker {shown(d.broker)}, ours {shown(d.ours)}")
    if result.other_days:
        lines.append(f"{result.other_days} orders of other days in the report were left out.")
    if result.conventions:
        lines.append(
            f"Average prices: ours are the {result.conventions['ours']}; the broker's "
            f"(pchs_avg_pric): {result.conventions['broker']}."
        )
    lines.append(f"Kept as reconciliation {run.pk}.")
    return lines
