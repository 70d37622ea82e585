import json
import re

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from display import numbers, times
from display.lists import FiguresAdmin, Total, column, figure
from marketdata.admin_history import HistoryAdmin
from marketdata.admin_imports import LimitedImportMixin
from marketdata.admin_lists import (
    EstimatedCountPaginator,
    MarketFilter,
    SectorFilter,
    distinct_filter,
    stock_names,
)
from marketdata.models import StockMetadata
from trading import charts, performance, positions
from trading.accounting import OversellError
from trading.models import Position, RiskMetric, Side, StrategyPerformance, SystemLog, Trade
from trading.resources import TradeResource

AMOUNT = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField())


def stock_name():
    return Subquery(StockMetadata.objects.filter(symbol=OuterRef("symbol")).values("name")[:1])


@admin.register(Trade)
class TradeAdmin(FiguresAdmin, LimitedImportMixin, ImportExportModelAdmin, HistoryAdmin):
    resource_classes = [TradeResource]
    list_display = (
        "executed_at",
        "stock",
        "side_shown",
        column("quantity", _("quantity"), numbers.quantity),
        column("price", _("price (KRW)"), numbers.price),
        "amount",
        column("commission", _("commission (KRW)"), numbers.won),
        column("tax", _("tax (KRW)"), numbers.won),
        "strategy",
        "broker_order_id",
    )
    totals = [
        Total("amount", _("amount"), Sum(AMOUNT), numbers.won),
        Total("commission", _("commission"), Sum("commission"), numbers.won),
        Total("tax", _("tax"), Sum("tax"), numbers.won),
    ]
    list_filter = (
        "side",
        distinct_filter("strategy", _("strategy")),
        MarketFilter,
        ("executed_at", admin.DateFieldListFilter),
    )
    search_fields = ("symbol", "broker_order_id")
    search_help_text = _("Symbol (005930), Korean or English name, or broker order id.")
    ordering = ("-executed_at",)
    readonly_fields = ("created_at",)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    history_list_display = ("side", "quantity", "price", "commission", "tax")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(amount_value=AMOUNT)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # Names for the page's rows in one query: a per-row subquery would also run for
            # every row an OFFSET skips.
            trades = context["cl"].result_list
            names = stock_names(t.symbol for t in trades)
            for trade in trades:
                trade.stock_name = names.get(trade.symbol, "")
        return response

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        named = StockMetadata.objects.filter(Q(name__icontains=term) | Q(name_en__icontains=term))
        matches = (
            Q(symbol=term.upper()) | Q(broker_order_id=term) | Q(symbol__in=named.values("symbol"))
        )
        return queryset.filter(matches), False

    @admin.display(description=_("symbol"), ordering="symbol")
    def stock(self, trade):
        return f"{trade.symbol} {getattr(trade, 'stock_name', '')}".strip()

    @admin.display(description=_("side"), ordering="side")
    def side_shown(self, trade):
        """Buys in the convention's "up" colour, sells in its "down" one, as on a
        Korean trading screen."""
        css = "qb-up" if trade.side == Side.BUY else "qb-down"
        return format_html('<span class="{}">{}</span>', css, trade.get_side_display())

    @figure(_("amount (KRW)"), numbers.won, ordering="amount_value")
    def amount(self, trade):
        return trade.amount_value


class OpenFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return (("yes", _("open")), ("no", _("closed")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(quantity__gt=0)
        if self.value() == "no":
            return queryset.filter(quantity=0)
        return queryset


@admin.register(Position)
class PositionAdmin(FiguresAdmin, HistoryAdmin):
    list_display = (
        "symbol",
        "name",
        column("quantity", _("quantity"), numbers.quantity),
        column("average_price", _("average price (KRW)"), numbers.price),
        column("last_price", _("last price (KRW)"), numbers.price),
        column("market_value", _("market value (KRW)"), numbers.won),
        "weight",
        column("unrealized_pnl", _("unrealized PnL (KRW)"), numbers.signed_won, signed=True),
        column("realized_pnl", _("realized PnL (KRW)"), numbers.signed_won, signed=True),
        "updated_at",
    )
    totals = [
        Total("market_value", _("market value"), Sum("market_value")),
        Total("unrealized", _("unrealized PnL"), Sum("unrealized_pnl"), numbers.signed_won, True),
        Total("realized", _("realized PnL"), Sum("realized_pnl"), numbers.signed_won, True),
    ]
    list_filter = (MarketFilter, SectorFilter, OpenFilter)
    search_fields = ("=symbol",)
    readonly_fields = ("updated_at",)
    actions = ("rebuild_selected",)

    def get_queryset(self, request):
        # One uncorrelated subquery: the market value of the whole book.
        portfolio = (
            Position.objects.filter(quantity__gt=0)
            .order_by()
            .annotate(book=Value(1))
            .values("book")
            .annotate(total=Sum("market_value"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(stock_name=stock_name(), portfolio=Subquery(portfolio[:1]))
        )

    @admin.display(description=_("name"))
    def name(self, position):
        return position.stock_name or ""

    @figure(_("weight"), lambda share: numbers.percent(share, places=1))
    def weight(self, position):
        if not position.market_value or not position.portfolio:
            return None
        return position.market_value / position.portfolio

    @admin.action(
        description=_("Rebuild selected positions from their trades"), permissions=["change"]
    )
    def rebuild_selected(self, request, queryset):
        symbols = list(queryset.values_list("symbol", flat=True))
        now = timezone.now()
        try:
            if request.POST.get("confirm") != "yes":
                result = positions.reconcile(as_of=now, symbols=symbols)
                return TemplateResponse(
                    request,
                    "admin/trading/rebuild_positions_confirm.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.model._meta,
                        "title": _("Rebuild positions"),
                        "as_of": timezone.localtime(now),
                        "differences": result.differences,
                        "unchanged": result.unchanged,
                        "symbols": queryset,
                    },
                )
            result = positions.rebuild(as_of=now, symbols=symbols)
        except OversellError as e:
            self.message_user(request, f"Positions not rebuilt: {e}", messages.ERROR)
            return None
        self.message_user(
            request,
            f"Rebuilt {len(symbols)} positions: {len(result.differences)} changed, "
            f"{result.unchanged} unchanged.",
            messages.SUCCESS,
        )
        return None


class ChartAboveList:
    """A small chart of the filtered rows above the change list."""

    change_list_template = "admin/trading/change_list_with_chart.html"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["chart"] = self.chart(context["cl"].queryset)
        return response


@admin.register(StrategyPerformance)
class StrategyPerformanceAdmin(ChartAboveList, FiguresAdmin, admin.ModelAdmin):
    list_display = (
        "date",
        "strategy",
        column("pnl", _("PnL (KRW)"), numbers.signed_won, signed=True),
        column("daily_return", _("daily return"), numbers.signed_percent, signed=True),
        column("trade_count", _("trades"), numbers.quantity),
        column("win_rate", _("win rate"), lambda rate: numbers.percent(rate, places=1)),
        column("sharpe_ratio", _("Sharpe"), numbers.ratio),
        column("max_drawdown", _("max drawdown"), numbers.percent),
    )
    list_filter = ("strategy", ("date", admin.DateFieldListFilter))
    actions = ("recompute_selected",)

    def chart(self, queryset):
        return charts.strategy_curves(queryset)

    @admin.action(
        description=_("Recompute selected strategies over the selected dates"),
        permissions=["change"],
    )
    def recompute_selected(self, request, queryset):
        spans = queryset.values("strategy").annotate(first=Min("date"), last=Max("date"))
        done = []
        for span in spans.order_by("strategy"):
            strategy = span["strategy"]
            capital = settings.QB_STRATEGY_CAPITAL.get(strategy)
            if capital is None:
                self.message_user(
                    request,
                    f"{strategy}: no capital in QB_STRATEGY_CAPITAL; not recomputed.",
                    messages.ERROR,
                )
                continue
            # Sharpe and drawdown run over the whole history, so start at the first trade.
            start = min(filter(None, [performance.first_trade_date(strategy), span["first"]]))
            try:
                report = performance.compute(
                    strategy=strategy, start=start, end=span["last"], capital=capital
                )
            except OversellError as e:
                self.message_user(request, f"{strategy}: {e}", messages.ERROR)
                continue
            stored = performance.store(report, since=span["first"])
            done.append(f"{strategy} ({stored} days, {span['first']} to {span['last']})")
        if done:
            self.message_user(request, "Recomputed " + ", ".join(done) + ".", messages.SUCCESS)


@admin.register(RiskMetric)
class RiskMetricAdmin(ChartAboveList, FiguresAdmin, admin.ModelAdmin):
    list_display = (
        "timestamp",
        column("portfolio_value", _("portfolio value (KRW)"), numbers.won),
        column("cash", _("cash (KRW)"), numbers.won),
        column("gross_exposure", _("gross exposure (KRW)"), numbers.won),
        column("var_95", _("VaR 95% (KRW)"), numbers.won),
        column("var_99", _("VaR 99% (KRW)"), numbers.won),
        column("max_drawdown", _("max drawdown"), numbers.percent),
    )
    list_filter = (("timestamp", admin.DateFieldListFilter),)

    def chart(self, queryset):
        return charts.risk_curves(queryset)


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
        return [
            {"value": self.value() or "", "query": changelist.get_query_string(remove=["extra"])}
        ]

    def queryset(self, request, queryset):
        key, sep, raw = (self.value() or "").partition("=")
        if not sep or not key:
            return queryset
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        return queryset.filter(extra__contains={key.strip(): value})


@admin.register(SystemLog)
class SystemLogAdmin(admin.ModelAdmin):
    list_display = ("logged_at", "level", "component", "message")
    list_filter = (
        "level",
        distinct_filter("component", _("component")),
        ("timestamp", admin.DateFieldListFilter),
        ExtraFilter,
    )
    search_fields = ("message",)
    search_help_text = _("Whole words of the message, all of them: broker rejected 0000123456")
    fields = ("timestamp", "level", "component", "message", "extra_json")
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

    @admin.display(description=_("extra"))
    def extra_json(self, log):
        return format_html("<pre>{}</pre>", json.dumps(log.extra, indent=2, ensure_ascii=False))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
