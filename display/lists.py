"""Admin change lists that read at a glance: figures formatted and right-aligned, and the
totals of the filtered rows above the table.

    class TradeAdmin(FiguresAdmin, admin.ModelAdmin):
        list_display = ("executed_at", column("price", _("price"), numbers.price), "amount")
        totals = [Total("amount", _("amount"), Sum(AMOUNT), numbers.won)]

        @figure(_("amount"), numbers.won, ordering="amount_value")
        def amount(self, trade):
            return trade.amount_value

The site's change list template (qbsite/templates/admin/change_list.html) aligns the
columns named in `numeric_columns` and shows `totals`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Aggregate, Count
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from display import colours, numbers
from display.inputs import PLAIN_DECIMALS

# Totals add up at most this many filtered rows: one bounded aggregate, cheap on a table
# of millions. A wider filter is asked to narrow down instead.
TOTALS_UP_TO = 10_000


def _show(value, fmt: Callable, signed: bool):
    text = fmt(value)
    if signed:
        return format_html('<span class="{}">{}</span>', colours.direction(value), text)
    return text


def figure(
    description,
    fmt: Callable,
    *,
    ordering: str | None = None,
    signed: bool = False,
    link: Callable | None = None,
):
    """Turn an admin method that returns a number into a formatted, right-aligned column;
    `signed` colours it by the convention (gains up, losses down); `link(obj)` makes it a
    link to that URL."""

    def decorate(method):
        def show(model_admin, obj):
            shown = _show(method(model_admin, obj), fmt, signed)
            return format_html('<a href="{}">{}</a>', link(obj), shown) if link else shown

        show.__name__ = method.__name__
        show.short_description = description
        show.is_figure = True
        if ordering:
            show.admin_order_field = ordering
        return show

    return decorate


def column(name: str, description, fmt: Callable, *, signed: bool = False):
    """A model field `name` as a formatted, right-aligned, sortable column."""

    def show(obj):
        return _show(getattr(obj, name), fmt, signed)

    # The admin names the column's cells after the callable: field-<name>.
    show.__name__ = name
    show.short_description = description
    show.admin_order_field = name
    show.is_figure = True
    return show


def clipped(text: str, *, whole: str | None = None):
    """Free text in a list cell, cut with an ellipsis where it is long (the whole of it, or
    `whole`, on hover), so that one long stock or strategy name cannot widen the table."""
    return format_html('<span class="qb-clip" title="{}">{}</span>', whole or text, text)


def link_line(pairs) -> str:
    """Links to related pages, [(url, text), ...], as one line: "Chart · Trades · Stock";
    "-" where there is none."""
    links = format_html_join(" · ", '<a href="{}">{}</a>', ((u, t) for u, t in pairs if u))
    return links or numbers.MISSING


@dataclass(frozen=True)
class Total:
    name: str
    label: str
    aggregate: Aggregate
    fmt: Callable = numbers.won
    signed: bool = False
    unit: str = _("KRW")


class FiguresAdmin:
    """Right-aligned figures and the totals of the filtered rows on the change list; on the
    change form, decimals typed as a person writes them (72000, not 72000.00)."""

    totals: list[Total] = []
    formfield_overrides = PLAIN_DECIMALS

    def numeric_columns(self, request) -> list[str]:
        names = []
        for entry in self.get_list_display(request):
            shown = entry if callable(entry) else getattr(self, entry, None)
            if getattr(shown, "is_figure", False):
                names.append(entry.__name__ if callable(entry) else entry)
        return names

    def action_checkbox(self, obj):
        """Django's checkbox of a row, written out: its own renders a form widget's template
        for every row, a quarter of the time of a page of 100."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), obj),
        )

    def totals_of(self, queryset) -> dict:
        """The totals of `queryset` in one aggregate over at most TOTALS_UP_TO rows."""
        if not self.totals:
            return {}
        bounded = queryset.order_by()[: TOTALS_UP_TO + 1]
        values = bounded.aggregate(
            qb_rows=Count("pk"), **{t.name: t.aggregate for t in self.totals}
        )
        if values["qb_rows"] > TOTALS_UP_TO:
            return {
                "too_many": _(
                    "Totals are shown for at most %(limit)s rows: narrow the filter to see them."
                )
                % {"limit": numbers.quantity(TOTALS_UP_TO)}
            }
        return {
            "rows": values["qb_rows"],
            "figures": [
                (t.label, _show(values[t.name] or 0, t.fmt, t.signed), t.unit) for t in self.totals
            ],
        }

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["numeric_columns"] = self.numeric_columns(request)
            context["totals"] = self.totals_of(context["cl"].queryset)
        return response
