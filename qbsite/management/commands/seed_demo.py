"""Fill an empty back office with demo data (real KRX names, made-up numbers)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from qbsite import demo


class Command(BaseCommand):
    help = (
        "Load the demo data set: 21 KRX stocks, a year of daily bars, a week of 1-minute "
        "bars, trades with the positions they give, strategy performance, risk metrics and "
        "system logs. Does nothing when the database already holds stocks, bars or trades."
    )

    def handle(self, *args, **options):
        try:
            if demo.is_loaded():
                self.stdout.write("Demo data not loaded: the database already holds data.")
                return
            counts = demo.seed()
        except DatabaseError as e:
            raise CommandError(f"Could not load the demo data: {e}") from e
        summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
