"""Positions in the admin, with the rebuild from fills and its preview."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from adminkit.history import HistoryAdmin
from display import numbers, times
from display.lists import FiguresAdmin, Total, clipped, column, figure, link_line
from marketdata import links as market_links
from marketdata import stock_search
from marketdata.admin.lists import (
    MarketFilter,
    SectorFilter,
)
from marketdata.symbols import is_symbol
from trading import access, links, positions
from trading.admin.access import AccountFilter, AccountScoped
from trading.admin.columns import account_code, stock_name
from trading.models import (
    Position,
    TradeChange,
)
from trading.positions.accounting import OversellError


class OpenFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        # "open" is also a bar's opening price (시가): the contexts keep the two apart.
        return (
            ("yes", pgettext_lazy("position", "open")),
            ("no", pgettext_lazy("position", "closed")),
        )

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
            access.scope(Position.objects.filter(quantity__gt=0), request.user)
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
            "rebuild_url": with_filters(
                reverse("admin:trading_position_rebuild"), request.GET.urlencode()
            ),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(
        description=_("Rebuild selected positions from their trades"), permissions=["change"]
    )
    def rebuild_selected(self, request, queryset):
        # The action is posted to the list with its filters in the URL: they come back.
        keys = set(queryset.values_list("account_id", "symbol"))
        return self.rebuild_response(request, keys, filters=request.GET.urlencode())

    def rebuild_view(self, request):
        """The positions older than their trades (or those posted back by the preview),
        rebuilt after a preview: where the stale-positions notice leads."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        # Parsed and encoded again: whatever was posted, it stays a query string.
        filters = QueryDict(request.POST.get(FILTERS) or request.GET.get(FILTERS) or "").urlencode()
        visible = access.visible_accounts(request.user)
        if request.method == "POST":
            posted = {tuple(k.split(":", 1)) for k in request.POST.getlist("position") if ":" in k}
            keys = {(int(a), s) for a, s in posted if a.isdigit() and len(a) < 19 and is_symbol(s)}
            allowed = set(visible.filter(pk__in={a for a, _ in keys}).values_list("pk", flat=True))
            keys = {k for k in keys if k[0] in allowed}
        else:
            keys = {(p.account_id, p.symbol) for p in positions.stale(accounts=visible)}
        if not keys:
            self.message_user(request, _("Every position is up to date with its trades."))
            return redirect(changelist(filters))
        return self.rebuild_response(request, keys, filters=filters)

    def rebuild_response(self, request, keys: set[tuple[int, str]], *, filters: str = ""):
        """The reconciliation of the positions `keys` (account id, symbol) to confirm, or,
        confirmed, their rebuild; then back to the list with its `filters` (a query
        string)."""
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
                        "filters": filters,
                        "back": changelist(filters),
                    },
                )
            result = positions.rebuild(as_of=now, **scope)
        except OversellError as e:
            self.message_user(
                request, _("Positions not rebuilt: %(reason)s") % {"reason": e}, messages.ERROR
            )
            return redirect(changelist(filters))
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
        return redirect(changelist(filters))


# The list's query string, carried through the rebuild and back (the admin's own name for it).
FILTERS = "_changelist_filters"


def with_filters(url: str, filters: str) -> str:
    return f"{url}?{urlencode({FILTERS: filters})}" if filters else url


def changelist(filters: str) -> str:
    """The positions list with the query string `filters`."""
    url = reverse("admin:trading_position_changelist")
    return f"{url}?{filters}" if filters else url


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
