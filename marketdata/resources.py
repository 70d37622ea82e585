"""Import and export of stock metadata (django-import-export)."""

from import_export import resources

from marketdata.models import StockMetadata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FormulaSafeResource(resources.ModelResource):
    """Text that a spreadsheet would run as a formula is exported behind a quote (OWASP)."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value


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


class StockMetadataResource(FormulaSafeResource):
    class Meta:
        model = StockMetadata
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("symbol",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
