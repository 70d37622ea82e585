"""Import cash movements (deposits, withdrawals, dividends, ...) from a CSV or XLSX file,
the admin's import without the browser (trading/books/cash_files.py).

A row already imported is recognised and left as it is, so running the command twice on
one file changes nothing. Every bad row is reported with its line, column and value, and
then nothing is written.
"""

from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from import_export.results import RowResult

from trading.books import cash_files

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Import cash movements from a CSV or XLSX file with the columns account, date, kind, "
        "amount and an optional note. Kinds: deposit, withdrawal, dividend, dividend_tax, "
        "interest, fee, adjustment; amounts are positive (the kind says the direction; an "
        "adjustment carries its own sign). Buys and sells come from the fills. Rows already "
        "imported are left as they are; a file with a bad row writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="check and count only")

    def handle(self, *args, path, dry_run, **options):
        try:
            dataset = cash_files.read(path)
        except cash_files.CashFileError as e:
            raise CommandError(f"{path}: {e}") from e
        resource = cash_files.CashMovementResource()
        try:
            result = resource.import_data(
                dataset, dry_run=dry_run, rollback_on_validation_errors=True
            )
        except DatabaseError as e:
            raise CommandError(f"{path}: nothing imported: the database said: {e}") from e
        for error in result.base_errors:  # the whole file: its columns, a database down
            raise CommandError(f"{path}: nothing imported: {error.error}")
        problems = [
            f"{path}:{row.number + 1}: {self._where(resource, field)}{' '.join(messages)}"
            for row in result.invalid_rows
            for field, messages in row.error_dict.items()
        ] + [
            f"{path}:{number + 1}: {error.error}"
            for number, errors in result.row_errors()
            for error in errors
        ]
        if problems:
            for line in problems[:SHOWN_ERRORS]:
                self.stderr.write(line)
            rows = len(result.invalid_rows) + len(result.row_errors())
            raise CommandError(
                f"{path}: nothing imported; {rows} of {len(dataset)} rows have problems."
            )
        totals = result.totals
        summary = (
            f"new {totals[RowResult.IMPORT_TYPE_NEW]}, "
            f"unchanged {totals[RowResult.IMPORT_TYPE_SKIP]}"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{path}: {summary}."))

    @staticmethod
    def _where(resource, field: str) -> str:
        if field == NON_FIELD_ERRORS:
            return ""
        return f"{cash_files.column_of(resource, field)}: "
