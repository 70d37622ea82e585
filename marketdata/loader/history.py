"""The record of every load (marketdata.models.Load): the file, how it came in, what it
changed, who ran it, and the series it wrote. It is written in the load's own transaction,
so a load that fails or is a dry run leaves no record, and a record always matches bars."""

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db import connection

from display import numbers
from marketdata.models import Load, LoadSeries


def begin(*, source, layout_format: str, encoding: str, opts, user, os_user: str, started):
    return Load.objects.create(
        file=source.name[:500],
        size=source.size,
        sha256=source.sha256(),
        format=layout_format,
        encoding=encoding,
        options={k: v for k, v in dataclasses.asdict(opts).items() if k != "dry_run"},
        interval="",
        way="",
        user=user,
        os_user=os_user[:100],
        started_at=started,
        seconds=0,
    )


def finish(record: Load, result, *, seconds: float) -> None:
    for name in (
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "skipped",
        "rejected",
        "repaired",
        "phantoms",
        "compressed_chunks",
    ):
        setattr(record, name, getattr(result, name))
    record.interval = result.interval[:60]
    record.way = f"{result.way} {result.write}"
    record.seconds = seconds
    record.save()
    LoadSeries.objects.bulk_create(
        LoadSeries(
            load=record,
            symbol=s.symbol,
            interval_type=s.interval,
            first=s.first,
            last=s.last,
            inserted=s.inserted,
            updated=s.updated,
        )
        for s in result.series
    )


@dataclass(frozen=True)
class Change:
    """A bar a load replaced: as it was, and as it is now (None where it is gone)."""

    time: dt.datetime
    symbol: str
    interval: str
    before: tuple
    now: tuple | None
    now_load: int | None

    @property
    def before_shown(self) -> str:
        return _bar_values(self.before)

    @property
    def now_shown(self) -> str | None:
        return None if self.now is None else _bar_values(self.now)


def _bar_values(values: tuple) -> str:
    """open, high, low, close, volume as the desk reads them: 71,000 / 71,700 / ... / 1,234."""
    *prices, volume = values
    return " / ".join([*(numbers.price(p) for p in prices), numbers.quantity(volume)])


def changes(record: Load, limit: int) -> list[Change]:
    """The first `limit` bars the load replaced, in key order, beside their values now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.time, r.symbol, r.interval_type, r.open, r.high, r.low, r.close, "
            "r.volume, m.open, m.high, m.low, m.close, m.volume, m.load_id "
            "FROM market_data_replaced r LEFT JOIN market_data m "
            "ON m.time = r.time AND m.symbol = r.symbol AND m.interval_type = r.interval_type "
            "WHERE r.load_id = %s ORDER BY r.symbol, r.interval_type, r.time LIMIT %s",
            [record.pk, limit],
        )
        return [
            Change(
                time=row[0],
                symbol=row[1],
                interval=row[2],
                before=row[3:8],
                now=None if row[8] is None else row[8:13],
                now_load=row[13],
            )
            for row in cursor.fetchall()
        ]
