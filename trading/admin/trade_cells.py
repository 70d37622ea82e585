"""Trade files that went through Excel: the cells of a fill as a spreadsheet leaves them.

Excel reads `0000012345` and `005930` as numbers and drops their zeros, may save a time
without its seconds and writes `707,000` for a number it shows with separators. So:
- exports write the codes and ids as text (XLSX text cells, `TextXLSX`) and the time with its
  seconds and zone (`2026-03-04 10:15:30+09:00`);
- imports read a code that lost its zeros as the same code: a symbol has six characters (KRX,
  marketdata/symbols.py), an order or execution id is the stored one of the same account
  whose digits agree but for leading zeros (reconciliation compares them so too,
  trading/reconciliation/compare.py), and a new order id of digits gets the width of the
  account's stored order ids that day; a time written to the minute (`Minute`) is the stored
  fill's time when that lies inside the minute; `707,000` is 707000 and `2026/03/04` a date,
  as the loaders read them;
- a row that would change a stored fill's identity (`IDENTITY`) says so (`identity_change`)
  and is applied only when asked.
"""

import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from import_export.formats import base_formats

from adminkit import sheet_cells
from adminkit.imports import SignedConfirmImportForm

# The columns a fill's identity is made of, by model attribute, and how the preview names them.
IDENTITY = (
    "account_id",
    "broker_order_id",
    "fill_seq",
    "execution_id",
    "symbol",
    "side",
    "executed_at",
)
# Columns written as text cells: codes and ids a spreadsheet would read as numbers.
TEXT_COLUMNS = frozenset(
    {"id", "account", "symbol", "broker_order_id", "fill_seq", "execution_id", "executed_at"}
)
SYMBOL_WIDTH = 6  # KRX short codes (marketdata/symbols.py)

_THOUSANDS = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_MOMENT = re.compile(
    r"(?P<y>[0-9]{4})[-/.](?P<mo>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})[ T]"
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?"
    r" ?(?P<z>Z|[+-][0-9]{2}:?[0-9]{2})?"
)


def text_of(value) -> str:
    """A cell as text: a number Excel made of a code (12345, 12345.0) as its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return str(value).strip()


def unpadded(code: str) -> str:
    """An id of digits as reconciliation compares it: leading zeros aside."""
    return (code.lstrip("0") or "0") if code.isdigit() else code


def number_text(value):
    """`707,000` as `707000`, as the loaders read amounts; any other value as it is."""
    if isinstance(value, str) and _THOUSANDS.fullmatch(value.strip()):
        return value.strip().replace(",", "")
    return value


class Minute(dt.datetime):
    """A moment a file gives to the minute only: the stored fill's time, when that lies inside
    the minute, is the same time."""

    def holds(self, moment) -> bool:
        start = dt.datetime(*self.timetuple()[:5], tzinfo=self.tzinfo)
        return start <= moment < start + dt.timedelta(minutes=1)

    def plain(self) -> dt.datetime:
        return dt.datetime(*self.timetuple()[:6], tzinfo=self.tzinfo)


class MomentWidget(sheet_cells.DateTimeWidget):
    """A fill's time: `2026-03-04 10:15:30+09:00` as exported, without the zone (Korea time),
    with slashes, without seconds (a `Minute`), or a workbook's date-time cell."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            moment = value if timezone.is_aware(value) else timezone.make_aware(value, self.zone)
            if moment.second or moment.microsecond:
                return moment
            return Minute(*moment.timetuple()[:5], tzinfo=moment.tzinfo)
        found = _MOMENT.fullmatch(value.strip()) if isinstance(value, str) else None
        if found is None:
            return super().clean(value, row, **kwargs)
        part = found.groupdict()
        zone = self.zone or timezone.get_current_timezone()
        if part["z"]:
            sign = -1 if part["z"][0] == "-" else 1
            digits = part["z"].replace(":", "")[1:] if part["z"] != "Z" else "0000"
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            zone = dt.timezone(sign * dt.timedelta(minutes=minutes))
        try:
            naive = dt.datetime(
                *(int(part[k]) for k in ("y", "mo", "d", "h", "mi")),
                int(part["s"] or 0),
                int((part["f"] or "0").ljust(6, "0")),
            )
        except ValueError:
            return super().clean(value, row, **kwargs)  # says what is wrong as it always has
        moment = timezone.make_aware(naive, zone)
        if part["s"]:
            return moment
        return Minute(*moment.timetuple()[:5], tzinfo=moment.tzinfo)

    def render(self, value, obj=None, **kwargs):
        """With the seconds and the zone, as text even in a workbook: 2026-03-04 10:15:30+09:00."""
        if not isinstance(value, dt.datetime):
            return ""
        local = timezone.localtime(value)
        offset = local.strftime("%z")
        return local.strftime("%Y-%m-%d %H:%M:%S") + f"{offset[:3]}:{offset[3:]}"


class SymbolWidget(widgets.CharWidget):
    """A KRX code: `5930` or the number 5930 (a code Excel read as a number) is `005930`."""

    def clean(self, value, row=None, **kwargs):
        text = text_of(value).upper()
        if text.isdigit() and len(text) < SYMBOL_WIDTH:
            text = text.zfill(SYMBOL_WIDTH)
        return text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class CodeWidget(widgets.CharWidget):
    """An id as text, a number Excel made of it as its digits (its zeros are found again from
    the stored fills, TradeResource)."""

    def clean(self, value, row=None, **kwargs):
        return text_of(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class QuantityWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(number_text(value), row, **kwargs)


class AmountWidget(sheet_cells.DecimalWidget):
    """An amount in won, `707,000` as 707000 whatever the page's language."""

    def clean(self, value, row=None, **kwargs):
        value = number_text(value)
        if isinstance(value, str) and value.strip():
            try:
                return Decimal(value.strip())
            except InvalidOperation:
                pass
        return super().clean(value, row, **kwargs)


def identity_message(changes: list[tuple[str, object, object]]) -> str:
    parts = "; ".join(
        _("%(field)s %(old)s → %(new)s") % {"field": name, "old": old or "-", "new": new or "-"}
        for name, old, new in changes
    )
    return _(
        "Changes the identity of a stored fill (%(changes)s): not applied unless "
        "“apply identity changes” is ticked."
    ) % {"changes": parts}


class TextXLSX(base_formats.XLSX):
    """A workbook whose codes, ids and times are text cells (format `@`), which Excel keeps as
    they are; other cells as tablib writes them."""

    def export_data(self, dataset, **kwargs):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = (dataset.title or "Sheet1")[:31]
        headers = list(dataset.headers or [])
        sheet.append(headers)
        text = [name in TEXT_COLUMNS for name in headers]
        for values in dataset:
            cells = zip(text, values, strict=True)
            sheet.append([str(v) if is_text and v is not None else v for is_text, v in cells])
        for column, is_text in enumerate(text, start=1):
            if is_text:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = "@"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


class TradeConfirmImportForm(SignedConfirmImportForm):
    apply_identity_changes = forms.BooleanField(
        label=gettext_lazy("Apply identity changes"),
        help_text=gettext_lazy(
            "Rows shown in red change a stored fill's account, order id, fill number, "
            "execution id, symbol, side or time; left unticked, they are skipped."
        ),
        required=False,
        initial=False,
    )
