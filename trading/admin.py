import json

from django.contrib import admin
from django.utils.html import format_html

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
