from django.contrib import admin

from marketdata.models import StockMetadata


@admin.register(StockMetadata)
class StockMetadataAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "name_en", "market", "sector", "market_cap", "is_active")
    list_filter = ("market", "is_active", "sector")
    search_fields = ("symbol", "name", "name_en")
    readonly_fields = ("updated_at",)
