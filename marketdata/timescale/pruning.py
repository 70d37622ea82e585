"""Remove old bars: drop_chunks on a hypertable, DELETE elsewhere or when filtered."""

from dataclasses import dataclass

from django.db import connection, transaction

from marketdata.durations import is_interval
from marketdata.timescale import day_counts
from marketdata.timescale import hypertable as timescale


class PruneError(ValueError):
    pass


@dataclass
class Pruned:
    method: str  # "drop_chunks" or "delete"
    rows: int
    chunks: int = 0


def prune(*, older_than: str, symbol=None, interval=None, dry_run=False) -> Pruned:
    """Remove bars older than now() - `older_than`, or count what would go with dry_run.

    drop_chunks removes whole chunks only: rows in the chunk that straddles the cutoff stay
    until their chunk is wholly older, as with the retention policy. Filtered pruning, and
    any pruning of a plain table, deletes exactly the rows before the cutoff.
    """
    if not is_interval(older_than):
        raise PruneError(f"--older-than {older_than!r}: not an interval like '90 days' or '1 year'")
    cutoff = "now() - %s::interval"
    filters, params = ["time < " + cutoff], [older_than]
    if symbol:
        filters.append("symbol = %s")
        params.append(symbol)
    if interval:
        filters.append("interval_type = %s")
        params.append(interval)
    where = " AND ".join(filters)
    whole_chunks = not symbol and not interval and timescale.is_hypertable(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {cutoff}", [older_than])
        # What the per-day counts must forget, once the bars are gone.
        removed = [day_counts.Change(symbol=symbol, interval=interval, last=cursor.fetchone()[0])]
        if whole_chunks:
            cursor.execute(
                f"SELECT c::text FROM show_chunks('market_data', older_than => {cutoff}) c",
                [older_than],
            )
            chunks = [name for (name,) in cursor.fetchall()]
            rows = 0
            for chunk in chunks:  # names from show_chunks, not from the user
                cursor.execute(f"SELECT count(*) FROM {chunk}")
                rows += cursor.fetchone()[0]
            if not dry_run:
                cursor.execute(
                    f"SELECT drop_chunks('market_data', older_than => {cutoff})", [older_than]
                )
                day_counts.changed(removed)
            return Pruned("drop_chunks", rows, len(chunks))
        if dry_run:
            cursor.execute(f"SELECT count(*) FROM market_data WHERE {where}", params)
            return Pruned("delete", cursor.fetchone()[0])
        cursor.execute(f"DELETE FROM market_data WHERE {where}", params)
        pruned = Pruned("delete", cursor.rowcount)
        day_counts.changed(removed)
        return pruned
