"""Fill an empty back office with demo data (real KRX names, made-up numbers)."""

import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from qbsite import demo


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return ""


class Command(BaseCommand):
    help = (
        "Load the demo data set: 21 KRX stocks, a year of daily bars and a week of 1-minute "
        "bars (loaded as load_marketdata loads files, so the load history holds them), "
        "trades drawn from those bars with the positions they give, strategy performance, "
        "risk metrics and the week's system logs, and one day of KIS broker reports per "
        "account (kept in --reports-dir) reconciled with one deliberate difference. Does "
        "nothing when the database already holds stocks, bars or trades."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reports-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / ".local" / "demo-broker-reports",
            help="where the demo's broker reports go (default: .local/demo-broker-reports)",
        )

    def handle(self, *args, reports_dir, **options):
        try:
            if demo.is_loaded():
                self.stdout.write("Demo data not loaded: the database already holds data.")
                return
            counts = demo.seed(reports_dir, os_user=_os_user())
        except (DatabaseError, demo.DemoError) as e:
            raise CommandError(f"Could not load the demo data: {e}") from e
        except OSError as e:
            raise CommandError(f"Could not write the demo's broker reports: {e}") from e
        summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        self.stdout.write(f"The broker reports the demo reconciled are in {reports_dir}.")
