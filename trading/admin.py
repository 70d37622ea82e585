import datetime as dt
import json
import re

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import PermissionDenied
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
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from import_export.admin import ImportExportModelAdmin

from display import numbers, times
from display.lists import FiguresAdmin, Total, clipped, column, figure, link_line
from marketdata import links as market_links
from marketdata import stock_search
from marketdata.admin_history import HistoryAdmin
from marketdata.admin_imports import SheetAdminMixin
from marketdata.admin_lists import (
    EstimatedCountPaginator,
    MarketFilter,
    SectorFilter,
    distinct_filter,
    stock_names,
)
from marketdata.models import StockMetadata
from marketdata.sessions import KST
from marketdata.symbols import is_symbol
from trading import access, charts, fills, links, performance, positions
from trading.accounting import OversellError
from trading.admin_access import AccountFilter, AccountScoped
from trading.books.admin import BooksOnAccountPage  # registers the books' admins too
from trading.models import (
    Account,
    CommissionSchedule,
    Position,
    RiskMetric,
    Side,
    StrategyPerformance,
    SystemLog,
    Trade,
    TradeChange,
)
from trading.resources import TradeResource

AMOUNT = ExpressionWrapper(F("quantity") * F("price"), output_field=DecimalField())


def stock_name():
    return Subquery(StockMetadata.objects.filter(symbol=OuterRef("symbol")).values("name")[:1])


# Compact columns for lists that must fit the window: codes, not names.
@admin.display(description=_("account"), ordering="account__code")
def account_code(row):
    return row.account.code


@admin.display(description=_("venue"), ordering="venue")
def venue_code(trade):
    return trade.venue


class ChargesFilter(admin.SimpleListFilter):
    title = _("charges")
    parameter_name = "charges"

    def lookups(self, request, model_admin):
        return (
            ("differ", _("differ from the schedules by more than 1 won")),
            ("unknown", _("no schedule to compare with")),
        )

    def queryset(self, request, queryset):
        if self.value() == "differ":
            return queryset.filter(charges_differ=True)
        if self.value() == "unknown":
            return queryset.filter(
                Q(expected_commission__isnull=True) | Q(expected_tax__isnull=True)
            )
        return queryset


class PriceCheckFilter(admin.SimpleListFilter):
    title = _("price check")
    parameter_name = "price"

    def lookups(self, request, model_admin):
        return (
            ("flagged", _("off the tick grid or outside the daily limit")),
            ("off_tick", _("off the tick grid")),
            ("outside_limit", _("outside the daily limit")),
        )

    def queryset(self, request, queryset):
        conditions = {
            "flagged": Q(on_tick=False) | Q(within_limit=False),
            "off_tick": Q(on_tick=False),
            "outside_limit": Q(within_limit=False),
        }
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()])
        return queryset


@admin.register(Account)
class AccountAdmin(BooksOnAccountPage, AccountScoped, HistoryAdmin):
    account_field = "pk"
    list_display = ("code", "name", "broker", "masked", "is_active")
    list_filter = ("broker", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("visible_to",)
    readonly_fields = ("created_at",)

    @admin.display(description=_("account number"), ordering="number")
    def masked(self, account):
        return account.masked_number or "-"


@admin.register(CommissionSchedule)
class CommissionScheduleAdmin(AccountScoped, FiguresAdmin, HistoryAdmin):
    list_display = (
        "account",
        "venue",
        "valid_from",
        column("rate", _("rate"), numbers.rate),
        column("minimum", _("minimum (KRW)"), numbers.won),
        "note",
    )
    list_filter = (AccountFilter, "venue")
    list_select_related = ("account",)
    ordering = ("account__code", "venue", "-valid_from")

    def _reassess(self, request, schedule):
        start = dt.datetime.combine(schedule.valid_from, dt.time(), KST)
        counts = fills.reassess(
            Trade.objects.filter(
                account_id=schedule.account_id, venue=schedule.venue, executed_at__gte=start
            )
        )
        self.message_user(
            request,
            _("Expected charges checked again for %(n)s fills; %(d)s differ.")
            % {"n": counts["assessed"], "d": counts.get("charges differ", 0)},
            messages.INFO,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._reassess(request, obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._reassess(request, obj)


@admin.register(Trade)
class TradeAdmin(
    AccountScoped, FiguresAdmin, SheetAdminMixin, ImportExportModelAdmin, HistoryAdmin
):
    resource_classes = [TradeResource]
    list_display = (
        "executed_at",
        account_code,
        venue_code,
        "stock",
        "side_shown",
        column("quantity", _("quantity"), numbers.quantity),
        column("price", _("price (KRW)"), numbers.price),
        "amount",
        column("commission", _("commission (KRW)"), numbers.won),
        column("tax", _("tax (KRW)"), numbers.won),
        "checks",
        "strategy_shown",
        "broker_order_id",
    )
    totals = [
        Total("amount", _("amount"), Sum(AMOUNT), numbers.won),
        Total("commission", _("commission"), Sum("commission"), numbers.won),
        Total("tax", _("tax"), Sum("tax"), numbers.won),
    ]
    list_filter = (
        AccountFilter,
        "venue",
        "side",
        distinct_filter("strategy", _("strategy")),
        MarketFilter,
        ChargesFilter,
        PriceCheckFilter,
        ("executed_at", admin.DateFieldListFilter),
    )
    list_select_related = ("account",)
    search_fields = ("symbol", "broker_order_id")
    search_help_text = _("Symbol (005930 or 5930), Korean or English name, or broker order id.")
    ordering = ("-executed_at",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("account", "venue"),
                    "executed_at",
                    ("symbol", "side"),
                    ("quantity", "price"),
                    ("commission", "tax"),
                    "strategy",
                    ("broker_order_id", "fill_seq", "execution_id"),
                    "created_at",
                    "see_also",
                )
            },
        ),
        (
            _("Expected charges and price checks"),
            {
                "fields": (
                    ("expected_commission_won", "expected_tax_parts", "settles_on"),
                    ("charges_as_expected", "on_tick", "within_limit"),
                )
            },
        ),
    )
    readonly_fields = (
        "created_at",
        "see_also",
        "expected_commission_won",
        "expected_tax_parts",
        "settles_on",
        "charges_as_expected",
        "on_tick",
        "within_limit",
    )
    actions = ("assess_selected",)
    paginator = EstimatedCountPaginator
    # Each row carries fourteen columns, links and checks: 50 of them render in half the
    # time of Django's 100 (bench/admin_pages.py).
    list_per_page = 50
    show_full_result_count = False
    history_list_display = ("side", "quantity", "price", "commission", "tax")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(amount_value=AMOUNT)

    def save_model(self, request, obj, form, change):
        fills.assess([obj])
        super().save_model(request, obj, form, change)

    @admin.action(
        description=_("Check charges and prices of the selected trades again"),
        permissions=["change"],
    )
    def assess_selected(self, request, queryset):
        counts = fills.reassess(queryset)
        self.message_user(
            request,
            _(
                "Checked %(n)s trades: charges differ on %(d)s, %(t)s off the tick grid, "
                "%(l)s outside the daily limit."
            )
            % {
                "n": counts["assessed"],
                "d": counts.get("charges differ", 0),
                "t": counts.get("off the tick grid", 0),
                "l": counts.get("outside the daily limit", 0),
            },
            messages.SUCCESS,
        )

    @admin.display(description=_("checks"))
    def checks(self, trade):
        """What the schedules and the price rules say, where they object: a word each, the
        expected charges in the tooltip."""
        found = []
        if fills.differs(trade.commission, trade.expected_commission):
            found.append(
                (
                    _("commission"),
                    _("expected %(won)s KRW") % {"won": numbers.won(trade.expected_commission)},
                )
            )
        if fills.differs(trade.tax, trade.expected_tax):
            found.append(
                (_("tax"), _("expected %(won)s KRW") % {"won": numbers.won(trade.expected_tax)})
            )
        if trade.on_tick is False:
            found.append((_("tick"), _("off the tick grid")))
        if trade.within_limit is False:
            found.append((_("limit"), _("outside the daily limit")))
        return format_html_join(
            " ", '<span class="qb-differs" title="{}">&#9888; {}</span>', ((t, w) for w, t in found)
        )

    @admin.display(description=_("charges as expected"), boolean=True)
    def charges_as_expected(self, trade):
        """Said the way of the two checks beside it, where a tick means all is well: the
        field itself (`charges_differ`) would show a red cross for charges that agree.
        Agreeing as far as expected, with a part not expected (no schedule, no stock
        metadata): unknown."""
        if trade.charges_differ:
            return False
        if trade.expected_commission is None or trade.expected_tax is None:
            return None
        return True

    @admin.display(description=_("expected commission"))
    def expected_commission_won(self, trade):
        return numbers.won(trade.expected_commission)

    @admin.display(description=_("expected tax"))
    def expected_tax_parts(self, trade):
        if trade.expected_tax is None:
            return numbers.MISSING
        special = trade.expected_special_tax or 0
        if not special:
            return numbers.won(trade.expected_tax)
        return _("%(total)s (transaction tax %(tx)s + special tax %(sp)s)") % {
            "total": numbers.won(trade.expected_tax),
            "tx": numbers.won(trade.expected_tax - special),
            "sp": numbers.won(special),
        }

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
        symbols = stock_search.symbols_for(term)
        return queryset.filter(Q(symbol__in=symbols) | Q(broker_order_id=term)), False

    @admin.display(description=_("stock"), ordering="symbol")
    def stock(self, trade):
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            market_links.chart(trade.symbol, at=trade.executed_at),
            _("Chart around this fill"),
            clipped(f"{trade.symbol} {getattr(trade, 'stock_name', '')}".strip()),
        )

    @admin.display(description=_("see also"))
    def see_also(self, trade):
        if trade._state.adding:
            return "-"
        return link_line(
            [
                (
                    market_links.chart(trade.symbol, at=trade.executed_at),
                    _("Chart around this fill"),
                ),
                (links.positions(account_id=trade.account_id, symbol=trade.symbol), _("Position")),
                (
                    links.trades(order_id=trade.broker_order_id) if trade.broker_order_id else None,
                    _("Fills of this order"),
                ),
                (market_links.stock(trade.symbol), _("Stock")),
            ]
        )

    @admin.display(description=_("strategy"), ordering="strategy")
    def strategy_shown(self, trade):
        return clipped(trade.strategy)

    @admin.display(description=_("side"), ordering="side")
    def side_shown(self, trade):
        """Buys in the convention's "up" colour, sells in its "down" one, as on a
        Korean trading screen."""
        css = "qb-up" if trade.side == Side.BUY else "qb-down"
        return format_html('<span class="{}">{}</span>', css, Side.label_of(trade.side))

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
class PositionAdmin(AccountScoped, FiguresAdmin, HistoryAdmin):
    list_display = (
        "symbol",
        "name",
        account_code,
        "held",
        "average",
        column("last_price", _("last price (KRW)"), numbers.price),
        column("market_value", _("market value (KRW)"), numbers.won),
        "weight",
        column("unrealized_pnl", _("unrealized PnL (KRW)"), numbers.signed_won, signed=True),
        column("realized_pnl", _("realized PnL (KRW)"), numbers.signed_won, signed=True),
        "updated",
    )
    totals = [
        Total("market_value", _("market value"), Sum("market_value")),
        Total("unrealized", _("unrealized PnL"), Sum("unrealized_pnl"), numbers.signed_won, True),
        Total("realized", _("realized PnL"), Sum("realized_pnl"), numbers.signed_won, True),
    ]
    list_filter = (AccountFilter, MarketFilter, SectorFilter, OpenFilter)
    list_select_related = ("account",)
    search_fields = ("symbol",)
    search_help_text = _("Symbol (005930 or 5930), Korean or English name.")
    readonly_fields = ("updated_at", "see_also")
    actions = ("rebuild_selected",)

    def get_search_results(self, request, queryset, search_term):
        """Stocks found as the trade list finds them: code, code without its leading
        zeros, Korean or English name."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(symbol__in=stock_search.symbols_for(search_term)), False

    def get_queryset(self, request):
        # One uncorrelated subquery: the market value of the whole book the person sees.
        portfolio = (
            access.restrict(Position.objects.filter(quantity__gt=0), request.user)
            .order_by()
            .annotate(book=Value(1))
            .values("book")
            .annotate(total=Sum("market_value"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                stock_name=stock_name(),
                portfolio=Subquery(portfolio[:1]),
                trades_changed_at=Subquery(
                    TradeChange.objects.filter(
                        account=OuterRef("account"), symbol=OuterRef("symbol")
                    ).values("changed_at")
                ),
            )
        )

    @figure(_("average price (KRW)"), numbers.price, ordering="average_price")
    def average(self, position):
        """None ("-") for a closed position: it holds nothing to have a price for."""
        return position.average_price if position.quantity else None

    @admin.display(description=pgettext_lazy("stock", "name"))
    def name(self, position):
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            market_links.chart(position.symbol),
            _("Chart"),
            clipped(position.stock_name or position.symbol),
        )

    @figure(
        _("quantity"),
        numbers.quantity,
        ordering="quantity",
        link=lambda p: links.trades(account_id=p.account_id, symbol=p.symbol),
    )
    def held(self, position):
        """The quantity, linked to the trades it comes from."""
        return position.quantity

    @admin.display(description=_("see also"))
    def see_also(self, position):
        if position._state.adding:
            return "-"
        return link_line(
            [
                (
                    links.trades(account_id=position.account_id, symbol=position.symbol),
                    _("Trades"),
                ),
                (market_links.chart(position.symbol), _("Chart")),
                (market_links.stock(position.symbol), _("Stock")),
            ]
        )

    @figure(_("weight"), lambda share: numbers.percent(share, places=1))
    def weight(self, position):
        if not position.market_value or not position.portfolio:
            return None
        return position.market_value / position.portfolio

    @admin.display(description=_("updated at"), ordering="updated_at")
    def updated(self, position):
        """When the position was stored; marked when its trades changed since."""
        shown = times.moment(position.updated_at)
        if position.trades_changed_at is None:
            return shown
        return format_html(
            '<span class="qb-stale" title="{}">{} &#9888;</span>',
            _("Trades changed at %(moment)s: rebuild this position.")
            % {"moment": times.moment(position.trades_changed_at)},
            shown,
        )

    def get_urls(self):
        rebuild = path(
            "rebuild/",
            self.admin_site.admin_view(self.rebuild_view),
            name="trading_position_rebuild",
        )
        return [rebuild, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        found = positions.stale(accounts=access.visible_accounts(request.user))
        extra_context = {
            **(extra_context or {}),
            "stale": positions.stale_summary(found),
            "can_rebuild": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=_("Rebuild selected positions from their trades"), permissions=["change"]
    )
    def rebuild_selected(self, request, queryset):
        return self.rebuild_response(request, set(queryset.values_list("account_id", "symbol")))

    def rebuild_view(self, request):
        """The positions older than their trades (or those posted back by the preview),
        rebuilt after a preview: where the stale-positions notice leads."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        visible = access.visible_accounts(request.user)
        if request.method == "POST":
            posted = {tuple(k.split(":", 1)) for k in request.POST.getlist("position")}
            keys = {(int(a), s) for a, s in posted if a.isdigit() and is_symbol(s)}
            allowed = set(visible.filter(pk__in={a for a, _ in keys}).values_list("pk", flat=True))
            keys = {k for k in keys if k[0] in allowed}
        else:
            keys = {(p.account_id, p.symbol) for p in positions.stale(accounts=visible)}
        if not keys:
            self.message_user(request, _("Every position is up to date with its trades."))
            return redirect("admin:trading_position_changelist")
        return self.rebuild_response(request, keys)

    def rebuild_response(self, request, keys: set[tuple[int, str]]):
        """The reconciliation of the positions `keys` (account id, symbol) to confirm, or,
        confirmed, their rebuild."""
        scope = {
            "symbols": sorted({s for _, s in keys}),
            "accounts": sorted({a for a, _ in keys}),
            "only": keys,
        }
        now = timezone.now()
        try:
            if request.method != "POST" or request.POST.get("confirm") != "yes":
                result = positions.reconcile(as_of=now, **scope)
                return TemplateResponse(
                    request,
                    "admin/trading/rebuild_positions_confirm.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.model._meta,
                        "title": _("Rebuild positions"),
                        "as_of": timezone.localtime(now),
                        "differences": preview(result.differences),
                        "unchanged": result.unchanged,
                        "keys": [f"{a}:{s}" for a, s in sorted(keys)],
                    },
                )
            result = positions.rebuild(as_of=now, **scope)
        except OversellError as e:
            self.message_user(
                request, _("Positions not rebuilt: %(reason)s") % {"reason": e}, messages.ERROR
            )
            return redirect("admin:trading_position_changelist")
        self.message_user(
            request,
            _("Rebuilt %(count)s positions: %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "count": len(keys),
                "changed": len(result.differences),
                "unchanged": result.unchanged,
            },
            messages.SUCCESS,
        )
        return redirect("admin:trading_position_changelist")


# How the rebuild preview shows each compared field.
PREVIEW_FORMATS = {
    "quantity": numbers.quantity,
    "average_price": numbers.price,
    "last_price": numbers.price,
    "market_value": numbers.won,
    "realized_pnl": numbers.signed_won,
    "unrealized_pnl": numbers.signed_won,
}
CHANGES = {"new": _("new"), "changed": _("changed"), "removed": _("removed: no trades")}


def preview(differences):
    """The differences as the preview shows them: field names and figures as the list
    shows them."""
    return [
        {
            "account": d.account,
            "symbol": d.symbol,
            "change": CHANGES[d.change],
            "fields": [
                (
                    Position._meta.get_field(name).verbose_name,
                    PREVIEW_FORMATS[name](old),
                    PREVIEW_FORMATS[name](new),
                )
                for name, (old, new) in d.fields.items()
            ],
        }
        for d in differences
    ]


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


# Registered here, with the rest of the app's admin.
from trading import admin_reconciliation  # noqa: E402, F401
