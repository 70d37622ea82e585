"""Which bars we hold per symbol and interval, and what is missing."""

import csv
import datetime as dt
import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from adminkit.resources import formula_safe
from marketdata import arguments, coverage
from marketdata.models import Interval
from marketdata.sessions import KST
from marketdata.timescale import day_counts

MAX_GAPS_SHOWN = 20


def width(text) -> int:
    """Columns a terminal gives `text`: Korean letters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def pad(text, columns) -> str:
    return str(text) + " " * (columns - width(text))


class Command(BaseCommand):
    help = (
        "One row per (symbol, interval): bars, first and last, from the per-day counts. "
        "--gaps adds the sessions (daily bars) or minutes inside them (intraday bars) that "
        "are missing. --rebuild counts every bar again; --refresh-since counts again the "
        "bars from a moment on, where the counts are not kept by triggers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--symbol", type=arguments.symbol)
        parser.add_argument("--interval", choices=Interval.values)
        parser.add_argument("--gaps", action="store_true", help="compare with the sessions")
        parser.add_argument("--format", default="table", choices=["table", "json", "csv"])
        parser.add_argument(
            "--rebuild", action="store_true", help="count every bar again, then report"
        )
        parser.add_argument(
            "--refresh-since",
            type=arguments.day,
            metavar="DATE",
            help="count again the bars from this date (Korea time) on, then report",
        )

    def handle(self, *args, symbol, interval, gaps, format, rebuild, refresh_since, **options):
        self.verbosity = options["verbosity"]
        try:
            if rebuild:
                how = day_counts.rebuild()
                self._note(f"Counted every bar again ({how}).")
            elif refresh_since:
                since = dt.datetime.combine(refresh_since, dt.time(), KST)
                how = day_counts.refresh(since=since)
                self._note(f"Counted again the bars from {refresh_since} on ({how}).")
            if gaps:
                rows = coverage.gap_report(symbol=symbol, interval=interval)
            else:
                rows = coverage.coverage(symbol=symbol, interval=interval)
        except (DatabaseError, LookupError) as e:
            raise CommandError(f"Could not read the market data: {e}".strip()) from e
        if format == "json":
            self.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        elif format == "csv":
            writer = csv.writer(self.stdout)
            writer.writerow(["symbol", "name", "interval", "bars", "first", "last", "missing"])
            for r in rows:
                writer.writerow(
                    [
                        r.symbol,
                        formula_safe(r.name),  # as the admin's exports: no live formulas
                        r.interval,
                        r.bars,
                        r.first.isoformat(),
                        r.last.isoformat(),
                        "" if r.missing is None else r.missing,
                    ]
                )
        else:
            self._table(rows, gaps)

    def _note(self, text):
        if self.verbosity:
            self.stderr.write(text)

    def _table(self, rows, gaps):
        if not rows:
            self.stdout.write("No market data.")
            return
        header = ["symbol", "name", "interval", "bars", "first", "last"] + (
            ["missing"] if gaps else []
        )
        lines = [
            [
                r.symbol,
                r.name,
                r.interval,
                f"{r.bars:,}",
                f"{r.first.astimezone(KST):%Y-%m-%d %H:%M}",
                f"{r.last.astimezone(KST):%Y-%m-%d %H:%M}",
            ]
            + ([("-" if r.missing is None else f"{r.missing:,}")] if gaps else [])
            for r in rows
        ]
        widths = [max(width(x) for x in column) for column in zip(header, *lines, strict=True)]
        self.stdout.write(
            "  ".join(pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()
        )
        for r, line in zip(rows, lines, strict=True):
            self.stdout.write(
                "  ".join(pad(x, w) for x, w in zip(line, widths, strict=True)).rstrip()
            )
            for gap in r.gaps[:MAX_GAPS_SHOWN]:
                self.stdout.write(f"    missing {gap}")
            if len(r.gaps) > MAX_GAPS_SHOWN:
                self.stdout.write(f"    ... and {len(r.gaps) - MAX_GAPS_SHOWN:,} more gaps")
