"""Reconciliations in the admin: the kept runs with their differences, which a person marks
explained or fixed; a page that takes the broker's two files; and the missing fills created
from a run after a preview."""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from display import numbers, times
from display.lists import FiguresAdmin, column, figure
from marketdata import links as market_links
from marketdata.sessions import KST
from trading import access, reconciliation
from trading import links as trading_links
from trading.admin.access import AccountFilter, AccountScoped
from trading.models import (
    DifferenceKind,
    DifferenceStatus,
    ReconciliationDifference,
    ReconciliationRun,
    ReconciliationStatus,
)
from trading.reconciliation import broker_reports

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The runs keep the conventions in English (as the JSON report gives them); the page says
# them in the reader's language.
CONVENTION_WORDS = {
    reconciliation.OUR_CONVENTION: _("moving average of the buy prices, fees excluded"),
    reconciliation.CONVENTIONS["excluded"]: _("fees excluded (equal to ours)"),
    reconciliation.CONVENTIONS["included"]: _("buy commissions included"),
}


class ReconcileForm(forms.Form):
    account = forms.ModelChoiceField(label=_("account"), queryset=None)
    date = forms.DateField(label=_("trading day"), widget=ISO_DATE)
    orders = forms.FileField(
        label=_("orders with their fills"),
        help_text=_("KIS inquire-daily-ccld: the JSON response, its output1, pages, or CSV."),
    )
    balance = forms.FileField(
        label=_("holdings"),
        required=False,
        help_text=_("KIS inquire-balance, optional: compares the positions at the day's end."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = access.visible_accounts(user)

    def _read(self, name):
        upload = self.cleaned_data.get(name)
        if upload is None:
            return None
        if upload.size > settings.QB_IMPORT_MAX_BYTES:
            self.add_error(
                name,
                _("The file is larger than %(limit)s bytes (QB_IMPORT_MAX_BYTES).")
                % {"limit": f"{settings.QB_IMPORT_MAX_BYTES:,}"},
            )
            return None
        return upload.name, b"".join(upload.chunks())

    def reports(self):
        """(orders file, orders, balance file, holdings), or None with the errors set."""
        orders_file, balance_file = self._read("orders"), self._read("balance")
        if self.errors:
            return None
        try:
            orders = broker_reports.orders(orders_file[1], orders_file[0])
        except broker_reports.BrokerFileError as e:
            self.add_error("orders", str(e))
            return None
        try:
            holdings = (
                broker_reports.holdings(balance_file[1], balance_file[0]) if balance_file else None
            )
        except broker_reports.BrokerFileError as e:
            self.add_error("balance", str(e))
            return None
        return orders_file, orders, balance_file, holdings


def links(difference) -> list[tuple[str, str]]:
    """(label, URL) of what a difference is about: its fill, its order's fills, the
    position and the chart around the order's time that day."""
    run = difference.run
    found = []
    if len(difference.trades) == 1:
        found.append((_("fill"), reverse("admin:trading_trade_change", args=difference.trades)))
    if difference.broker_order_id:
        found.append(
            (
                _("order's fills"),
                trading_links.trades(
                    account_id=run.account_id, order_id=difference.broker_order_id
                ),
            )
        )
    if difference.symbol:
        found.append(
            (
                _("position"),
                trading_links.positions(account_id=run.account_id, symbol=difference.symbol),
            )
        )
        told = difference.broker if isinstance(difference.broker, dict) else {}
        time = dt.time.fromisoformat(told["time"]) if told.get("time") else dt.time(9)
        moment = dt.datetime.combine(run.date, time, KST)
        found.append((_("chart"), market_links.chart(difference.symbol, at=moment)))
    return found


class DifferenceInline(admin.TabularInline):
    model = ReconciliationDifference
    fields = (
        "kind",
        "broker_order_id",
        "symbol",
        "broker_says",
        "we_have",
        "see",
        "status",
        "note",
    )
    readonly_fields = ("kind", "broker_order_id", "symbol", "broker_says", "we_have", "see")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "note":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 30})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("broker says"))
    def broker_says(self, difference):
        return reconciliation.shown(difference.broker)

    @admin.display(description=_("we have"))
    def we_have(self, difference):
        return reconciliation.shown(difference.ours)

    @admin.display(description=_("see"))
    def see(self, difference):
        return format_html_join(
            " · ", '<a href="{}">{}</a>', ((u, t) for t, u in links(difference))
        )


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(AccountScoped, FiguresAdmin, admin.ModelAdmin):
    list_display = (
        "run_time",
        "account",
        "date",
        "result",
        column("difference_count", _("differences"), numbers.quantity),
        "open_differences",
        "checked",
        "run_by",
    )
    list_filter = (AccountFilter, "status", ("date", admin.DateFieldListFilter))
    list_select_related = ("account",)
    inlines = [DifferenceInline]
    change_list_template = "admin/trading/reconciliationrun/change_list.html"
    fields = (
        ("account", "date", "status"),
        ("run_at", "run_by"),
        ("orders_file", "orders_sha256"),
        ("balance_file", "balance_sha256"),
        ("checked_orders", "checked_fills", "checked_holdings", "difference_count"),
        "average_prices",
        "reconstructed",
    )
    readonly_fields = (
        *fields[0],
        *fields[1],
        *fields[2],
        *fields[3],
        *fields[4],
        "average_prices",
        "reconstructed",
    )
    change_form_template = "admin/trading/reconciliationrun/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_count=Count("differences", filter=Q(differences__status=DifferenceStatus.OPEN))
            )
        )

    def has_add_permission(self, request):
        return False  # runs come from the files (the page below) or the command

    def has_change_permission(self, request, obj=None):
        # A run is kept as it ran; what a person changes is the status of its differences.
        allowed = request.user.has_perm("trading.change_reconciliationdifference")
        return allowed and self.may_see(request, obj)

    def may_reconcile(self, request) -> bool:
        return request.user.has_perm("trading.add_reconciliationrun")

    @admin.display(description=_("run at"), ordering="run_at")
    def run_time(self, run):
        return times.moment(run.run_at)

    @admin.display(description=_("result"), ordering="status")
    def result(self, run):
        css = "health-ok" if run.status == "match" else "health-warning"
        return format_html('<span class="{}">{}</span>', css, run.get_status_display())

    @figure(pgettext_lazy("differences", "open"), numbers.quantity, ordering="open_count")
    def open_differences(self, run):
        return run.open_count

    @admin.display(description=_("checked (orders, fills, holdings)"))
    def checked(self, run):
        counts = (run.checked_orders, run.checked_fills, run.checked_holdings)
        return ", ".join(numbers.quantity(n) for n in counts)

    @admin.display(description=_("average prices"))
    def average_prices(self, run):
        if not run.conventions:
            return "-"
        said = {k: CONVENTION_WORDS.get(v, v) for k, v in run.conventions.items()}
        return _("ours: %(ours)s; the broker's: %(broker)s") % said

    @admin.display(description=_("fills created from this run"))
    def reconstructed(self, run):
        created = run.reconstructed_fills.order_by("executed_at")
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:trading_trade_change", args=[t.pk]), str(t)) for t in created),
            )
            or "-"
        )

    def get_urls(self):
        return [
            path(
                "reconcile/",
                self.admin_site.admin_view(self.reconcile_view),
                name="trading_reconciliationrun_reconcile",
            ),
            path(
                "<int:run_id>/create-missing/",
                self.admin_site.admin_view(self.create_missing_view),
                name="trading_reconciliationrun_create_missing",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"may_reconcile": self.may_reconcile(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None and self.may_create(request, run):
            extra["create_missing_url"] = reverse(
                "admin:trading_reconciliationrun_create_missing", args=[run.pk]
            )
        return super().change_view(request, object_id, form_url, extra)

    def reconcile_view(self, request):
        if not self.may_reconcile(request):
            raise PermissionDenied
        form = ReconcileForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            reports = form.reports()
            if reports is not None:
                orders_file, orders, balance_file, holdings = reports
                result = reconciliation.compare(
                    account=form.cleaned_data["account"],
                    day=form.cleaned_data["date"],
                    orders=orders,
                    holdings=holdings,
                )
                run = reconciliation.record(
                    result,
                    orders_file=orders_file,
                    balance_file=balance_file,
                    run_by=request.user.get_username(),
                )
                if run.status == ReconciliationStatus.MATCH:
                    said, level = (
                        _("Account %(account)s, %(day)s: everything matches."),
                        messages.SUCCESS,
                    )
                else:
                    said = _("Account %(account)s, %(day)s: %(n)s differences with the broker.")
                    level = messages.WARNING
                day = run.date.isoformat()
                self.message_user(
                    request,
                    said % {"account": run.account.code, "day": day, "n": run.difference_count},
                    level,
                )
                return HttpResponseRedirect(
                    reverse("admin:trading_reconciliationrun_change", args=[run.pk])
                )
        return TemplateResponse(
            request,
            "admin/trading/reconciliationrun/reconcile.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Reconcile with the broker's reports"),
                "form": form,
            },
        )

    def may_create(self, request, run) -> bool:
        return (
            request.user.has_perm("trading.add_trade")
            and self.may_see(request, run)
            and run.differences.filter(
                kind=DifferenceKind.MISSING_IN_BACKOFFICE, status=DifferenceStatus.OPEN
            ).exists()
        )

    def create_missing_view(self, request, run_id):
        run = get_object_or_404(self.get_queryset(request), pk=run_id)
        if not request.user.has_perm("trading.add_trade"):
            raise PermissionDenied
        back = reverse("admin:trading_reconciliationrun_change", args=[run.pk])
        if request.method == "POST":
            created = reconciliation.create_missing(run, user=request.user)
            self.message_user(
                request,
                _(
                    "Created %(n)s fills from the broker's report and rebuilt the positions of "
                    "account %(account)s."
                )
                % {"n": len(created), "account": run.account.code},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(back)
        return TemplateResponse(
            request,
            "admin/trading/reconciliationrun/create_missing.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Create the missing fills"),
                "run": run,
                "fills": reconciliation.missing_fills(run),
                "back": back,
            },
        )
