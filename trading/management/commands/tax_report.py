"""The year's tax picture of one account: text, JSON or XLSX."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from marketdata import arguments
from trading.models import Account, UnknownAccount
from trading.positions import OversellError
from trading.tax import METHODS, NoSession, tax_report
from trading.tax.sheet import text, workbook


class Command(BaseCommand):
    help = (
        "Realized gains per symbol (moving-average cost, or --method fifo), transaction and "
        "special tax paid by market, commissions, dividends gross and withheld, and holdings "
        "at the year's last session with the large-shareholder tests. Money in JSON is text."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=arguments.code, required=True, metavar="CODE")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=("text", "json", "xlsx"), default="text")
        parser.add_argument("--method", choices=METHODS, default="moving_average")
        parser.add_argument("--output", type=Path, help="file to write (required for xlsx)")

    def handle(self, *args, account, year, format, method, output, **options):
        if not 1990 <= year <= 2200:
            raise CommandError(f"--year: {year} is not a year this back office can hold.")
        try:
            [chosen] = Account.objects.for_codes([account])
            report = tax_report(chosen, year, method=method)
        except OversellError as e:
            raise CommandError(f"{e} Correct the fills, then run the report again.") from e
        except UnknownAccount as e:
            raise CommandError(f"--account: {e}") from e
        except NoSession as e:
            raise CommandError(str(e)) from e
        if format == "xlsx":
            if output is None:
                raise CommandError("--format xlsx needs --output FILE.xlsx")
            output.write_bytes(workbook(report))
            self.stdout.write(f"Wrote {output}.")
            return
        shown = (
            json.dumps(report, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"
            if format == "json"
            else text(report)
        )
        if output:
            output.write_text(shown, encoding="utf-8")
        else:
            self.stdout.write(shown, ending="")
