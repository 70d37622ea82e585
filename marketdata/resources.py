"""Import and export of stock metadata (django-import-export)."""

from import_export import resources

from marketdata.listing import FORMATS
from marketdata.models import StockMetadata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FormulaSafeResource(resources.ModelResource):
    """Text that a spreadsheet would run as a formula is exported behind a quote (OWASP)."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value


# The canonical listing columns, as load_stock_metadata reads them.
COLUMNS = tuple(FORMATS[0].columns)


class StockMetadataResource(FormulaSafeResource):
    class Meta:
        model = StockMetadata
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("symbol",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
