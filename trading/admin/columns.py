"""Columns and filters the trade and position lists share."""

from django.contrib import admin
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.utils.translation import gettext_lazy as _

from marketdata.models import StockMetadata

AMOUNT = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField())


def stock_name():
    return Subquery(StockMetadata.objects.filter(symbol=OuterRef("symbol")).values("name")[:1])


# Compact columns for lists that must fit the window: codes, not names.
@admin.display(description=_("account"), ordering="account__code")
def account_code(row):
    return row.account.code


@admin.display(description=_("venue"), ordering="venue")
def venue_code(trade):
    return trade.venue


class ChargesFilter(admin.SimpleListFilter):
    title = _("charges")
    parameter_name = "charges"

    def lookups(self, request, model_admin):
        return (
            ("differ", _("differ from the schedules by more than 1 won")),
            ("unknown", _("no schedule to compare with")),
        )

    def queryset(self, request, queryset):
        if self.value() == "differ":
            return queryset.filter(charges_differ=True)
        if self.value() == "unknown":
            return queryset.filter(
                Q(expected_commission__isnull=True) | Q(expected_tax__isnull=True)
            )
        return queryset


class PriceCheckFilter(admin.SimpleListFilter):
    title = _("price check")
    parameter_name = "price"

    def lookups(self, request, model_admin):
        return (
            ("flagged", _("off the tick grid or outside the daily limit")),
            ("off_tick", _("off the tick grid")),
            ("outside_limit", _("outside the daily limit")),
        )

    def queryset(self, request, queryset):
        conditions = {
            "flagged": Q(on_tick=False) | Q(within_limit=False),
            "off_tick": Q(on_tick=False),
            "outside_limit": Q(within_limit=False),
        }
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()])
        return queryset
