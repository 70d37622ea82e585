"""Load stock metadata from FinanceDataReader listings (KRX, KRX-DESC, and the pre-2022 KRX
listing) or our canonical CSV (symbol,name,market[,...]; `Symbol,Name,Market` files too).

Exit codes: 0 every row loaded; 1 nothing loaded; 2 bad command line; 3 loaded, but some
rows were rejected (--skip-invalid: they are in PATH.rejects.csv).
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import encodings
from marketdata.loader import listing

EXIT_REJECTED = 3


class Command(BaseCommand):
    help = (
        "Upsert stock metadata by symbol from a FinanceDataReader StockListing('KRX') or "
        "('KRX-DESC') export, the pre-2022 listing (Symbol,Market,Name,Sector,...) or a "
        "canonical CSV (symbol,name,market[,name_en,kind,sector,industry,market_cap,"
        "listed_shares,listing_date,is_active]). Only the file's fields change; every change "
        "is kept in the stock's history. Any invalid row fails the whole run and nothing is "
        "written, unless --skip-invalid."
    )
    exit_code = 0

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--encoding", default="auto", choices=encodings.ENCODINGS)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="load the valid rows (fund codes and other securities are not), write the "
            "others to PATH.rejects.csv (exit code 3)",
        )
        parser.add_argument(
            "--rejects-dir",
            metavar="DIR",
            help="write PATH.rejects.csv here instead of beside the file",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, write nothing"
        )

    def run_from_argv(self, argv):
        super().run_from_argv(argv)
        sys.exit(self.exit_code)

    def handle(self, *args, path, encoding, skip_invalid, rejects_dir, dry_run, **options):
        try:
            result = listing.load(
                path,
                encoding=encoding,
                skip_invalid=skip_invalid,
                rejects_dir=rejects_dir,
                dry_run=dry_run,
            )
        except listing.ListingError as e:
            more = e.total - len(e.errors)
            shown = "\n".join(e.errors) + (f"\n... and {more:,} more" if more > 0 else "")
            hint = "\n--skip-invalid loads the valid rows" if e.in_rows else ""
            raise CommandError(f"Nothing was loaded.\n{shown}{hint}") from e
        except DatabaseError as e:
            raise CommandError(f"Nothing was loaded: the database said: {e}".strip()) from e
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{result.summary()} ({result.format}, {result.rows:,} rows)"
            )
        )
        if result.rejected:
            self.stderr.write("\n".join(result.errors))
            where = f" are in {result.rejects_path}" if result.rejects_path else ""
            self.stderr.write(
                f"{result.rejected:,} rejected rows of {result.file}{where}; the other rows "
                "were loaded"
            )
            self.exit_code = EXIT_REJECTED
