"""Cash files in: CSV or XLSX with the columns `account,date,kind,amount` and an optional
`note`, one movement a row, through the admin's import (with its preview) and
`manage.py import_cash`, both on the same resource and the loaders' rules:

- the amount is positive and the kind says the direction (a withdrawal takes money out);
  an adjustment is the one kind that carries its own sign;
- buys, sells and their commission and tax are not typed: they come from the fills;
- every cell is read by trading/books/readers.py (bounded: `1e2000000`, NaN, 9999-12-31
  are clean errors); a bad row names its line, column and value, and then nothing is
  written;
- a row is imported once: its key is its account, date, kind, amount and note, and how
  many rows of the file before it were the same (two equal deposits of a day stay two), so
  importing the same file again changes nothing, and neither does a later file that starts
  with the rows of an earlier one.
A movement of a file settles on its date.
"""

import hashlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.instance_loaders import BaseInstanceLoader

from adminkit.resources import SheetResource
from display.messages import shown
from marketdata import encodings
from trading import access
from trading.books import readers
from trading.models import Account
from trading.models.books import (
    FILL_KINDS,
    INFLOWS,
    STORED_KINDS,
    CashKind,
    CashMovement,
    CashSource,
)

COLUMNS = ("account", "date", "kind", "amount", "note")
REQUIRED = ("account", "date", "kind", "amount")
CENT = Decimal("0.01")


class CashFileError(ValueError):
    """A file that is not a cash file at all (unreadable, columns missing)."""


class AccountWidget(widgets.Widget):
    """An account, by its code, among those the importer may see (set before each import);
    its id."""

    def __init__(self):
        super().__init__()
        self.accounts = {}

    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip()
        if code not in self.accounts:
            raise ValueError(
                _("no account %(code)r; the accounts are %(codes)s")
                % {"code": shown(code), "codes": ", ".join(sorted(self.accounts)) or _("none yet")}
            )
        return self.accounts[code]


class DayWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return readers.day(value)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class KindWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        kind = str(value if value is not None else "").strip().lower()
        if kind in FILL_KINDS:
            raise ValueError(
                _("%(kind)r is the cash of a fill: it comes from the fills, not from a file")
                % {"kind": kind}
            )
        if kind not in STORED_KINDS:
            raise ValueError(
                _("%(kind)r is not a kind of movement; the kinds are %(kinds)s")
                % {"kind": shown(kind), "kinds": ", ".join(STORED_KINDS)}
            )
        return kind


class AmountWidget(widgets.Widget):
    """The amount as the file writes it (signed: the kind's sign is applied by the row)."""

    def clean(self, value, row=None, **kwargs):
        return readers.amount(value, signed=True)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:f}"


class NoteWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value)
        if "\x00" in text:
            raise ValueError(_("holds a NUL character"))
        return text.strip()


def signed(kind: str, amount):
    """The amount as stored: the file's (positive) amount with its kind's sign."""
    if kind == CashKind.ADJUSTMENT:
        return amount
    if amount < 0:
        raise ValueError(
            _("%(value)s is negative: amounts are positive, the kind says the direction")
            % {"value": amount}
        )
    return amount if kind in INFLOWS else -amount


def row_key(account_id, day, kind, amount, note, occurrence) -> str:
    text = f"{account_id}|{day}|{kind}|{amount.quantize(CENT)}|{note}|{occurrence}"
    return hashlib.sha256(text.encode()).hexdigest()


class NoLoader(BaseInstanceLoader):
    """CashMovementResource finds stored rows itself (get_instance)."""


class CashMovementResource(SheetResource):
    account = fields.Field(
        attribute="account_id",
        column_name="account",
        widget=AccountWidget(),
        saves_null_values=False,
    )
    date = fields.Field(attribute="trade_date", column_name="date", widget=DayWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=KindWidget())
    amount = fields.Field(attribute="amount", column_name="amount", widget=AmountWidget())
    note = fields.Field(attribute="note", column_name="note", widget=NoteWidget())
    # The account was found among the importer's own; the rest is derived from the row.
    checked_before_clean = ("account", "settles_on", "source", "import_key")

    class Meta:
        model = CashMovement
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ()
        instance_loader_class = NoLoader

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._codes = {}

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("account")

    def dehydrate_account(self, movement):
        return self._codes.get(movement.account_id) or movement.account.code

    def dehydrate_amount(self, movement):
        """As a file writes it: positive, but for an adjustment."""
        if movement.kind == CashKind.ADJUSTMENT:
            return f"{movement.amount:f}"
        return f"{abs(movement.amount):f}"

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        dataset.headers = columns(dataset)
        user = kwargs.get("user")
        accounts = access.visible_accounts(user) if user is not None else Account.objects.all()
        self._codes = dict(accounts.values_list("pk", "code"))
        self.fields["account"].widget.accounts = {c: pk for pk, c in self._codes.items()}
        self._seen = Counter()
        self._key = None
        seen = Counter()
        keys = [self._row_key(row, seen) for row in dataset.dict]
        stored = CashMovement.objects.filter(
            account__in=list(self._codes), import_key__in=[k for k in keys if k]
        )
        self._stored_rows = {m.import_key: m for m in stored}

    def _cell(self, name, row):
        try:
            return self.clean_cell(self.fields[name], row)
        except (ValueError, KeyError):
            return None

    def _row_key(self, row, seen=None) -> str | None:
        """The row's key, counting the equal rows before it in `seen` (this import's own
        count by default); None for a row that cannot be read (its errors say why)."""
        seen = self._seen if seen is None else seen
        account = self._cell("account", row)
        day, kind, amount = (self._cell(n, row) for n in ("date", "kind", "amount"))
        note = self._cell("note", row) if "note" in row else ""
        if None in (account, day, kind, amount, note):
            return None
        try:
            amount = signed(kind, amount)
        except ValueError:
            return None
        same = (account, day, kind, amount, note)
        seen[same] += 1
        return row_key(*same, seen[same])

    def get_instance(self, instance_loader, row):
        self._key = self._row_key(row)
        return self._stored_rows.get(self._key) if self._key else None

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if "amount" not in errors and instance.kind and instance.amount is not None:
            try:
                instance.amount = signed(instance.kind, instance.amount)
            except ValueError as e:
                errors["amount"] = [str(e)]
        if errors:
            raise ValidationError(errors)
        instance.settles_on = instance.trade_date
        instance.source = CashSource.FILE
        if instance._state.adding:
            instance.import_key = self._key or ""


def columns(dataset) -> list[str]:
    """The file's column names, as the resource reads them; CashFileError when one of the
    cash columns is missing."""
    headers = [str(h or "").strip().lower() for h in dataset.headers or []]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise CashFileError(
            _("the file has no column %(missing)s; a cash file has the columns %(columns)s")
            % {"missing": ", ".join(missing), "columns": "account,date,kind,amount[,note]"}
        )
    return headers


def read(path: Path) -> tablib.Dataset:
    """A cash file as rows; CashFileError if it is neither CSV nor XLSX."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CashFileError(f"{e.strerror or e}") from e
    try:
        if path.suffix.lower() == ".xlsx":
            return tablib.Dataset().load(data, format="xlsx")
        text = data.decode(encodings.guess(data[:65536]))
        return tablib.Dataset().load(text, format="csv")
    except encodings.EncodingUnknown as e:
        raise CashFileError(str(e)) from e
    except Exception as e:  # tablib raises whatever its parsers raise on a bad file
        raise CashFileError(_("not a CSV or XLSX file: %(why)s") % {"why": e}) from e


def column_of(resource, attribute: str) -> str:
    """The file's column of a model attribute (`trade_date` is `date`)."""
    for field in resource.fields.values():
        if field.attribute == attribute:
            return field.column_name
    return attribute
