"""Import and export of trades (django-import-export)."""

import uuid

from marketdata.resources import SheetResource
from trading.models import Trade

COLUMNS = (
    "id",
    "executed_at",
    "symbol",
    "side",
    "quantity",
    "price",
    "commission",
    "tax",
    "strategy",
    "broker_order_id",
)


class TradeResource(SheetResource):
    """Rows with an id update that trade; rows without one are new fills."""

    class Meta:
        model = Trade
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("id",)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if "id" not in dataset.headers:
            dataset.append_col([""] * len(dataset), header="id")

    def get_instance(self, instance_loader, row):
        if not row.get("id"):
            return None
        return super().get_instance(instance_loader, row)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.id is None:
            instance.id = uuid.uuid4()
