"""Read corporate actions from a CSV/XLSX file of ours or a saved KSD answer (JSON)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trading.actions.imports import COLUMNS, ActionFileError, import_file
from trading.books import action_cash
from trading.positions import OversellError


class Command(BaseCommand):
    help = (
        "Import corporate actions: a CSV or XLSX file with the columns "
        f"{','.join(COLUMNS)} (unused ones empty), or the JSON KIS answers for a ksdinfo "
        "schedule (dividend, bonus-issue, rev-split, paidin-capin, merger-split, cap-dcrs). "
        "Every row is checked first; one problem and nothing is written. An action already "
        "recorded (symbol, kind, record date) is corrected. The positions it touches are "
        "marked stale: run rebuild_positions. The dividends and the cash for fractions "
        "are booked into the cash ledger at once; the NAV they touch goes stale."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = import_file(file)
        except ActionFileError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            f"{file.name}: {result.created} created, {result.updated} corrected, "
            f"{result.unchanged} unchanged. Positions of these stocks are stale until "
            "rebuild_positions runs."
        )
        try:
            booked = action_cash.book()
        except OversellError as e:
            raise CommandError(
                f"The actions are recorded, but their cash is not booked: {e} Correct the "
                "fills, then run compute_nav."
            ) from e
        self.stdout.write(f"Booked {booked}; the NAV of the accounts it touched is stale.")
