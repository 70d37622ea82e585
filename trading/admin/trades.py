"""Trades (fills) in the admin: the list with charges and price checks, imports and
exports, corrections with history."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import (
    Q,
    Sum,
)
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from adminkit.history import HistoryAdmin
from adminkit.imports import SheetAdminMixin
from display import numbers
from display.lists import FiguresAdmin, Total, clipped, column, figure, link_line
from marketdata import links as market_links
from marketdata import stock_search
from marketdata.admin.lists import (
    EstimatedCountPaginator,
    MarketFilter,
    distinct_filter,
    stock_names,
)
from trading import fills, links
from trading.admin.access import AccountFilter, AccountScoped
from trading.admin.columns import AMOUNT, ChargesFilter, PriceCheckFilter, account_code, venue_code
from trading.admin.resources import TradeResource
from trading.admin.trade_cells import TextXLSX, TradeConfirmImportForm
from trading.fills.price_warnings import price_warnings
from trading.models import (
    Side,
    Trade,
)


@admin.register(Trade)
class TradeAdmin(
    AccountScoped, FiguresAdmin, SheetAdminMixin, ImportExportModelAdmin, HistoryAdmin
):
    resource_classes = [TradeResource]
    confirm_form_class = TradeConfirmImportForm
    export_formats = [base_formats.CSV, TextXLSX]
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

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # django-import-export writes numbers as numbers for its own XLSX class only.
        native = isinstance(file_format, base_formats.XLSX)
        return super().get_export_data(file_format, request, queryset, native=native, **kwargs)

    def get_data_for_export(self, request, queryset, **kwargs):
        native = kwargs.pop("native", False)
        kwargs["force_native_type"] = kwargs.get("force_native_type") or native
        return super().get_data_for_export(request, queryset, **kwargs)

    def get_import_data_kwargs(self, **kwargs):
        # Identity changes are written only when the confirmation asks for exactly that.
        form = kwargs.get("form")
        asked = isinstance(form, TradeConfirmImportForm) and bool(
            getattr(form, "cleaned_data", {}).get("apply_identity_changes")
        )
        return super().get_import_data_kwargs(**kwargs) | {"apply_identity_changes": asked}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        changes = getattr(result, "identity_changes", 0)
        if changes:
            messages.error(
                request,
                ngettext(
                    "%(n)s row changes the identity of a stored fill (shown in red); it is "
                    "skipped unless “apply identity changes” is ticked below.",
                    "%(n)s rows change the identity of stored fills (shown in red); they are "
                    "skipped unless “apply identity changes” is ticked below.",
                    changes,
                )
                % {"n": f"{changes:,}"},
            )
        return response

    def process_result(self, result, request):
        held = getattr(result, "identity_held", 0)
        if held and not (result.has_errors() or result.has_validation_errors()):
            messages.warning(
                request,
                ngettext(
                    "%(n)s row that changes a stored fill's identity was skipped.",
                    "%(n)s rows that change stored fills' identity were skipped.",
                    held,
                )
                % {"n": f"{held:,}"},
            )
        return super().process_result(result, request)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(amount_value=AMOUNT)

    def save_model(self, request, obj, form, change):
        assessment = fills.Assessment.of([obj])
        assessment.apply(obj)
        super().save_model(request, obj, form, change)
        for warning in price_warnings(obj, assessment):
            self.message_user(request, warning, messages.WARNING)

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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page's title names the stock: 005930 삼성전자 매수 10 @ 72,000."""
        trade = self.get_object(request, unquote(object_id))
        name = trade and stock_names([trade.symbol]).get(trade.symbol)
        if name:
            # str(trade) starts with the code; the name goes right after it.
            titled = f"{trade.symbol} {name}{str(trade)[len(trade.symbol) :]}"
            extra_context = {"subtitle": titled, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

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
