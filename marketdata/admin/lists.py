"""Admin change lists that stay fast on tables of millions of rows.

- EstimatedCountPaginator: the page count comes from the planner's estimate, not
  COUNT(*), once the estimate is large; small results are still counted exactly.
- distinct_filter: a list filter whose choices come from a loose index scan (one index
  probe per distinct value) instead of SELECT DISTINCT over the whole table.
"""

import json

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from marketdata import loose_scan
from marketdata.models import Market, StockMetadata

EXACT_BELOW = 10_000


def estimate_rows(queryset) -> int:
    """The planner's row estimate for `queryset` (EXPLAIN, nothing is read)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self):
        queryset = self.object_list
        try:
            estimate = estimate_rows(queryset.order_by())
        except (AttributeError, TypeError):
            return super().count
        return estimate if estimate >= EXACT_BELOW else queryset.count()


def distinct_filter(field, title):
    """A list filter on `field` whose values are read with a loose index scan over an index
    whose first column is `field`."""

    class DistinctValuesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            model = model_admin.model
            values = loose_scan.distinct(
                connections[model.objects.db],
                table=model._meta.db_table,
                columns=[model._meta.get_field(field).column],
            )
            return [(value, value) for value in values]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field: self.value()})
            return queryset

    DistinctValuesFilter.title = title
    DistinctValuesFilter.__name__ = f"{field.title()}Filter"
    return DistinctValuesFilter


class MarketFilter(admin.SimpleListFilter):
    """Rows whose `symbol` is listed on a market (from stock metadata)."""

    title = _("market")
    parameter_name = "market"

    def lookups(self, request, model_admin):
        return Market.choices

    def queryset(self, request, queryset):
        if self.value():
            listed = StockMetadata.objects.filter(market=self.value()).values("symbol")
            return queryset.filter(symbol__in=listed)
        return queryset


class SectorFilter(admin.SimpleListFilter):
    title = _("sector")
    parameter_name = "sector"

    def lookups(self, request, model_admin):
        sectors = StockMetadata.objects.exclude(sector="").order_by("sector")
        return [(s, s) for s in sectors.values_list("sector", flat=True).distinct()]

    def queryset(self, request, queryset):
        if self.value():
            listed = StockMetadata.objects.filter(sector=self.value()).values("symbol")
            return queryset.filter(symbol__in=listed)
        return queryset


def stock_names(symbols) -> dict[str, str]:
    return dict(StockMetadata.objects.filter(symbol__in=set(symbols)).values_list("symbol", "name"))
