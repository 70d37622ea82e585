"""Recompute positions from the trades and corporate actions, show where they differ from the
stored ones, fix them; and book the cash the actions paid into the ledger."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from marketdata import arguments
from marketdata.sessions import KST
from trading import positions
from trading.books import action_cash
from trading.models import Account, UnknownAccount
from trading.positions.accounting import OversellError


class Command(BaseCommand):
    help = (
        "Rebuild positions, per account, from trades in time order (average cost, realized "
        "PnL net of commission and tax), marked to the newest close at or before --as-of. "
        "With --dry-run, print the reconciliation against the stored positions and write "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--symbol", action="append", dest="symbols", metavar="SYMBOL", type=arguments.symbol
        )
        parser.add_argument(
            "--account",
            type=arguments.code,
            action="append",
            dest="accounts",
            metavar="CODE",
            help="only this account (repeat for several; default: every account)",
        )
        parser.add_argument(
            "--as-of",
            type=arguments.moment,
            help="date or ISO date-time (Korea time), at most today; default now",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, symbols, accounts, dry_run, **options):
        moment = options["as_of"] or timezone.now()
        try:
            chosen = None if not accounts else Account.objects.for_codes(accounts)
            run = positions.reconcile if dry_run else positions.rebuild
            result = run(as_of=moment, symbols=symbols, accounts=chosen)
            # The cash the corporate actions paid (dividends, fractions) goes with them.
            booked = action_cash.book(accounts=chosen, write=not dry_run)
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}") from e
        except OversellError as e:
            raise CommandError(f"Positions not rebuilt: {e}") from e
        except DatabaseError as e:
            raise CommandError(f"Positions not rebuilt: the database said: {e}".strip()) from e
        for difference in result.differences:
            self.stdout.write(str(difference))
        if booked.writes or booked.waiting:
            self.stdout.write(("Would book " if dry_run else "Booked ") + str(booked) + ".")
        changed = len(result.differences)
        when = f"{moment.astimezone(KST):%Y-%m-%d %H:%M %Z}"
        if dry_run:
            self.stdout.write(
                f"Dry run: {changed} positions differ, {result.unchanged} agree, as of {when}."
            )
        else:
            summary = f"{changed} changed, {result.unchanged} unchanged"
            self.stdout.write(self.style.SUCCESS(f"Rebuilt positions as of {when}: {summary}."))
