"""Bars per day of each series (symbol, interval): the summary that coverage, the gap
report and the list of series read instead of the bars, so that they do not grow with them.

`market_data_days` has one row per (symbol, interval_type, day): the day (00:00 Korea
time), the number of bars and the first and last bar time of that day. It is kept in one
of three ways, chosen by what the server can do (`setup`):

- TRIGGERS, on plain PostgreSQL: a table kept by statement-level triggers on market_data
  with transition tables, so every write counts, whoever makes it (the loader, the admin,
  the trading engine, psql): inserts (COPY included), deletes, truncates, and updates that
  move a bar to another time, symbol or interval. A session that holds a temporary table
  `qb_load_days` (`hand_counts`) is handed the per-day counts of what it inserts there as
  well: the loader reads its series from them (`handed_series`) instead of from its bars,
  so that counting takes no pass of its own over the file.
- AGGREGATE, on TimescaleDB with the Timescale license: a continuous aggregate with
  real-time aggregation, refreshed by a policy; our own writers refresh the days they
  changed once they commit (`changed`).
- REFRESHED, on TimescaleDB's Apache edition (hypertables refuse transition tables, and
  continuous aggregates need the Timescale license): a table that our writers recount for
  the days they changed; bars written by others are counted by `marketdata_coverage
  --refresh` (run it from cron) or `--rebuild`.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import transaction
from psycopg2 import sql

from marketdata.sessions import KST, MARKET_TIME_ZONE
from marketdata.timescale import aggregates
from marketdata.timescale import hypertable as timescale

log = logging.getLogger("marketdata.day_counts")

TABLE = "market_data_days"
TRIGGERS, AGGREGATE, REFRESHED = "triggers", "continuous aggregate", "refreshed by writers"
REFRESH_SCHEDULE = "1 hour"
LOAD_DAYS = "qb_load_days"  # a session's own counts of what it inserts (hand_counts)

_ZONE = sql.Literal(MARKET_TIME_ZONE)
_DAY = sql.SQL("date_trunc('day', time, {})").format(_ZONE)

_CREATE_TABLE = sql.SQL(
    """
    CREATE TABLE market_data_days (
        symbol varchar(10) NOT NULL,
        interval_type varchar(5) NOT NULL,
        day timestamptz NOT NULL,
        bars bigint NOT NULL CHECK (bars > 0),
        first timestamptz NOT NULL,
        last timestamptz NOT NULL,
        PRIMARY KEY (symbol, interval_type, day)
    )
    """
)

# Counts per day of a set of bars, in key order so that concurrent writers lock the
# summary's rows in the same order.
_COUNTS = sql.SQL(
    "SELECT symbol, interval_type, {day} AS day, count(*) AS bars, min(time) AS first, "
    "max(time) AS last FROM {source} {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)

# The insert trigger's function. A session holding pg_temp.qb_load_days (the loader, during
# its COPY) is handed the per-day counts of its inserts there, and the summary is added to
# from that small table: one pass over the new bars serves both.
_ADD_FUNCTION = sql.SQL(
    """
    CREATE OR REPLACE FUNCTION market_data_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF to_regclass('pg_temp.qb_load_days') IS NULL THEN
            INSERT INTO market_data_days AS d (symbol, interval_type, day, bars, first, last)
            {added}
            ON CONFLICT (symbol, interval_type, day) DO UPDATE
            SET bars = d.bars + excluded.bars, first = least(d.first, excluded.first),
                last = greatest(d.last, excluded.last);
        ELSE
            WITH handed AS (
                INSERT INTO pg_temp.qb_load_days (symbol, interval_type, day, bars, first, last)
                {added}
                RETURNING symbol, interval_type, day, bars, first, last
            )
            INSERT INTO market_data_days AS d (symbol, interval_type, day, bars, first, last)
            SELECT symbol, interval_type, day, bars, first, last FROM handed ORDER BY 1, 2, 3
            ON CONFLICT (symbol, interval_type, day) DO UPDATE
            SET bars = d.bars + excluded.bars, first = least(d.first, excluded.first),
                last = greatest(d.last, excluded.last);
        END IF;
        RETURN NULL;
    END $$;
    """
).format(added=_COUNTS.format(day=_DAY, source=sql.Identifier("new_bars"), where=sql.SQL("")))

_TRIGGER_FUNCTIONS = sql.SQL(
    """
    {add_function}

    CREATE FUNCTION market_data_days_remove() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        WITH removed AS MATERIALIZED ({removed}),
        counted AS (
            SELECT d.symbol, d.interval_type, d.day, d.bars - r.bars AS bars
            FROM market_data_days d JOIN removed r USING (symbol, interval_type, day)
            ORDER BY 1, 2, 3 FOR UPDATE OF d
        ),
        emptied AS (
            DELETE FROM market_data_days d USING counted c
            WHERE (d.symbol, d.interval_type, d.day) = (c.symbol, c.interval_type, c.day)
              AND c.bars <= 0
        )
        UPDATE market_data_days d SET bars = c.bars,
            first = (SELECT min(m.time) FROM market_data m
                WHERE m.symbol = d.symbol AND m.interval_type = d.interval_type
                  AND m.time >= d.day AND m.time < d.day + interval '1 day'),
            last = (SELECT max(m.time) FROM market_data m
                WHERE m.symbol = d.symbol AND m.interval_type = d.interval_type
                  AND m.time >= d.day AND m.time < d.day + interval '1 day')
        FROM counted c
        WHERE (d.symbol, d.interval_type, d.day) = (c.symbol, c.interval_type, c.day)
          AND c.bars > 0;
        RETURN NULL;
    END $$;

    CREATE FUNCTION market_data_days_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- A bar moved to another time, symbol or interval: count it again from the bars.
        DELETE FROM market_data_days WHERE (symbol, interval_type, day) IN (
            (OLD.symbol, OLD.interval_type, date_trunc('day', OLD.time, {zone})),
            (NEW.symbol, NEW.interval_type, date_trunc('day', NEW.time, {zone})));
        INSERT INTO market_data_days (symbol, interval_type, day, bars, first, last)
        SELECT m.symbol, m.interval_type, date_trunc('day', m.time, {zone}), count(*),
               min(m.time), max(m.time)
        FROM market_data m JOIN (SELECT DISTINCT * FROM (VALUES
            (OLD.symbol, OLD.interval_type, date_trunc('day', OLD.time, {zone})),
            (NEW.symbol, NEW.interval_type, date_trunc('day', NEW.time, {zone}))
        ) AS v(symbol, interval_type, day)) AS k
          ON m.symbol = k.symbol AND m.interval_type = k.interval_type
         AND m.time >= k.day AND m.time < k.day + interval '1 day'
        GROUP BY 1, 2, 3
        ON CONFLICT (symbol, interval_type, day) DO NOTHING;
        RETURN NULL;
    END $$;

    CREATE FUNCTION market_data_days_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE market_data_days;
        RETURN NULL;
    END $$;

    CREATE TRIGGER market_data_days_insert AFTER INSERT ON market_data
        REFERENCING NEW TABLE AS new_bars FOR EACH STATEMENT
        EXECUTE FUNCTION market_data_days_add();
    CREATE TRIGGER market_data_days_delete AFTER DELETE ON market_data
        REFERENCING OLD TABLE AS old_bars FOR EACH STATEMENT
        EXECUTE FUNCTION market_data_days_remove();
    CREATE TRIGGER market_data_days_move AFTER UPDATE ON market_data FOR EACH ROW
        WHEN (OLD.time IS DISTINCT FROM NEW.time OR OLD.symbol IS DISTINCT FROM NEW.symbol
              OR OLD.interval_type IS DISTINCT FROM NEW.interval_type)
        EXECUTE FUNCTION market_data_days_move();
    CREATE TRIGGER market_data_days_truncate AFTER TRUNCATE ON market_data
        FOR EACH STATEMENT EXECUTE FUNCTION market_data_days_clear();
    """
).format(
    add_function=_ADD_FUNCTION,
    removed=_COUNTS.format(day=_DAY, source=sql.Identifier("old_bars"), where=sql.SQL("")),
    zone=_ZONE,
)

_DROP_TRIGGERS = """
    DROP TRIGGER IF EXISTS market_data_days_insert ON market_data;
    DROP TRIGGER IF EXISTS market_data_days_delete ON market_data;
    DROP TRIGGER IF EXISTS market_data_days_move ON market_data;
    DROP TRIGGER IF EXISTS market_data_days_truncate ON market_data;
    DROP FUNCTION IF EXISTS market_data_days_add(), market_data_days_remove(),
        market_data_days_move(), market_data_days_clear();
"""

_CREATE_AGGREGATE = sql.SQL(
    """
    CREATE MATERIALIZED VIEW market_data_days
    WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
    SELECT symbol, interval_type, time_bucket('1 day', time, {zone}) AS day,
           count(*) AS bars, min(time) AS first, max(time) AS last
    FROM market_data
    GROUP BY symbol, interval_type, time_bucket('1 day', time, {zone})
    WITH NO DATA
    """
).format(zone=_ZONE)


@dataclass(frozen=True)
class Change:
    """Bars that a writer changed: of one series or of all (None), between two times
    (None: unbounded), both included."""

    symbol: str | None = None
    interval: str | None = None
    first: dt.datetime | None = None
    last: dt.datetime | None = None


def kind(connection=default_connection) -> str | None:
    """How market_data_days is kept here, or None before it exists."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind, EXISTS (SELECT 1 FROM pg_trigger t "
            "WHERE t.tgname = 'market_data_days_insert') "
            "FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [TABLE],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    relkind, triggers = row
    if relkind == "v":
        return AGGREGATE
    return TRIGGERS if triggers else REFRESHED


def wanted(connection) -> str:
    """How market_data_days should be kept on this server."""
    if not timescale.is_hypertable(connection):
        return TRIGGERS
    return AGGREGATE if timescale.detect(connection).compression else REFRESHED


def setup(connection) -> str:
    """Create market_data_days the way this server allows, or convert it when the server
    changed (TimescaleDB arrived), and count the bars. Returns what was done."""
    current, target = kind(connection), wanted(connection)
    if current == target:
        return timescale.IN_PLACE
    drop(connection)
    if target == AGGREGATE:
        with connection.cursor() as cursor:
            cursor.execute(_CREATE_AGGREGATE)
            cursor.execute(
                "CREATE INDEX market_data_days_series "
                "ON market_data_days (symbol, interval_type, day)"
            )
            # The newest day stays real-time (end_offset); the policy materializes each
            # finished day and whatever was changed in older ones.
            cursor.execute(
                "SELECT add_continuous_aggregate_policy('market_data_days', "
                "start_offset => NULL, end_offset => INTERVAL '1 hour', "
                "schedule_interval => %s::interval)",
                [REFRESH_SCHEDULE],
            )
        _refresh_aggregate(connection, None, None)
    else:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(_CREATE_TABLE)
                if target == TRIGGERS:
                    cursor.execute(_TRIGGER_FUNCTIONS)
            _recount(connection, Change(), lock=True)
    return f"{timescale.DONE} ({target})"


def drop(connection) -> None:
    """Remove market_data_days and its triggers, whichever way it was kept."""
    current = kind(connection)
    with connection.cursor() as cursor:
        cursor.execute(_DROP_TRIGGERS)
        if current == AGGREGATE:
            cursor.execute("DROP MATERIALIZED VIEW market_data_days")
        elif current is not None:
            cursor.execute("DROP TABLE market_data_days")


def detach_triggers(connection) -> None:
    """Drop the triggers (a hypertable refuses triggers with transition tables); `setup`
    then keeps the summary the way the new server allows."""
    with connection.cursor() as cursor:
        cursor.execute(_DROP_TRIGGERS)


def changed(changes: list[Change], connection=default_connection) -> None:
    """Bring the summary, and the continuous aggregates of coarser bars, up to date after a
    writer changed bars. With triggers there is nothing to do; a continuous aggregate is
    refreshed once the transaction commits (it cannot be refreshed inside one); a
    refreshed table is recounted now, in the writer's transaction."""
    how = kind(connection)
    if how == REFRESHED:
        for change in changes:
            _recount(connection, change)
    elif how == AGGREGATE:
        minutes = [c for c in changes if c.interval in (None, aggregates.SOURCE)]

        def refresh():
            for start, end in _windows(changes):
                _refresh_aggregate(connection, start, end)
            # The coarser bars made from 1-minute bars (a continuous aggregate on another
            # refreshes from the one below it, so in this order).
            for aggregate in aggregates.existing(connection):
                for start, end in _windows(minutes):
                    aggregates.refresh(connection, aggregate, start, end)

        transaction.on_commit(refresh, using=connection.alias)


def hand_counts(connection=default_connection) -> None:
    """From now on in this transaction, the insert trigger hands this session the per-day
    counts of the bars it inserts (in pg_temp.qb_load_days), besides adding them to the
    summary, until `handed_series` reads them. Only where the summary is kept by triggers."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {LOAD_DAYS} (symbol varchar(10), interval_type varchar(5), "
            "day timestamptz, bars bigint, first timestamptz, last timestamptz) "
            "ON COMMIT DROP"
        )


def handed_series(connection=default_connection) -> list[tuple]:
    """(symbol, interval, bars, first, last) of each series inserted since `hand_counts`,
    in key order; the trigger stops handing counts over."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT symbol, interval_type, sum(bars)::bigint, min(first), max(last) "
            f"FROM {LOAD_DAYS} GROUP BY 1, 2 ORDER BY 1, 2"
        )
        series = cursor.fetchall()
        cursor.execute(f"DROP TABLE {LOAD_DAYS}")
    return series


def update_functions(connection) -> None:
    """Bring the trigger functions of a summary kept by triggers to this version."""
    if kind(connection) == TRIGGERS:
        with connection.cursor() as cursor:
            cursor.execute(_ADD_FUNCTION)


def rebuild(connection=default_connection) -> str:
    """Count every bar again."""
    how = kind(connection)
    if how is None:
        raise LookupError(f"{TABLE} does not exist; run manage.py migrate")
    if how == AGGREGATE:
        _refresh_aggregate(connection, None, None, force=True)
    else:
        with transaction.atomic(using=connection.alias):
            _recount(connection, Change(), lock=True)
    return how


def refresh(*, since: dt.datetime, connection=default_connection) -> str:
    """Count again the bars from `since` on: for servers where the summary is refreshed by
    writers (run it from cron to count what the trading engine wrote)."""
    how = kind(connection)
    if how == AGGREGATE:
        _refresh_aggregate(connection, since, None)
    elif how == REFRESHED:
        with transaction.atomic(using=connection.alias):
            _recount(connection, Change(first=since))
    return how


def _day(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.astimezone(KST).date(), dt.time(), KST)


def _windows(changes) -> list[tuple]:
    """Whole days, merged where they overlap, for the continuous aggregate's refresh."""
    spans = sorted(
        (
            _day(c.first) if c.first else None,
            _day(c.last) + dt.timedelta(days=1) if c.last else None,
        )
        for c in changes
    )
    if any(start is None for start, _ in spans):
        ends = [end for _, end in spans]
        return [(None, None if None in ends else max(ends))]
    merged = []
    for start, end in spans:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            previous = merged[-1][1]
            merged[-1] = (merged[-1][0], None if None in (previous, end) else max(previous, end))
        else:
            merged.append((start, end))
    return merged


def _refresh_aggregate(connection, start, end, *, force=False) -> None:
    with connection.cursor() as cursor:
        if force and _has_force(cursor):
            cursor.execute(
                "CALL refresh_continuous_aggregate('market_data_days', %s::timestamptz, "
                "%s::timestamptz, force => true)",
                [start, end],
            )
        else:
            cursor.execute(
                "CALL refresh_continuous_aggregate('market_data_days', %s::timestamptz, "
                "%s::timestamptz)",
                [start, end],
            )


def _has_force(cursor) -> bool:
    """refresh_continuous_aggregate(force => ...) arrived in TimescaleDB 2.19."""
    cursor.execute(
        "SELECT pg_get_function_arguments('refresh_continuous_aggregate'::regproc) LIKE '%%force%%'"
    )
    return cursor.fetchone()[0]


def _recount(connection, change: Change, *, lock=False) -> None:
    """Replace the summary's rows of the days `change` touched by counts from the bars."""
    filters, params = [], []
    for column, value in (("symbol", change.symbol), ("interval_type", change.interval)):
        if value:
            filters.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
            params.append(value)
    bars_filters, day_filters = list(filters), list(filters)
    bars_params, day_params = list(params), list(params)
    if change.first:
        bars_filters.append(sql.SQL("time >= %s"))
        day_filters.append(sql.SQL("day >= %s"))
        bars_params.append(_day(change.first))
        day_params.append(_day(change.first))
    if change.last:
        end = _day(change.last) + dt.timedelta(days=1)
        bars_filters.append(sql.SQL("time < %s"))
        day_filters.append(sql.SQL("day < %s"))
        bars_params.append(end)
        day_params.append(end)

    def where(parts):
        return sql.SQL("WHERE ") + sql.SQL(" AND ").join(parts) if parts else sql.SQL("")

    with connection.cursor() as cursor:
        if lock:
            # No bar may change while the whole summary is counted again.
            cursor.execute("LOCK TABLE market_data IN SHARE MODE")
        cursor.execute(
            sql.SQL("DELETE FROM market_data_days {}").format(where(day_filters)), day_params
        )
        cursor.execute(
            sql.SQL("INSERT INTO market_data_days (symbol, interval_type, day, bars, first, last) ")
            + _COUNTS.format(
                day=_DAY, source=sql.Identifier("market_data"), where=where(bars_filters)
            ),
            bars_params,
        )
