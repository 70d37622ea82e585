"""TimescaleDB operations on market_data: status, apply, compress, decompress."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from marketdata import arguments
from marketdata.durations import is_interval
from marketdata.sessions import KST
from marketdata.timescale import hypertable as timescale
from marketdata.timescale import setup as timescale_setup
from marketdata.timescale.introspection import inspect


class Command(BaseCommand):
    help = (
        "status: what TimescaleDB says about market_data. apply: bring the server to the "
        "configured state (extension, hypertable with its rows, compression, policies), "
        "idempotently. compress --older-than / decompress --from --to: chunks in a range."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="hypertable, chunks, compression and jobs")
        sub.add_parser("apply", help="set up what is missing; report each step")
        compress = sub.add_parser("compress", help="compress chunks older than an age")
        compress.add_argument("--older-than", required=True, metavar="INTERVAL")
        compress.add_argument("--dry-run", action="store_true")
        decompress = sub.add_parser("decompress", help="decompress chunks in a date range")
        decompress.add_argument(
            "--from", dest="start", required=True, metavar="DATE", type=arguments.day
        )
        decompress.add_argument(
            "--to", dest="end", required=True, metavar="DATE", type=arguments.day
        )
        decompress.add_argument("--dry-run", action="store_true")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DatabaseError as e:
            raise CommandError(f"{action}: the database said: {e}".strip()) from e

    def _status(self, **options):
        info = inspect(connection)
        caps = info.caps
        if not caps.available:
            raise CommandError(f"TimescaleDB is not available on {caps.server}.")
        lines = [
            f"server: {caps.server}, TimescaleDB {info.version or 'not installed'}"
            + (f" ({caps.license} license)" if caps.license else "")
        ]
        if not info.is_hypertable:
            lines.append("market_data: a plain table; run `manage.py timescale apply`")
        else:
            lines.append(f"market_data: hypertable, {info.chunks} chunks of {info.chunk_interval}")
            if info.compression_enabled:
                size = ""
                if info.ratio:
                    size = (
                        f", {info.bytes_before / 1e6:,.1f} MB -> "
                        f"{info.bytes_after / 1e6:,.1f} MB ({info.ratio:.1f}x)"
                    )
                lines.append(
                    f"compression: {info.compressed_chunks} of {info.chunks} chunks{size}; "
                    f"{info.backlog} older than {info.compress_after} still uncompressed"
                )
            else:
                lines.append("compression: off")
            for job in info.jobs:
                last = job.last_run_status or "not run yet"
                next_start = (
                    f"{job.next_start.astimezone(KST):%Y-%m-%d %H:%M}" if job.next_start else "-"
                )
                lines.append(
                    f"{job.kind} policy: job {job.job_id}, {job.setting}, every "
                    f"{job.schedule_interval}, last run {last}, next {next_start}, "
                    f"{job.total_failures} failures"
                )
            if not info.jobs:
                lines.append("policies: none")
        for line in lines:
            self.stdout.write(line)

    def _apply(self, **options):
        caps = timescale.detect(connection)
        if not caps.available:
            raise CommandError(
                f"TimescaleDB is not available on {caps.server}. {timescale.HOW_TO_GET_IT}"
            )
        steps = timescale_setup.apply(connection, mode="auto")
        for step in steps:
            self.stdout.write(str(step))
        changed = sum(1 for s in steps if not s.outcome.startswith((timescale.IN_PLACE, "skipped")))
        self.stdout.write(
            self.style.SUCCESS(
                f"{changed} steps changed the server."
                if changed
                else "Everything was already in place."
            )
        )

    def _require_hypertable(self):
        if not timescale.is_hypertable(connection):
            raise CommandError("market_data is not a hypertable; run `manage.py timescale apply`.")

    def _compress(self, older_than, dry_run, **options):
        if not is_interval(older_than):
            raise CommandError(f"--older-than {older_than!r}: not an interval like '7 days'")
        self._require_hypertable()
        with connection.cursor() as cursor:
            cursor.execute("SELECT now() - %s::interval", [older_than])
            cutoff = cursor.fetchone()[0]
        self._change("compress", dry_run, timescale.chunks_to_compress(connection, cutoff))

    def _decompress(self, start, end, dry_run, **options):
        first = dt.datetime.combine(start, dt.time(), KST)
        last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), KST)
        if last <= first:
            raise CommandError("--to must not be before --from")
        self._require_hypertable()
        self._change("decompress", dry_run, timescale.chunks_to_decompress(connection, first, last))

    def _change(self, action, dry_run, chunks):
        for chunk in chunks:
            self.stdout.write(f"{'would ' if dry_run else ''}{action} {chunk}")
        if not dry_run:
            with transaction.atomic():
                timescale.change_chunks(connection, action, chunks)
        verb = f"Would {action}" if dry_run else f"{action.capitalize()}ed"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(chunks)} chunks."))
