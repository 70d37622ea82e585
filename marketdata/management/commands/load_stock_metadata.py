"""Load stock metadata from FinanceDataReader listings or our canonical CSV."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import encodings, listing


class Command(BaseCommand):
    help = (
        "Upsert stock metadata by symbol from a FinanceDataReader StockListing('KRX') or "
        "('KRX-DESC') export or a canonical CSV (symbol,name,market[,name_en,sector,industry,"
        "market_cap,listed_shares,listing_date,is_active]). Only the file's fields change. "
        "Any invalid row fails the whole run and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--encoding", default="auto", choices=encodings.ENCODINGS)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, write nothing"
        )

    def handle(self, *args, path, encoding, dry_run, **options):
        try:
            result = listing.load(path, encoding=encoding, dry_run=dry_run)
        except listing.ListingError as e:
            more = e.total - len(e.errors)
            shown = "\n".join(e.errors) + (f"\n... and {more:,} more" if more > 0 else "")
            raise CommandError(f"Nothing was loaded.\n{shown}") from e
        except DatabaseError as e:
            raise CommandError(f"Nothing was loaded: the database said: {e}".strip()) from e
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{result.summary()} ({result.format}, {result.rows:,} rows)"
            )
        )
