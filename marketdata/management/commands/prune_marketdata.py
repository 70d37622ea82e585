"""Remove market data bars older than a given age."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import arguments
from marketdata.models import Interval
from marketdata.timescale import pruning


class Command(BaseCommand):
    help = (
        "Remove bars older than --older-than (e.g. '2 years'). The whole table uses "
        "drop_chunks on a hypertable (whole chunks only) and DELETE on a plain table; "
        "--symbol or --interval deletes exactly those rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, metavar="INTERVAL")
        parser.add_argument("--symbol", type=arguments.symbol)
        parser.add_argument("--interval", choices=Interval.values)
        parser.add_argument("--dry-run", action="store_true", help="count, remove nothing")

    def handle(self, *args, older_than, symbol, interval, dry_run, **options):
        try:
            pruned = pruning.prune(
                older_than=older_than, symbol=symbol, interval=interval, dry_run=dry_run
            )
        except pruning.PruneError as e:
            raise CommandError(str(e)) from e
        except DatabaseError as e:
            raise CommandError(f"Nothing was removed: the database said: {e}".strip()) from e
        what = f"{pruned.rows:,} bars"
        if pruned.method == "drop_chunks":
            what += f" in {pruned.chunks:,} chunks (drop_chunks)"
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(self.style.SUCCESS(f"{verb} {what} older than {older_than}."))
