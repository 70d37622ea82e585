"""What the connected server can do with TimescaleDB, and the SQL that sets `market_data` up.

The migration, the `timescale` command and the health checks all go through here, so the
decision "hypertable? compression? policies?" is made in one place.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError

log = logging.getLogger("marketdata.timescale")

TABLE = "market_data"
SEGMENT_BY = "symbol, interval_type"
ORDER_BY = "time DESC"

HOW_TO_GET_IT = (
    "Use the Timescale-licensed build (the official timescale/timescaledb Docker image, "
    "`docker compose up`), then run `manage.py migrate`."
)


class TimescaleRequired(CommandError):
    """QB_TIMESCALEDB=required and the server cannot do what is required."""


@dataclass(frozen=True)
class Capabilities:
    server: str  # "host:port (PostgreSQL 17.5)", for messages
    available: bool  # the extension can be created on this server
    installed: str | None = None  # installed extension version
    license: str | None = None  # "timescale" or "apache" once installed

    @property
    def compression(self) -> bool:
        return self.license == "timescale"


@dataclass(frozen=True)
class Plan:
    hypertable: bool
    compression: bool
    warning: str | None = None


def detect(connection) -> Capabilities:
    params = connection.get_connection_params()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute(
            "SELECT installed_version FROM pg_available_extensions WHERE name = 'timescaledb'"
        )
        row = cursor.fetchone()
        license = None
        if row and row[0]:
            cursor.execute("SELECT current_setting('timescaledb.license', true)")
            license = cursor.fetchone()[0]
    host = params.get("host") or "local socket"
    server = f"{host}:{params.get('port') or 5432} (PostgreSQL {version})"
    return Capabilities(
        server=server, available=row is not None, installed=row[0] if row else None, license=license
    )


def decide(caps: Capabilities, mode: str) -> Plan:
    """What to set up on a server with `caps`, for QB_TIMESCALEDB=`mode`."""
    if mode == "off":
        return Plan(hypertable=False, compression=False)
    if not caps.available:
        message = (
            f"TimescaleDB is not available on {caps.server}: `market_data` stays a plain "
            f"table (no hypertable, compression or retention). {HOW_TO_GET_IT}"
        )
        if mode == "required":
            raise TimescaleRequired(
                f"QB_TIMESCALEDB=required, but the server {caps.server} has no timescaledb "
                f"extension (pg_available_extensions). {HOW_TO_GET_IT}"
            )
        return Plan(hypertable=False, compression=False, warning=message)
    if caps.license is not None and not caps.compression:
        message = (
            f"TimescaleDB on {caps.server} is the {caps.license!r} edition: `market_data` is a "
            f"hypertable, but compression and the compression/retention policies need the "
            f"Timescale license and were skipped. {HOW_TO_GET_IT}"
        )
        if mode == "required":
            raise TimescaleRequired(
                f"QB_TIMESCALEDB=required, but TimescaleDB on {caps.server} is the "
                f"{caps.license!r} edition, without compression or policies. {HOW_TO_GET_IT}"
            )
        return Plan(hypertable=True, compression=False, warning=message)
    return Plan(hypertable=True, compression=True)


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str  # "done", "already in place", "removed" or "skipped: why"

    def __str__(self):
        return f"{self.name}: {self.outcome}"


DONE, IN_PLACE = "done", "already in place"


def _policy(cursor, proc, key):
    """The configured interval of `proc`'s job on the table, or None."""
    cursor.execute(
        "SELECT config->>%s FROM timescaledb_information.jobs "
        "WHERE hypertable_name = %s AND proc_name = %s",
        [key, TABLE, proc],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _same_interval(cursor, a, b) -> bool:
    cursor.execute("SELECT %s::interval = %s::interval", [a, b])
    return cursor.fetchone()[0]


def _ensure_policy(cursor, *, name, proc, key, add, remove, wanted) -> Step:
    current = _policy(cursor, proc, key)
    if wanted is None:
        if current is None:
            return Step(name, IN_PLACE)
        cursor.execute(f"SELECT {remove}(%s, if_exists => TRUE)", [TABLE])
        return Step(name, "removed")
    if current is not None and _same_interval(cursor, current, wanted):
        return Step(name, IN_PLACE)
    if current is not None:
        cursor.execute(f"SELECT {remove}(%s, if_exists => TRUE)", [TABLE])
    cursor.execute(f"SELECT {add}(%s, %s::interval)", [TABLE, wanted])
    return Step(name, f"{DONE} ({key} {wanted})")


def setup(connection, *, mode=None, before_conversion=None) -> list[Step]:
    """Bring `market_data` to the configured state, step by step. Idempotent: a step whose
    state is already right says so and changes nothing. `before_conversion(connection)` runs
    just before a plain table becomes a hypertable (marketdata/timescale/setup.py)."""
    mode = mode or settings.QB_TIMESCALEDB
    steps = []
    caps = detect(connection)
    if mode != "off" and caps.available and not caps.installed:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        caps = detect(connection)
        steps.append(Step("extension", DONE))
    elif caps.installed:
        steps.append(Step("extension", IN_PLACE))
    plan = decide(caps, mode)
    if plan.warning:
        log.warning(plan.warning)
    if not plan.hypertable:
        return steps
    with connection.cursor() as cursor:
        if is_hypertable(connection):
            steps.append(Step("hypertable", IN_PLACE))
        else:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            rows = cursor.fetchone()[0]
            if before_conversion is not None:
                before_conversion(connection)
            cursor.execute(
                "SELECT create_hypertable(%s, by_range('time', %s::interval), "
                "migrate_data => TRUE)",
                [TABLE, settings.MARKETDATA_CHUNK_INTERVAL],
            )
            steps.append(Step("hypertable", f"{DONE} ({rows:,} bars moved into chunks)"))
        cursor.execute(
            "SELECT time_interval = %s::interval FROM timescaledb_information.dimensions "
            "WHERE hypertable_name = %s AND column_name = 'time'",
            [settings.MARKETDATA_CHUNK_INTERVAL, TABLE],
        )
        if cursor.fetchone()[0]:
            steps.append(Step("chunk interval", IN_PLACE))
        else:
            cursor.execute(
                "SELECT set_chunk_time_interval(%s, %s::interval)",
                [TABLE, settings.MARKETDATA_CHUNK_INTERVAL],
            )
            steps.append(
                Step("chunk interval", f"{DONE} ({settings.MARKETDATA_CHUNK_INTERVAL}, new chunks)")
            )
        if not plan.compression:
            why = f"skipped: the {caps.license} edition has no compression or policies"
            return [*steps, Step("compression", why), Step("policies", why)]
        cursor.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = %s",
            [TABLE],
        )
        if cursor.fetchone()[0]:
            steps.append(Step("compression", IN_PLACE))
        else:
            cursor.execute(
                f"ALTER TABLE {TABLE} SET (timescaledb.compress, "
                f"timescaledb.compress_segmentby = '{SEGMENT_BY}', "
                f"timescaledb.compress_orderby = '{ORDER_BY}')"
            )
            steps.append(Step("compression", DONE))
        steps.append(
            _ensure_policy(
                cursor,
                name="compression policy",
                proc="policy_compression",
                key="compress_after",
                add="add_compression_policy",
                remove="remove_compression_policy",
                wanted=settings.MARKETDATA_COMPRESS_AFTER,
            )
        )
        steps.append(
            _ensure_policy(
                cursor,
                name="retention policy",
                proc="policy_retention",
                key="drop_after",
                add="add_retention_policy",
                remove="remove_retention_policy",
                wanted=settings.MARKETDATA_RETENTION,
            )
        )
    return steps


def is_hypertable(connection, table=TABLE) -> bool:
    if not detect(connection).installed:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = %s", [table]
        )
        return cursor.fetchone() is not None


def teardown(connection) -> None:
    """Undo `setup` as far as TimescaleDB allows: policies and compression go, the
    hypertable stays (a hypertable cannot be turned back into a plain table)."""
    if not detect(connection).compression or not is_hypertable(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT remove_retention_policy(%s, if_exists => TRUE)", [TABLE])
        cursor.execute("SELECT remove_compression_policy(%s, if_exists => TRUE)", [TABLE])
        cursor.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = %s",
            [TABLE],
        )
        if cursor.fetchone()[0]:
            cursor.execute(
                "SELECT decompress_chunk(c, if_compressed => TRUE) FROM show_chunks(%s) c",
                [TABLE],
            )
            cursor.execute(f"ALTER TABLE {TABLE} SET (timescaledb.compress = false)")


def chunks_to_compress(connection, older_than) -> list[str]:
    """Uncompressed chunks that end at or before `older_than`."""
    return _chunks(connection, "NOT c.is_compressed AND c.range_end <= %s", [older_than])


def chunks_to_decompress(connection, start, end) -> list[str]:
    """Compressed chunks that hold any time in [start, end)."""
    return _chunks(
        connection, "c.is_compressed AND c.range_end > %s AND c.range_start < %s", [start, end]
    )


def _chunks(connection, condition, params) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%%I.%%I', c.chunk_schema, c.chunk_name) "
            f"FROM timescaledb_information.chunks c WHERE c.hypertable_name = %s AND {condition} "
            "ORDER BY c.range_start",
            [TABLE, *params],
        )
        return [name for (name,) in cursor.fetchall()]


def change_chunks(connection, action: str, chunks: list[str]) -> None:
    function = "compress_chunk" if action == "compress" else "decompress_chunk"
    flag = "if_not_compressed" if action == "compress" else "if_compressed"
    with connection.cursor() as cursor:
        for chunk in chunks:
            cursor.execute(f"SELECT {function}(%s::regclass, {flag} => TRUE)", [chunk])


def compressed_chunks_holding(connection, ranges) -> int:
    """How many compressed chunks of market_data hold any time of the given (first, last)
    ranges, both ends included."""
    if not ranges or not is_hypertable(connection):
        return 0
    firsts, lasts = (list(column) for column in zip(*ranges, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM timescaledb_information.chunks c WHERE c.hypertable_name = %s "
            "AND c.is_compressed AND EXISTS (SELECT 1 FROM unnest(%s::timestamptz[], "
            "%s::timestamptz[]) AS r(first, last) "
            "WHERE c.range_start <= r.last AND c.range_end > r.first)",
            [TABLE, firsts, lasts],
        )
        return cursor.fetchone()[0]


DECOMPRESSION_LIMIT = "timescaledb.max_tuples_decompressed_per_dml_transaction"


def lift_decompression_limit(connection) -> None:
    """A TimescaleDB server refuses DML that decompresses more than
    timescaledb.max_tuples_decompressed_per_dml_transaction tuples (100,000 by default).
    Backfills, corrections and undoing a load write into old, compressed chunks by design:
    lift the limit for the current transaction only (SET LOCAL); the compression policy
    compresses the chunks again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '0', true)", [DECOMPRESSION_LIMIT])
