"""The import and export of stock metadata in the admin, on the shared SheetResource."""

from adminkit.resources import SheetResource
from marketdata.loader.listing import FORMATS
from marketdata.models import StockMetadata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The preview lists the first rows with their changes; the counts cover every row.


# The canonical listing columns, as load_stock_metadata reads them.
COLUMNS = tuple(FORMATS[0].columns)


class StockMetadataResource(SheetResource):
    class Meta:
        model = StockMetadata
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("symbol",)
