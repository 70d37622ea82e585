"""System logs in the admin: full-text search, filters on the JSON `extra`, links to
the orders and stocks a log names."""

import json
import re

from django.contrib import admin
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from display import times
from display.lists import link_line
from marketdata import links as market_links
from marketdata.admin.lists import (
    EstimatedCountPaginator,
    distinct_filter,
)
from marketdata.symbols import is_symbol
from trading import links
from trading.models import (
    SystemLog,
)


class ExtraFilter(admin.SimpleListFilter):
    """`extra` holds a key with a value: ?extra=order_id=0000123456 (GIN containment)."""

    title = _("extra (key=value)")
    parameter_name = "extra"
    template = "admin/trading/extra_filter.html"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        # The box sends the other filters, the search and the order along, so that
        # narrowing by `extra` keeps what is already chosen.
        return [
            {
                "value": self.value() or "",
                "query": changelist.get_query_string(remove=["extra"]),
                "kept": sorted((k, v) for k, v in changelist.params.items() if k != "extra"),
            }
        ]

    def queryset(self, request, queryset):
        key, sep, raw = (self.value() or "").partition("=")
        if not sep or not key:
            return queryset
        return queryset.filter(extra__contains={key.strip(): json_value(raw)})


def json_value(raw: str):
    """`raw` as JSON reads it (12 is a number, "x" a string, 0000123456 stays text), unless
    PostgreSQL's JSON cannot hold the result (1e999 overflows to infinity; a NUL character):
    then the text itself, which matches nothing stored instead of failing."""
    try:
        value = json.loads(raw, parse_constant=lambda name: name)  # NaN, Infinity: text
        json.dumps(value, allow_nan=False)
    except ValueError:
        return raw
    return raw if _holds_nul(value) else value


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


# Keys of a log's `extra` that name a broker order or a symbol (KIS calls them odno, pdno).
LOG_ORDER_KEYS = ("order_id", "broker_order_id", "odno")
LOG_SYMBOL_KEYS = ("symbol", "pdno")


@admin.register(SystemLog)
class SystemLogAdmin(admin.ModelAdmin):
    list_display = ("logged_at", "level_shown", "component", "message", "see_also")
    list_filter = (
        "level",
        distinct_filter("component", _("component")),
        ("timestamp", admin.DateFieldListFilter),
        ExtraFilter,
    )
    search_fields = ("message",)
    search_help_text = _("Whole words of the message, all of them: broker rejected 0000123456")
    fields = ("logged_at", "level", "component", "message", "extra_json", "see_also")
    readonly_fields = fields
    ordering = ("-timestamp",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """Full-text search on whole words (GIN index): fast on tens of millions of rows,
        where a substring search would read them all."""
        words = re.findall(r"\w+", search_term)
        if not words:
            return queryset, False
        query = SearchQuery(" ".join(words), search_type="plain", config="simple")
        vector = SearchVector("message", config="simple")
        return queryset.annotate(message_words=vector).filter(message_words=query), False

    @admin.display(description=_("timestamp"), ordering="timestamp")
    def logged_at(self, log):
        return times.moment(log.timestamp, seconds=True)

    @admin.display(description=_("level"), ordering="level")
    def level_shown(self, log):
        return format_html(
            '<span class="qb-level qb-level-{}">{}</span>', log.level, log.get_level_display()
        )

    @admin.display(description=_("see also"))
    def see_also(self, log):
        """The fills of an order and the chart of a symbol that `extra` names."""
        extra = log.extra if isinstance(log.extra, dict) else {}
        order = next((str(extra[k]) for k in LOG_ORDER_KEYS if extra.get(k)), "")
        symbol = next((str(extra[k]) for k in LOG_SYMBOL_KEYS if extra.get(k)), "")
        return link_line(
            [
                (
                    links.trades(order_id=order) if order else None,
                    _("Fills of order %(order)s") % {"order": order},
                ),
                (
                    market_links.chart(symbol) if is_symbol(symbol) else None,
                    _("Chart of %(symbol)s") % {"symbol": symbol},
                ),
            ]
        )

    @admin.display(description=_("extra"))
    def extra_json(self, log):
        return format_html("<pre>{}</pre>", json.dumps(log.extra, indent=2, ensure_ascii=False))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
