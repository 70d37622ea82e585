"""What TimescaleDB says about `market_data`: chunks, compression, policies and their runs.

Works with the names before and after 2.18 (compression became "columnstore"), and on
servers without TimescaleDB, where it says so instead of failing.
"""

import datetime as dt
from dataclasses import dataclass, field

from marketdata.timescale import aggregates, day_counts
from marketdata.timescale.hypertable import TABLE, Capabilities, detect


@dataclass
class Job:
    job_id: int
    kind: str  # "compression", "retention" or "refresh"
    schedule_interval: dt.timedelta
    setting: str | None  # compress_after / drop_after / start_offset, as configured
    last_run_status: str | None
    last_successful_finish: dt.datetime | None
    next_start: dt.datetime | None
    total_runs: int
    total_failures: int
    table: str = TABLE  # the hypertable or continuous aggregate it works on
    errors: list[str] = field(default_factory=list)  # recent job_errors messages

    def as_dict(self):
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "table": self.table,
            "schedule_interval": str(self.schedule_interval),
            "setting": self.setting,
            "last_run_status": self.last_run_status,
            "last_successful_finish": _iso(self.last_successful_finish),
            "next_start": _iso(self.next_start),
            "total_runs": self.total_runs,
            "total_failures": self.total_failures,
            "recent_errors": self.errors,
        }


@dataclass
class Hypertable:
    caps: Capabilities
    version: str | None = None
    is_hypertable: bool = False
    chunk_interval: dt.timedelta | None = None
    chunks: int = 0
    compression_enabled: bool = False
    compressed_chunks: int = 0
    bytes_before: int | None = None
    bytes_after: int | None = None
    backlog: int = 0  # uncompressed chunks older than the compression window
    compress_after: str | None = None
    jobs: list[Job] = field(default_factory=list)
    aggregate_jobs: list[Job] = field(default_factory=list)  # of the continuous aggregates

    @property
    def ratio(self) -> float | None:
        if self.bytes_before and self.bytes_after:
            return self.bytes_before / self.bytes_after
        return None


def _iso(value):
    return value.isoformat() if value else None


def _has_function(cursor, name):
    cursor.execute("SELECT 1 FROM pg_proc WHERE proname = %s", [name])
    return cursor.fetchone() is not None


def inspect(connection) -> Hypertable:
    caps = detect(connection)
    info = Hypertable(caps=caps)
    if not caps.installed:
        return info
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
        info.version = cursor.fetchone()[0]
        cursor.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = %s",
            [TABLE],
        )
        row = cursor.fetchone()
        if row is None:
            return info
        info.is_hypertable, info.compression_enabled = True, row[0]
        cursor.execute(
            "SELECT time_interval FROM timescaledb_information.dimensions "
            "WHERE hypertable_name = %s AND column_name = 'time'",
            [TABLE],
        )
        info.chunk_interval = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_compressed) "
            "FROM timescaledb_information.chunks WHERE hypertable_name = %s",
            [TABLE],
        )
        info.chunks, info.compressed_chunks = cursor.fetchone()
        info.jobs = _jobs(cursor)
        info.aggregate_jobs = _jobs(
            cursor, tables=[day_counts.TABLE, *(a.view for a in aggregates.AGGREGATES)]
        )
        compression_job = next((j for j in info.jobs if j.kind == "compression"), None)
        if compression_job:
            info.compress_after = compression_job.setting
            cursor.execute(
                "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = %s "
                "AND NOT is_compressed AND range_end < now() - %s::interval",
                [TABLE, info.compress_after],
            )
            info.backlog = cursor.fetchone()[0]
        if info.compression_enabled:
            stats = (
                "hypertable_columnstore_stats"
                if _has_function(cursor, "hypertable_columnstore_stats")
                else "hypertable_compression_stats"
            )
            cursor.execute(
                f"SELECT before_compression_total_bytes, after_compression_total_bytes "
                f"FROM {stats}(%s)",
                [TABLE],
            )
            info.bytes_before, info.bytes_after = cursor.fetchone() or (None, None)
    return info


KINDS = {
    "policy_compression": "compression",
    "policy_retention": "retention",
    "policy_refresh_continuous_aggregate": "refresh",
}


def _jobs(cursor, tables=(TABLE,)) -> list[Job]:
    # policy_compression serves both the compression and (2.18+) the columnstore policy.
    cursor.execute(
        """
        SELECT j.job_id, j.hypertable_name, j.proc_name, j.schedule_interval,
               coalesce(j.config->>'compress_after', j.config->>'drop_after',
                        j.config->>'start_offset'),
               s.last_run_status, s.last_successful_finish, coalesce(s.next_start, j.next_start),
               coalesce(s.total_runs, 0), coalesce(s.total_failures, 0)
        FROM timescaledb_information.jobs j
        LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
        WHERE j.hypertable_name = ANY(%s) AND j.proc_name = ANY(%s)
        ORDER BY j.hypertable_name, j.proc_name
        """,
        [list(tables), list(KINDS)],
    )
    jobs = [
        Job(
            job_id=job_id,
            kind=KINDS[proc],
            table=table,
            schedule_interval=interval,
            setting=setting,
            last_run_status=status,
            last_successful_finish=success,
            next_start=next_start,
            total_runs=runs,
            total_failures=failures,
        )
        for job_id, table, proc, interval, setting, status, success, next_start, runs, failures in (
            cursor.fetchall()
        )
    ]
    if jobs:
        cursor.execute(
            "SELECT job_id, err_message FROM timescaledb_information.job_errors "
            "WHERE job_id = ANY(%s) AND finish_time > now() - interval '24 hours' "
            "ORDER BY finish_time DESC",
            [[j.job_id for j in jobs]],
        )
        by_id = {j.job_id: j for j in jobs}
        for job_id, message in cursor.fetchall():
            by_id[job_id].errors.append(message)
    return jobs


@dataclass
class Chunk:
    name: str
    range_start: dt.datetime
    range_end: dt.datetime
    compressed: bool
    bytes: int  # now on disk
    bytes_before: int | None  # before compression, for compressed chunks


def chunk_sizes(connection) -> list[Chunk]:
    with connection.cursor() as cursor:
        stats = (
            "chunk_columnstore_stats"
            if _has_function(cursor, "chunk_columnstore_stats")
            else "chunk_compression_stats"
        )
        cursor.execute(
            f"""
            SELECT c.chunk_name, c.range_start, c.range_end, c.is_compressed,
                   coalesce(s.after_compression_total_bytes, pg_total_relation_size(
                       format('%%I.%%I', c.chunk_schema, c.chunk_name))),
                   s.before_compression_total_bytes
            FROM timescaledb_information.chunks c
            LEFT JOIN {stats}(%s) s ON s.chunk_name = c.chunk_name
                AND s.compression_status = 'Compressed'
            WHERE c.hypertable_name = %s
            ORDER BY c.range_start DESC
            """,
            [TABLE, TABLE],
        )
        return [Chunk(*row) for row in cursor.fetchall()]
