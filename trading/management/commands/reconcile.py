"""Reconcile one account's day with the broker's own reports (KIS)."""

import getpass
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from marketdata import arguments
from trading import reconciliation
from trading.books import checks
from trading.models import Account, UnknownAccount
from trading.reconciliation import broker_reports

MATCH, DIFFERENCES, UNUSABLE = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Compare an account's fills of a day with KIS's order report (inquire-daily-ccld) "
        "and, with --balance, its positions at the end of the day with KIS's holdings "
        "(inquire-balance) and, from its output2, the cash (dnca_tot_amt, nxdy_excc_amt, "
        "prvs_rcdl_excc_amt) and total value with ours; with --profit, realized PnL, fees and "
        "taxes per day or symbol (inquire-period-profit, inquire-period-trade-profit). "
        "Files: the API's JSON (the body, its output1 list, or a list of "
        "bodies) or CSV with the same field names. Every run is kept. Exit 0 when all "
        "matches, 1 when there are differences, 2 when a file cannot be used. Nothing is "
        "written to the trades unless --create-missing is confirmed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=arguments.code, required=True, metavar="CODE")
        parser.add_argument(
            "--date", required=True, type=arguments.day, help="the trading day, YYYY-MM-DD"
        )
        parser.add_argument("--orders", required=True, type=Path, metavar="FILE")
        parser.add_argument("--balance", type=Path, metavar="FILE")
        parser.add_argument(
            "--profit",
            type=Path,
            action="append",
            metavar="FILE",
            help="KIS inquire-period-profit or inquire-period-trade-profit (may be repeated)",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create a fill for each order the broker filled that we lack (after a "
            "preview and a yes), then rebuild the account's positions",
        )
        parser.add_argument(
            "--yes", action="store_true", help="with --create-missing: do not ask, create"
        )

    def handle(self, *args, account, date, orders, balance, profit, create_missing, yes, **options):
        day = date
        try:
            chosen = Account.objects.for_codes([account])[0]
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}", returncode=UNUSABLE) from e
        except DatabaseError as e:
            raise CommandError(
                f"Not reconciled: the database said: {e}".strip(), returncode=UNUSABLE
            ) from e
        orders_file = self._read(orders)
        balance_file = self._read(balance) if balance else None
        profit_files = [self._read(path) for path in profit or []]
        try:
            broker_orders = broker_reports.orders(orders_file[1], orders_file[0])
            broker_holdings = (
                broker_reports.holdings(balance_file[1], balance_file[0]) if balance_file else None
            )
            books_inputs = checks.read(balance_file=balance_file, profit_files=profit_files)
        except broker_reports.BrokerFileError as e:
            raise CommandError(str(e), returncode=UNUSABLE) from e
        try:
            result = reconciliation.compare(
                account=chosen, day=day, orders=broker_orders, holdings=broker_holdings
            )
            books = checks.compare(account=chosen, day=day, inputs=books_inputs)
            with transaction.atomic():
                run = reconciliation.record(
                    result,
                    orders_file=orders_file,
                    balance_file=balance_file,
                    run_by=f"{getpass.getuser()} (manage.py reconcile)",
                )
                check = checks.record(books, run=run, inputs=books_inputs) if books_inputs else None
        except DatabaseError as e:
            raise CommandError(
                f"Not reconciled: the database said: {e}", returncode=UNUSABLE
            ) from e
        if options["format"] == "json":
            report = result.as_json()
            if check:
                report["books"] = books.as_json()
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            for line in reconciliation.describe(result, run):
                self.stdout.write(line)
            for line in checks.describe(books, check) if check else ():
                self.stdout.write(line)
        if create_missing:
            # With JSON on stdout, the preview and the question go to stderr.
            self._create_missing(run, yes, self.stderr if options["format"] == "json" else None)
        found = len(result.differences) + (len(books.differences) if check else 0)
        if found:
            raise CommandError(
                f"{found} differences with the broker (run {run.pk}).", returncode=DIFFERENCES
            )

    def _read(self, path: Path) -> tuple[str, bytes]:
        try:
            return str(path), path.read_bytes()
        except OSError as e:
            raise CommandError(f"{path}: {e.strerror or e}", returncode=UNUSABLE) from e

    def _create_missing(self, run, yes, out=None):
        try:
            planned = reconciliation.missing_fills(run)
        except reconciliation.UnusableRun as e:
            raise CommandError(f"No fill created: {e}", returncode=UNUSABLE) from e
        out = out or self.stdout
        if not planned:
            out.write("No order the broker filled is missing here: no fill to create.")
            return
        out.write(f"Fills to create in account {run.account.code} (from the broker's report):")
        for trade in planned:
            out.write(f"  {reconciliation.fill_line(trade)}")
        if not yes:
            if not sys.stdin.isatty():
                out.write("Nothing created: pass --yes to create them without a question.")
                return
            answer = input(f"Create these {len(planned)} fills? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                out.write("Nothing created.")
                return
        created = reconciliation.create_missing(run)
        out.write(
            self.style.SUCCESS(
                f"Created {len(created)} fills and rebuilt the positions of account "
                f"{run.account.code}."
            )
        )
