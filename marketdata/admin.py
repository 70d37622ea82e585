from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from marketdata.admin_imports import LimitedImportMixin
from marketdata.models import StockMetadata
from marketdata.resources import StockMetadataResource


@admin.register(StockMetadata)
class StockMetadataAdmin(LimitedImportMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [StockMetadataResource]
    list_display = ("symbol", "name", "name_en", "market", "sector", "market_cap", "is_active")
    list_filter = ("market", "is_active", "sector")
    search_fields = ("symbol", "name", "name_en")
    readonly_fields = ("updated_at",)
