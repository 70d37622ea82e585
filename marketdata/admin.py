from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from display import numbers
from display.lists import FiguresAdmin, column
from marketdata.admin_history import HistoryAdmin
from marketdata.admin_imports import LimitedImportMixin
from marketdata.models import StockMetadata
from marketdata.resources import StockMetadataResource


@admin.register(StockMetadata)
class StockMetadataAdmin(FiguresAdmin, LimitedImportMixin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [StockMetadataResource]
    list_display = (
        "symbol",
        "name",
        "name_en",
        "market",
        "sector",
        column("market_cap", _("market cap (KRW 100M)"), numbers.hundred_millions),
        "is_active",
    )
    list_filter = ("market", "is_active", "sector")
    search_fields = ("symbol", "name", "name_en")
    readonly_fields = ("updated_at",)
