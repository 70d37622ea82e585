"""The record of every load (marketdata.models.Load): the file, how it came in, what it
changed, who ran it, and the series it wrote. It is written in the load's own transaction,
so a load that fails or is a dry run leaves no record, and a record always matches bars."""

import dataclasses
import datetime as dt

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


def ranges(record: Load) -> list[tuple[str, str, dt.datetime, dt.datetime]]:
    """(symbol, interval, first, last) of every series the load wrote."""
    return list(record.series.values_list("symbol", "interval_type", "first", "last"))
