"""Load OHLCV bars from the files Korean users keep: pykrx, FinanceDataReader, the KRX data
portal, Yahoo and yfinance, KIS, Cybos, files with a code column, headerless files and our
canonical CSV.

Exit codes: 0 every row loaded (or skipped as a day without trading); 1 nothing loaded
(with --skip-invalid too, when every row was rejected); 2 bad command line; 3 loaded, but
some rows were rejected (--skip-invalid: they are in PATH.rejects.csv).
"""

import getpass
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import encodings
from marketdata.loader import loading
from marketdata.loader.formats import BY_NAME
from marketdata.models import Interval

EXIT_REJECTED = 3


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


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return ""


def _lines(numbers) -> str:
    return ", ".join(map(str, numbers))


class Command(BaseCommand):
    help = (
        "Load market data bars into market_data; the layout is recognised from the header. "
        "Without --skip-invalid any invalid row fails the whole run and nothing is written. "
        "Exit codes: 0 loaded, 1 nothing loaded, 3 loaded with rejected rows."
    )
    exit_code = 0

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="CSV files, .gz too; - reads stdin"
        )
        parser.add_argument(
            "--symbol",
            help="symbol of a file without a symbol column: a KRX code (005930) or an index "
            "(1001 or KOSPI, 1028, 2001 or KOSDAQ, 2203)",
        )
        parser.add_argument(
            "--interval",
            choices=Interval.values,
            help="interval of a file without an interval column (default: from the times)",
        )
        parser.add_argument("--format", default="auto", choices=["auto", *BY_NAME])
        parser.add_argument(
            "--columns",
            metavar="ROLES",
            help="for a file without a header: each column's role in order, such as "
            "date,open,high,low,close,volume,- (- or any other word: ignored)",
        )
        parser.add_argument("--tz", default="Asia/Seoul", help="zone of naive date-times")
        parser.add_argument("--encoding", default="auto", choices=encodings.ENCODINGS)
        parser.add_argument(
            "--bar-time",
            choices=loading.BAR_TIMES,
            help="whether minute bars are stamped with their start (as we store them) or "
            "their end (Cybos), which moves each back by its interval",
        )
        parser.add_argument(
            "--on-conflict",
            default="update",
            choices=loading.ON_CONFLICT,
            help="what an existing (time, symbol, interval) bar gets",
        )
        parser.add_argument(
            "--repair-high-low",
            action="store_true",
            help="widen a high or low that misses open or close by at most one tick (adjusted "
            "prices rounded by their source), reporting each row",
        )
        parser.add_argument(
            "--replace-phantoms",
            action="store_true",
            help="let rows with open = high = low = close and volume 0 replace stored bars "
            "that have volume (they never do otherwise)",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="load the valid rows, write the others to PATH.rejects.csv (exit code 3)",
        )
        parser.add_argument(
            "--rejects-dir",
            metavar="DIR",
            help="write the PATH.rejects.csv files here instead of beside each file",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, write nothing"
        )

    def run_from_argv(self, argv):
        super().run_from_argv(argv)
        sys.exit(self.exit_code)

    def handle(self, *args, paths, **options):
        opts = loading.Options(
            symbol=options["symbol"],
            interval=options["interval"],
            format=options["format"],
            columns=options["columns"],
            tz=options["tz"],
            encoding=options["encoding"],
            bar_time=options["bar_time"],
            on_conflict=options["on_conflict"],
            repair=options["repair_high_low"],
            replace_phantoms=options["replace_phantoms"],
            skip_invalid=options["skip_invalid"],
            rejects_dir=options["rejects_dir"],
            dry_run=options["dry_run"],
        )
        verbosity = options["verbosity"]
        progress = Progress(sys.stderr) if sys.stderr.isatty() and verbosity else None
        started = time.monotonic()
        try:
            results = loading.load(paths, opts, progress=progress, os_user=_os_user())
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
        self.report(results, opts, time.monotonic() - started, verbosity)

    def report(self, results, opts, elapsed, verbosity):
        if verbosity > 1 or len(results) > 1:
            for r in results:
                self.stdout.write(
                    f"{r.file} ({r.format}, {r.encoding}, {r.interval}, {r.way} {r.write}): "
                    f"{r.summary()}"
                )
        total = loading.Result(
            file="total",
            inserted=sum(r.inserted for r in results),
            updated=sum(r.updated for r in results),
            unchanged=sum(r.unchanged for r in results),
            skipped=sum(r.skipped for r in results),
            rejected=sum(r.rejected for r in results),
        )
        for r in results:
            if r.repaired:
                self.stdout.write(
                    f"{r.file}: repaired {r.repaired:,} rows, widening high or low by at most "
                    f"one tick to cover open and close: lines {_lines(r.repaired_lines)}"
                    + (" ..." if r.repaired > len(r.repaired_lines) else "")
                )
            if r.phantoms:
                self.stderr.write(
                    f"{r.file}: kept {r.phantoms:,} stored bars with volume over rows with "
                    "open = high = low = close and volume 0 (phantoms): lines "
                    f"{_lines(r.phantom_lines)}"
                    + (" ..." if r.phantoms > len(r.phantom_lines) else "")
                    + "; --replace-phantoms lets them replace the stored bars",
                    self.style.WARNING,
                )
        missing = sorted({s for r in results for s in r.without_metadata})
        if missing:
            self.stderr.write(
                f"No stock metadata for {', '.join(missing)}: `manage.py load_stock_metadata` "
                "adds names and markets",
                self.style.WARNING,
            )
        rows = sum(r.rows for r in results)
        rate = rows / elapsed if elapsed else 0
        prefix = "Dry run, nothing written: would have " if opts.dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(f"{prefix}{total.summary()} in {elapsed:.1f} s ({rate:,.0f} rows/s)")
        )
        rejected = [r for r in results if r.rejected]
        for r in rejected:
            rest = (
                "the other rows were loaded"
                if r.rows > r.rejected
                else "none of its rows were loaded"
            )
            self.stderr.write("\n".join(r.errors))
            self.stderr.write(
                f"{r.rejected:,} rejected rows of {r.file} are in {r.rejects_path}; {rest}"
            )
        if rejected and all(r.rows == r.rejected for r in results):
            raise CommandError("Nothing was loaded: every row was rejected")
        if rejected:
            self.exit_code = EXIT_REJECTED
