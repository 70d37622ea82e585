"""Load OHLCV bars from pykrx, FinanceDataReader, KIS or canonical CSV files."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import encodings, loading
from marketdata.formats import BY_NAME
from marketdata.models import Interval


class Progress:
    """A one-line progress bar on a terminal; nothing when output is redirected."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.last = 0.0

    def __call__(self, name, done, total=None):
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        if total:
            filled = min(self.WIDTH, int(self.WIDTH * done / total))
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            line = f"{name} [{bar}] {min(done / total, 1):4.0%} of {total / 1e6:,.1f} MB"
        else:
            line = f"{name}: read {done / 1e6:,.1f} MB"
        self.stream.write("\r" + line[:100].ljust(100))
        self.stream.flush()

    def clear(self):
        self.stream.write("\r" + " " * 100 + "\r")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Load market data bars into market_data. Formats: qb (time,symbol,interval_type,open,"
        "high,low,close,volume), pykrx, fdr, kis-daily, kis-minute; detected from the header. "
        "Without --skip-invalid any invalid row fails the whole run and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="CSV files, .gz too; - reads stdin"
        )
        parser.add_argument("--symbol", help="symbol for files without a symbol column")
        parser.add_argument(
            "--interval", choices=Interval.values, help="interval for files without one"
        )
        parser.add_argument("--format", default="auto", choices=["auto", *BY_NAME])
        parser.add_argument("--tz", default="Asia/Seoul", help="zone of naive timestamps")
        parser.add_argument("--encoding", default="auto", choices=encodings.ENCODINGS)
        parser.add_argument(
            "--on-conflict",
            default="update",
            choices=loading.ON_CONFLICT,
            help="what an existing (time, symbol, interval) bar gets",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="load the valid rows, write the others to PATH.rejects.csv (exit code 1)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, write nothing"
        )

    def handle(self, *args, paths, **options):
        opts = loading.Options(
            symbol=options["symbol"],
            interval=options["interval"],
            format=options["format"],
            tz=options["tz"],
            encoding=options["encoding"],
            on_conflict=options["on_conflict"],
            skip_invalid=options["skip_invalid"],
            dry_run=options["dry_run"],
        )
        progress = Progress(sys.stderr) if sys.stderr.isatty() and options["verbosity"] else None
        started = time.monotonic()
        try:
            results = loading.load(paths, opts, progress)
        except loading.LoadError as e:
            shown = "\n".join(e.errors)
            more = e.total - len(e.errors)
            if more > 0:
                shown += f"\n... and {more:,} more"
            raise CommandError(f"Nothing was loaded.\n{shown}") from e
        except DatabaseError as e:
            raise CommandError(f"Nothing was loaded: the database said: {e}".strip()) from e
        finally:
            if progress:
                progress.clear()
        elapsed = time.monotonic() - started
        rows = sum(r.rows for r in results)
        prefix = "Dry run, nothing written: would have " if opts.dry_run else ""
        if options["verbosity"] > 1 or len(results) > 1:
            for r in results:
                self.stdout.write(f"{r.file} ({r.format}, {r.encoding}): {r.summary()}")
        total = loading.Result(
            file="total",
            inserted=sum(r.inserted for r in results),
            updated=sum(r.updated for r in results),
            unchanged=sum(r.unchanged for r in results),
            halted=sum(r.halted for r in results),
            rejected=sum(r.rejected for r in results),
        )
        rate = rows / elapsed if elapsed else 0
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}{total.summary()} in {elapsed:.1f} s ({rate:,.0f} rows/s)")
        )
        rejected = [r for r in results if r.rejected]
        if rejected:
            lines = []
            for r in rejected:
                lines += r.errors
                lines.append(f"{r.rejected:,} rejected rows of {r.file} are in {r.rejects_path}")
            raise CommandError("\n".join(lines))
