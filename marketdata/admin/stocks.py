from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from adminkit.history import HistoryAdmin
from adminkit.imports import SheetAdminMixin
from display import numbers
from display.lists import FiguresAdmin, column, link_line
from marketdata import links
from marketdata.admin.resources import StockMetadataResource
from marketdata.models import StockMetadata


@admin.register(StockMetadata)
class StockMetadataAdmin(FiguresAdmin, SheetAdminMixin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [StockMetadataResource]
    list_display = (
        "symbol",
        "name",
        "name_en",
        "market",
        "sector",
        column("market_cap", _("market cap (KRW 100M)"), numbers.hundred_millions),
        "is_active",
        "see_also",
    )
    list_filter = ("market", "is_active", "sector")
    search_fields = ("symbol", "name", "name_en")
    readonly_fields = ("updated_at", "see_also")

    @admin.display(description=_("see also"))
    def see_also(self, stock):
        if stock._state.adding:
            return "-"
        return link_line(
            [
                (links.chart(stock.symbol), _("Chart")),
                (links.bars(stock.symbol), _("Bars")),
                (links.coverage(stock.symbol), _("Coverage")),
            ]
        )
