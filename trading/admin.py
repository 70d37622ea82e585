import json

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Max, Min
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from trading import performance, positions
from trading.accounting import OversellError
from trading.models import Position, RiskMetric, StrategyPerformance, SystemLog, Trade


@admin.register(Trade)
class TradeAdmin(admin.ModelAdmin):
    list_display = (
        "executed_at",
        "symbol",
        "side",
        "quantity",
        "price",
        "amount",
        "commission",
        "tax",
        "strategy",
        "broker_order_id",
    )
    list_filter = ("side", "strategy")
    search_fields = ("symbol", "broker_order_id")
    ordering = ("-executed_at",)
    readonly_fields = ("created_at",)

    @admin.display(description="amount")
    def amount(self, trade):
        return f"{trade.amount:,.0f}"


def signed(value):
    colour = "#b00" if value < 0 else "#070"
    return format_html('<span style="color:{}">{}</span>', colour, f"{value:+,.0f}")


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = (
        "symbol",
        "quantity",
        "average_price",
        "last_price",
        "market_value",
        "unrealized",
        "realized",
        "updated_at",
    )
    search_fields = ("symbol",)
    readonly_fields = ("updated_at",)
    actions = ("rebuild_selected",)

    @admin.action(
        description="Rebuild selected positions from their trades", permissions=["change"]
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
                        "title": "Rebuild positions",
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

    @admin.display(description="unrealized PnL", ordering="unrealized_pnl")
    def unrealized(self, position):
        return signed(position.unrealized_pnl)

    @admin.display(description="realized PnL", ordering="realized_pnl")
    def realized(self, position):
        return signed(position.realized_pnl)


@admin.register(StrategyPerformance)
class StrategyPerformanceAdmin(admin.ModelAdmin):
    list_display = (
        "date",
        "strategy",
        "pnl",
        "daily_return",
        "trade_count",
        "win_rate",
        "sharpe_ratio",
        "max_drawdown",
    )
    list_filter = ("strategy",)
    actions = ("recompute_selected",)

    @admin.action(
        description="Recompute selected strategies over the selected dates", permissions=["change"]
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
class RiskMetricAdmin(admin.ModelAdmin):
    list_display = (
        "timestamp",
        "portfolio_value",
        "cash",
        "gross_exposure",
        "var_95",
        "var_99",
        "max_drawdown",
    )


@admin.register(SystemLog)
class SystemLogAdmin(admin.ModelAdmin):
    list_display = ("timestamp", "level", "component", "message")
    list_filter = ("level", "component")
    search_fields = ("message",)
    fields = ("timestamp", "level", "component", "message", "extra_json")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="extra")
    def extra_json(self, log):
        return format_html("<pre>{}</pre>", json.dumps(log.extra, indent=2, ensure_ascii=False))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
