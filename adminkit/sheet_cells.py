"""Reading a sheet's cells for an import, fast, as django-import-export reads them: its
widgets for moments and amounts, with the common spellings read directly; `once`, which
SheetResource (adminkit/resources.py) uses to read each distinct cell and check each
distinct value once an import; a row result that names its instance only when asked."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.results import RowResult

from display.messages import shown


class NamedLaterRowResult(RowResult):
    """A row's result that names its instance (`str()`, for the admin's log entries) only
    when asked: naming every row of a file would cost a tenth of a preview that lists 100."""

    def __init__(self):
        self._instance = None
        self._repr = None
        super().__init__()

    def add_instance_info(self, instance):
        if instance is not None:
            self.object_id = getattr(instance, "pk", None)
            self._instance = instance

    @property
    def object_repr(self):
        if self._repr is None and self._instance is not None:
            try:
                self._repr = force_str(self._instance)
            except Exception:  # as django-import-export: a row without a name still imports
                self._repr = ""
        return self._repr

    @object_repr.setter
    def object_repr(self, value):
        self._repr = value


ISO_MOMENT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


class DateTimeWidget(widgets.DateTimeWidget):
    """django-import-export's, reading the spelling of its first format, "%Y-%m-%d
    %H:%M:%S" (how files and exports write moments), without strptime, which costs more
    than the rest of a cell; any other spelling, and an impossible moment, go to the
    formats as before. `zone`: the current time zone, looked up once an import."""

    zone = None

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and self.formats[0] == "%Y-%m-%d %H:%M:%S":
            found = ISO_MOMENT.fullmatch(value)
            try:
                moment = dt.datetime(*map(int, found.groups())) if found else None
            except ValueError:
                moment = None
            if moment is not None:
                return timezone.make_aware(moment, self.zone) if settings.USE_TZ else moment
        return super().clean(value, row, **kwargs)


class DecimalWidget(widgets.DecimalWidget):
    """django-import-export's, reading a cell of plain digits (a price in won) without the
    locale's separators, which such a cell cannot hold; anything else as before, except
    that a cell that is no number is an error of its column, as the model field words it
    (django-import-export lets decimal's own error through, which names no column)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return Decimal(value)
        try:
            return super().clean(value, row, **kwargs)
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” value must be a decimal number.") % {"value": shown(str(value))}
            ) from None


_MISSING = object()


def once(cache: dict, key, catch, compute, *args):
    """`compute(*args)` once for each key: its value, or the `catch` exception it raised
    (raised again by the caller, for every row that asks). A key that cannot be hashed (a list
    from a JSON file) is computed every time."""
    try:
        found = cache.get(key, _MISSING)
    except TypeError:
        key, found = None, _MISSING
    if found is _MISSING:
        try:
            found = compute(*args)
        except catch as e:
            found = e
        if key is not None:
            cache[key] = found
    return found
