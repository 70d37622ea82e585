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


def ensure_extension(connection) -> Capabilities:
    """Create the extension where the server has it; return what the server can do then."""
    caps = detect(connection)
    if caps.available and not caps.installed:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        caps = detect(connection)
    return caps


def setup(connection, *, mode=None) -> Plan:
    """Bring `market_data` to the configured state. Idempotent."""
    mode = mode or settings.QB_TIMESCALEDB
    caps = detect(connection) if mode == "off" else ensure_extension(connection)
    plan = decide(caps, mode)
    if plan.warning:
        log.warning(plan.warning)
    with connection.cursor() as cursor:
        if plan.hypertable:
            cursor.execute(
                "SELECT create_hypertable(%s, by_range('time', %s::interval), "
                "if_not_exists => TRUE, migrate_data => TRUE)",
                [TABLE, settings.MARKETDATA_CHUNK_INTERVAL],
            )
        if plan.compression:
            cursor.execute(
                f"ALTER TABLE {TABLE} SET (timescaledb.compress, "
                f"timescaledb.compress_segmentby = '{SEGMENT_BY}', "
                f"timescaledb.compress_orderby = '{ORDER_BY}')"
            )
            cursor.execute(
                "SELECT add_compression_policy(%s, %s::interval, if_not_exists => TRUE)",
                [TABLE, settings.MARKETDATA_COMPRESS_AFTER],
            )
            if settings.MARKETDATA_RETENTION:
                cursor.execute(
                    "SELECT add_retention_policy(%s, %s::interval, if_not_exists => TRUE)",
                    [TABLE, settings.MARKETDATA_RETENTION],
                )
    return plan


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
