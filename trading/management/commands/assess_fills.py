"""Check fills' charges against the commission and tax schedules, and their prices against
the tick grid and the daily limit; store the result on each fill."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import arguments
from marketdata.sessions import KST
from trading import fills
from trading.models import Account, Trade, UnknownAccount


class Command(BaseCommand):
    help = (
        "For each fill: expected commission (the account's schedule for its venue and date), "
        "expected tax (the rates in force on its settlement date), whether the charges differ "
        "by more than one won, whether its price is on the tick grid and within the daily "
        "limit. By default only fills never checked (written by the engine, say); --all "
        "checks every fill again, after a schedule or a stock's market or kind changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="every",
            help="check every fill, not only unchecked ones",
        )
        parser.add_argument(
            "--account", type=arguments.code, action="append", dest="accounts", metavar="CODE"
        )
        parser.add_argument(
            "--from", dest="start", type=arguments.day, help="first trade date (Korea time)"
        )
        parser.add_argument(
            "--to", dest="end", type=arguments.day, help="last trade date (Korea time)"
        )

    def handle(self, *args, every, accounts, start, end, **options):
        trades = Trade.objects.all()
        if not every:
            trades = trades.filter(settles_on__isnull=True)
        if start:
            trades = trades.filter(executed_at__gte=dt.datetime.combine(start, dt.time(), KST))
        if end:
            after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), KST)
            trades = trades.filter(executed_at__lt=after)
        try:
            if accounts:
                trades = trades.filter(account__in=Account.objects.for_codes(accounts))
            counts = fills.reassess(trades)
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}") from e
        except DatabaseError as e:
            raise CommandError(f"Fills not checked: the database said: {e}".strip()) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {counts['assessed']:,} fills: charges differ on "
                f"{counts.get('charges differ', 0):,}, {counts.get('off the tick grid', 0):,} "
                f"off the tick grid, {counts.get('outside the daily limit', 0):,} outside the "
                "daily limit."
            )
        )
