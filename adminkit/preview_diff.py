"""The import preview's cells: what a row changes, as before → after in the lists' formats.

django-import-export's own `Diff` marks the characters that changed (`34~~55~~60 00.00` for a
price going from 3,455 to 3,460): unreadable for numbers, and it reads a code like 005930 as
text to mark as well. Here a changed cell shows the stored value struck through, an arrow and
the new value; numbers are grouped by thousands with trailing zeros dropped (3,455, not
3455.00; a rate keeps its digits, 0.00015).
"""

from decimal import Decimal, InvalidOperation

from django.utils.encoding import force_str
from django.utils.html import format_html
from import_export import widgets
from import_export.resources import Diff

MISSING = "-"
NUMBER_WIDGETS = (widgets.NumberWidget,)


def _number(text: str) -> str:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    number = number.normalize()
    return f"{number:,f}"


def shown(value, widget) -> str:
    text = force_str(value).strip() if value is not None else ""
    if not text:
        return MISSING
    return _number(text) if isinstance(widget, NUMBER_WIDGETS) else text


class ShownDiff(Diff):
    """A drop-in for import-export's `Diff` (same `compare_with`, `as_html`)."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.widgets = [f.widget for f in resource.get_import_fields()]

    def as_html(self):
        cells = []
        for before, after, widget in zip(self.left, self.right, self.widgets, strict=False):
            after_shown = shown(after, widget)
            before_shown = shown(before, widget)
            if self.new or before_shown == after_shown:
                cells.append(format_html("{}", after_shown))
            else:
                cells.append(
                    format_html(
                        '<del class="qb-before">{}</del> &rarr; <ins class="qb-after">{}</ins>',
                        before_shown,
                        after_shown,
                    )
                )
        return cells
