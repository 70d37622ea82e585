"""A load tried and rolled back, to show before it is confirmed: how the file was read, what
it would do (new, changed, unchanged, rejected, skipped, duplicates), its first and last
bars and each bar it would change, before and after. The admin's load page
(marketdata/admin/bar_uploads.py) shows it; confirming runs the same load for real."""

from dataclasses import dataclass, field

from django.db import connection, transaction

from display import numbers
from marketdata.loader import history as load_history
from marketdata.loader import loading

BARS_SHOWN = 5
CHANGES_SHOWN = 50


@dataclass(frozen=True)
class ShownBar:
    time: object
    symbol: str
    interval: str
    values: str  # open / high / low / close / volume, as the desk reads them


@dataclass
class Preview:
    result: loading.Result | None = None
    errors: list[str] = field(default_factory=list)
    first: list[ShownBar] = field(default_factory=list)
    last: list[ShownBar] = field(default_factory=list)
    changes: list = field(default_factory=list)  # history.Change, before and after

    @property
    def ok(self) -> bool:
        return self.result is not None


def _bars(load_id: int, order: str) -> list[ShownBar]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT time, symbol, interval_type, open, high, low, close, volume FROM market_data "
            f"WHERE load_id = %s ORDER BY time {order}, symbol LIMIT %s",
            [load_id, BARS_SHOWN],
        )
        rows = cursor.fetchall()
    if order == "DESC":
        rows.reverse()
    return [
        ShownBar(
            time=row[0],
            symbol=row[1],
            interval=row[2],
            values=" / ".join([*(numbers.price(p) for p in row[3:7]), numbers.quantity(row[7])]),
        )
        for row in rows
    ]


def preview(path: str, opts: loading.Options, *, user) -> Preview:
    """Load the file at `path` as `opts` say, look at what it did, and roll it all back."""
    shown = Preview()
    with transaction.atomic():
        try:
            (result,) = loading.load([path], opts, user=user)
        except loading.LoadError as e:
            shown.errors = [*e.errors, *([e.hint] if e.hint else [])]
            more = e.total - len(e.errors)
            if more > 0:
                shown.errors.insert(len(e.errors), f"... and {more:,} more")
        else:
            shown.result = result
            shown.first = _bars(result.load_id, "ASC")
            shown.last = _bars(result.load_id, "DESC")
            record = load_history.Load.objects.get(pk=result.load_id)
            shown.changes = load_history.changes(record, CHANGES_SHOWN)
        transaction.set_rollback(True)
    return shown
