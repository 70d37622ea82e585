"""Compute and store the NAV of accounts for every KRX session (trading/books/nav.py):
cash after pending settlements plus the positions marked at the session's close, the cash
of corporate actions (dividends, fractions) booked into the ledger first."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from marketdata import arguments
from trading.books import action_cash, nav
from trading.models import Account, UnknownAccount
from trading.positions import OversellError


class Command(BaseCommand):
    help = (
        "Compute the NAV of an account (or of every one with --all) for each KRX session "
        "from --from (default: its first deposit or fill) to --to (default: the last closed "
        "session), and store it, replacing what was stored for those days. Rebuilding the "
        "days a NAV went stale from clears the stale mark."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--account", type=arguments.code, action="append", metavar="CODE", dest="accounts"
        )
        which.add_argument("--all", action="store_true", help="every account")
        parser.add_argument("--from", type=arguments.day, dest="start", metavar="YYYY-MM-DD")
        parser.add_argument("--to", type=arguments.day, dest="end", metavar="YYYY-MM-DD")

    def handle(self, *args, accounts, all, start, end, **options):
        end = min(end or nav.last_session(), nav.last_session())
        try:
            chosen = list(Account.objects.all()) if all else Account.objects.for_codes(accounts)
            booked = action_cash.book(accounts=chosen)
            counts = nav.rebuild(accounts=chosen, start=start, end=end, book_cash=False)
        except OversellError as e:
            raise CommandError(f"NAV not computed: {e} Correct the fills first.") from e
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}") from e
        except nav.NavError as e:
            raise CommandError(str(e)) from e
        except DatabaseError as e:
            raise CommandError(f"NAV not computed: the database said: {e}") from e
        if booked.writes or booked.from_files or booked.waiting:
            self.stdout.write(f"{str(booked)[0].upper()}{str(booked)[1:]}.")
        for account in chosen:
            days = counts.get(account.pk, 0)
            if not days:
                self.stdout.write(f"{account.code}: no cash and no fills up to {end}.")
                continue
            stored = account.navs.order_by("-date")
            last = stored.filter(date__lte=end).first()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{account.code}: NAV of {days:,} sessions stored; "
                    f"{last.date}: {last.nav:,.0f} KRW."
                )
            )
