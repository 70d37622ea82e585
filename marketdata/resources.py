"""Import and export of stock metadata (django-import-export)."""

from import_export import resources

from marketdata.models import StockMetadata

COLUMNS = (
    "symbol",
    "name",
    "name_en",
    "market",
    "sector",
    "industry",
    "market_cap",
    "listed_shares",
    "listing_date",
    "is_active",
)


class StockMetadataResource(resources.ModelResource):
    class Meta:
        model = StockMetadata
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("symbol",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
