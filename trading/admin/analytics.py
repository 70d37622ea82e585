"""Strategy performance and risk metrics in the admin, each list with its chart above."""

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import (
    Max,
    Min,
)
from django.utils.translation import gettext_lazy as _

from display import numbers
from display.lists import FiguresAdmin, column
from trading import access, charts
from trading.admin.access import AccountFilter, AccountScoped
from trading.analytics import performance
from trading.models import (
    RiskMetric,
    StrategyPerformance,
)
from trading.positions.accounting import OversellError


class ChartAboveList:
    """A small chart of the filtered rows above the change list."""

    change_list_template = "admin/trading/change_list_with_chart.html"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            context["chart"] = self.chart(context["cl"].queryset)
        return response


class EveryAccountOnly:
    """Figures computed over every account together: only for those who see every account."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) and access.sees_all(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and access.sees_all(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and access.sees_all(request.user)


@admin.register(StrategyPerformance)
class StrategyPerformanceAdmin(EveryAccountOnly, ChartAboveList, FiguresAdmin, admin.ModelAdmin):
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
                    _("%(strategy)s: no capital in QB_STRATEGY_CAPITAL; not recomputed.")
                    % {"strategy": strategy},
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
            done.append(
                _("%(strategy)s (%(days)s days, %(first)s to %(last)s)")
                % {
                    "strategy": strategy,
                    "days": numbers.quantity(stored),
                    "first": span["first"],
                    "last": span["last"],
                }
            )
        if done:
            self.message_user(
                request, _("Recomputed %(done)s.") % {"done": ", ".join(done)}, messages.SUCCESS
            )


class RiskAccountFilter(AccountFilter):
    def lookups(self, request, model_admin):
        every = [("all", _("every account together"))] if access.sees_all(request.user) else []
        return every + super().lookups(request, model_admin)

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset.filter(account__isnull=True)
        return super().queryset(request, queryset)


@admin.register(RiskMetric)
class RiskMetricAdmin(AccountScoped, ChartAboveList, FiguresAdmin, admin.ModelAdmin):
    list_display = (
        "timestamp",
        "account_or_all",
        column("portfolio_value", _("portfolio value (KRW)"), numbers.won),
        column("cash", _("cash (KRW)"), numbers.won),
        column("gross_exposure", _("gross exposure (KRW)"), numbers.won),
        column("var_95", _("VaR 95% (KRW)"), numbers.won),
        column("var_99", _("VaR 99% (KRW)"), numbers.won),
        column("max_drawdown", _("max drawdown"), numbers.percent),
    )
    list_filter = (RiskAccountFilter, ("timestamp", admin.DateFieldListFilter))
    list_select_related = ("account",)

    def chart(self, queryset):
        return charts.risk_curves(queryset)

    @admin.display(description=_("account"), ordering="account__code")
    def account_or_all(self, metric):
        return metric.account or _("every account together")
