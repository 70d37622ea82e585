"""Import fills from a CSV or XLSX file, the admin's import without the browser.

The same resource as the admin (trading/admin/resources.py): a fill already stored is recognised
and left as it is, so running the command twice on one file changes nothing.
"""

from pathlib import Path

import tablib
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from import_export.results import RowResult

from marketdata import encodings
from trading.admin.resources import TradeResource

SHOWN_ERRORS = 50


def read(path: Path) -> tablib.Dataset:
    data = path.read_bytes()
    if path.suffix.lower() == ".xlsx":
        return tablib.Dataset().load(data, format="xlsx")
    text = data.decode(encodings.guess(data[:65536]))
    return tablib.Dataset().load(text, format="csv")


def where(field: str) -> str:
    return "" if field == NON_FIELD_ERRORS else f"{field}: "


class Command(BaseCommand):
    help = (
        "Import fills from a CSV or XLSX file with the columns of the admin's trade export "
        "(account, venue, executed_at, symbol, side, quantity, price, commission, tax, "
        "strategy, broker_order_id, fill_seq, execution_id). Fills already stored are "
        "recognised (by id, execution id, or order and fill number) and left unchanged. "
        "Every bad row is reported with its line, and then nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and count only")

    def handle(self, *args, path, dry_run, **options):
        try:
            dataset = read(path)
        except (OSError, encodings.EncodingUnknown) as e:
            raise CommandError(f"{path}: {e}") from e
        except Exception as e:  # tablib raises whatever its parsers raise on a bad file
            raise CommandError(f"{path}: not a CSV or XLSX file of trades: {e}") from e
        try:
            result = TradeResource().import_data(
                dataset, dry_run=dry_run, rollback_on_validation_errors=True
            )
        except DatabaseError as e:
            raise CommandError(f"{path}: nothing imported: the database said: {e}") from e
        for error in result.base_errors:  # the whole file: a database that is down, say
            cause = error.error
            if isinstance(cause, DatabaseError):
                raise CommandError(f"{path}: nothing imported: the database said: {cause}")
            raise CommandError(f"{path}: nothing imported: {cause}")
        problems = [
            f"{path}:{row.number + 1}: {where(field)}{' '.join(messages)}"
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
            f"updated {totals[RowResult.IMPORT_TYPE_UPDATE]}, "
            f"unchanged {totals[RowResult.IMPORT_TYPE_SKIP]}"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{path}: {summary}."))
