"""Coarser bars from 1-minute bars: TimescaleDB continuous aggregates at 5, 15, 30 and 60
minutes, and bucketing of the bars themselves where there are none.

On TimescaleDB with the Timescale license, `setup` creates `market_data_5m` from the
1-minute bars and each coarser one from the one below it (hierarchical, TimescaleDB 2.9+;
each from the bars on older servers): first open, highest high, lowest low, last close,
summed volume per symbol and bucket, buckets aligned to Korea time. Each has a refresh
policy (the last REFRESH_WINDOW, finished buckets only; newer ones are aggregated in real
time when read) and compression of what is older than COMPRESS_AFTER. Our own writers
refresh the windows they change (day_counts.changed). Elsewhere there are none, said once.

`read` gives a series at a coarser width: from the widest aggregate whose width divides
it, else by bucketing the bars.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from psycopg2 import sql

from marketdata.models import Interval
from marketdata.sessions import MARKET_TIME_ZONE
from marketdata.timescale import hypertable as timescale

log = logging.getLogger("marketdata.aggregates")

SOURCE = Interval.MIN_1


@dataclass(frozen=True)
class Aggregate:
    interval: str
    width: dt.timedelta
    view: str


AGGREGATES = [
    Aggregate(Interval.MIN_5, dt.timedelta(minutes=5), "market_data_5m"),
    Aggregate(Interval.MIN_15, dt.timedelta(minutes=15), "market_data_15m"),
    Aggregate(Interval.MIN_30, dt.timedelta(minutes=30), "market_data_30m"),
    Aggregate(Interval.MIN_60, dt.timedelta(minutes=60), "market_data_60m"),
]
REFRESH_WINDOW = "30 days"
COMPRESS_AFTER = "60 days"  # must be older than what the refresh policy rewrites
# Buckets start at midnight in Korea (a Monday, for weekly ones), not in UTC.
ORIGIN = dt.datetime(2000, 1, 3, tzinfo=dt.timezone(dt.timedelta(hours=9)))
MISSING = (
    "Continuous aggregates need TimescaleDB with the Timescale license; on {server} the chart "
    "and the bars browser bucket the 1-minute bars themselves. {how}"
)

_OHLCV = (
    "first(open, time) AS open, max(high) AS high, min(low) AS low, "
    "last(close, time) AS close, sum(volume) AS volume"
)


def _hierarchical(connection) -> bool:
    """Continuous aggregates on continuous aggregates arrived in TimescaleDB 2.9."""
    version = timescale.detect(connection).installed or "0"
    major, minor = (int(part) for part in version.split(".")[:2])
    return (major, minor) >= (2, 9)


def existing(connection) -> list[Aggregate]:
    """The aggregates this database has."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'v' AND c.relname = ANY(%s)",
            [[a.view for a in AGGREGATES]],
        )
        names = {name for (name,) in cursor.fetchall()}
    return [a for a in AGGREGATES if a.view in names]


def setup(connection) -> str:
    """Create the aggregates, their refresh and compression policies, and fill them; or
    say once why this server gets none. Returns what was done."""
    caps = timescale.detect(connection)
    if not (caps.compression and timescale.is_hypertable(connection)):
        # Information, not a warning: 0002 already warned that TimescaleDB is missing.
        log.info(MISSING.format(server=caps.server, how=timescale.HOW_TO_GET_IT))
        return "skipped: no continuous aggregates on this server"
    have = {a.view for a in existing(connection)}
    if have == {a.view for a in AGGREGATES}:
        return timescale.IN_PLACE
    hierarchical = _hierarchical(connection)
    below = None
    with connection.cursor() as cursor:
        for aggregate in AGGREGATES:
            if aggregate.view not in have:
                _create(cursor, aggregate, below if hierarchical else None)
            below = aggregate
    for aggregate in AGGREGATES:
        if aggregate.view not in have:
            refresh(connection, aggregate, None, None)
    return f"{timescale.DONE} ({', '.join(a.interval for a in AGGREGATES)})"


def _create(cursor, aggregate: Aggregate, below: Aggregate | None) -> None:
    minutes = int(aggregate.width.total_seconds() // 60)
    bucket = sql.SQL("time_bucket({width}::interval, time, {zone})").format(
        width=sql.Literal(f"{minutes} minutes"), zone=sql.Literal(MARKET_TIME_ZONE)
    )
    if below is None:
        source = sql.SQL("market_data WHERE interval_type = {}").format(sql.Literal(SOURCE))
    else:
        source = sql.Identifier(below.view)
    cursor.execute(
        sql.SQL(
            "CREATE MATERIALIZED VIEW {view} "
            "WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS "
            "SELECT symbol, {bucket} AS time, {ohlcv} FROM {source} "
            "GROUP BY symbol, {bucket} WITH NO DATA"
        ).format(
            view=sql.Identifier(aggregate.view),
            bucket=bucket,
            ohlcv=sql.SQL(_OHLCV),
            source=source,
        )
    )
    cursor.execute(
        "SELECT add_continuous_aggregate_policy(%s, start_offset => %s::interval, "
        "end_offset => %s::interval, schedule_interval => %s::interval)",
        [aggregate.view, REFRESH_WINDOW, aggregate.width, aggregate.width],
    )
    cursor.execute(
        sql.SQL(
            "ALTER MATERIALIZED VIEW {} SET (timescaledb.compress = true, "
            "timescaledb.compress_segmentby = 'symbol', timescaledb.compress_orderby = 'time DESC')"
        ).format(sql.Identifier(aggregate.view))
    )
    cursor.execute(
        "SELECT add_compression_policy(%s, compress_after => %s::interval)",
        [aggregate.view, COMPRESS_AFTER],
    )


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for aggregate in reversed(existing(connection)):
            cursor.execute(
                sql.SQL("DROP MATERIALIZED VIEW {}").format(sql.Identifier(aggregate.view))
            )


def refresh(connection, aggregate: Aggregate, start, end) -> None:
    """Materialize [start, end) of one aggregate (None: unbounded), outside a transaction.
    A refresh that rewrites compressed buckets decompresses them: lift the per-transaction
    limit a real server puts on that for this call."""
    with connection.cursor() as cursor:
        cursor.execute("SET timescaledb.max_tuples_decompressed_per_dml_transaction = 0")
        try:
            cursor.execute(
                "CALL refresh_continuous_aggregate(%s, %s::timestamptz, %s::timestamptz)",
                [aggregate.view, _bucket_start(start, aggregate), _bucket_end(end, aggregate)],
            )
        finally:
            cursor.execute("RESET timescaledb.max_tuples_decompressed_per_dml_transaction")


def _bucket_start(moment, aggregate):
    if moment is None:
        return None
    return ORIGIN + (moment - ORIGIN) // aggregate.width * aggregate.width


def _bucket_end(moment, aggregate):
    if moment is None:
        return None
    return ORIGIN + -(-(moment - ORIGIN) // aggregate.width) * aggregate.width
