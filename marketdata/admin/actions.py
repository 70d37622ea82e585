"""The admin of corporate actions: listed per stock, added or corrected by an operator, every
change kept (history) and the positions it touches marked stale (triggers, trading 0013)."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from adminkit.history import HistoryAdmin
from marketdata import links
from marketdata.actions import CorporateAction


@admin.register(CorporateAction)
class CorporateActionAdmin(HistoryAdmin):
    list_display = (
        "symbol",
        "kind",
        "record_date",
        "ex_date",
        "pay_date",
        "ratio",
        "amount",
        "new_symbol",
        "fraction_price",
        "chart",
    )
    list_filter = ("kind", "ex_date")
    search_fields = ("symbol", "new_symbol", "note")
    date_hierarchy = "ex_date"
    ordering = ("symbol", "-ex_date")
    readonly_fields = ("created_at",)

    @admin.display(description=_("chart"))
    def chart(self, action):
        return format_html('<a href="{}">{}</a>', links.chart(action.symbol), _("Chart"))
