"""The books in the admin: the cash ledger of each account (with its running balance and
totals), the cash movements typed or imported (with the import's preview), the NAV per
day with its rebuild, the cash reconciliations, and the books on each account's page.
Every page is scoped to the accounts the person may see (trading/admin_access.py)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from adminkit.history import HistoryAdmin
from adminkit.imports import ImportLimitError, LimitedCSV, LimitedXLSX, SheetAdminMixin
from display import numbers
from display.lists import FiguresAdmin, Total, column, figure
from trading import access
from trading.admin.access import AccountFilter, AccountScoped
from trading.books import account_page, action_cash, cash_files, nav
from trading.books.cash_files import CashMovementResource, signed
from trading.models.books import (
    STORED_KINDS,
    AccountNav,
    BooksCheck,
    BooksDifference,
    CashKind,
    CashMovement,
    CashSource,
    LedgerEntry,
)
from trading.positions import OversellError

IN, OUT = Q(amount__gt=0), Q(amount__lt=0)
TOTALS = [
    Total("money_in", _("in"), Sum("amount", filter=IN), numbers.won),
    Total("money_out", _("out"), Sum("amount", filter=OUT), numbers.signed_won, True),
    Total("net", _("net"), Sum("amount"), numbers.signed_won, True),
]


class CashMovementForm(forms.ModelForm):
    """The amount typed as a person says it, positive; the kind gives the sign (an
    adjustment keeps its own)."""

    class Meta:
        model = CashMovement
        fields = ("account", "kind", "trade_date", "amount", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:  # a viewer's form has no fields to type in
            self.fields["kind"].choices = [(k, CashKind(k).label) for k in STORED_KINDS]
        if "amount" in self.fields:
            self.fields["amount"].help_text = _(
                "Positive: the kind says whether the money comes in or goes out. An "
                "adjustment carries its own sign."
            )
        movement = self.instance
        if movement.pk and movement.kind != CashKind.ADJUSTMENT:
            self.initial["amount"] = abs(movement.amount)

    def clean(self):
        data = super().clean()
        kind, amount = data.get("kind"), data.get("amount")
        if kind and amount is not None:
            try:
                data["amount"] = signed(kind, amount)
            except ValueError as e:
                self.add_error("amount", str(e))
        return data

    def _post_clean(self):
        self.instance.settles_on = self.cleaned_data.get("trade_date")
        if self.instance._state.adding:
            self.instance.source = CashSource.PERSON
        super()._post_clean()


class CashColumns:
    """A cash file without the cash columns is refused on the form, before any row."""

    def create_dataset(self, in_stream):
        dataset = super().create_dataset(in_stream)
        try:
            cash_files.columns(dataset)
        except cash_files.CashFileError as e:
            raise ImportLimitError(str(e)) from e
        return dataset


class CashCSV(CashColumns, LimitedCSV):
    pass


class CashXLSX(CashColumns, LimitedXLSX):
    pass


@admin.register(CashMovement)
class CashMovementAdmin(
    AccountScoped, FiguresAdmin, SheetAdminMixin, ImportExportModelAdmin, HistoryAdmin
):
    resource_classes = [CashMovementResource]
    import_formats = [CashCSV, CashXLSX]
    form = CashMovementForm
    list_display = (
        "trade_date",
        "account",
        "kind",
        column("amount", _("amount (KRW)"), numbers.signed_won, signed=True),
        "source",
        "note",
    )
    list_filter = (AccountFilter, "kind", "source", ("trade_date", admin.DateFieldListFilter))
    list_select_related = ("account",)
    search_fields = ("note",)
    totals = TOTALS
    readonly_fields = ("source", "corporate_action", "settles_on", "created_at")

    def get_fields(self, request, obj=None):
        return ("account", "kind", "trade_date", "amount", "note", *self.readonly_fields)

    # A corporate action's cash is booked from the action and the holdings
    # (trading/books/action_cash.py): correct the action, not its cash.
    def has_change_permission(self, request, obj=None):
        booked = obj is not None and obj.corporate_action_id is not None
        return not booked and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        booked = obj is not None and obj.corporate_action_id is not None
        return not booked and super().has_delete_permission(request, obj)


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return CashKind.choices

    def queryset(self, request, queryset):
        if self.value() in CashKind.values:
            return queryset.filter(kind=self.value())
        return queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(AccountScoped, FiguresAdmin, admin.ModelAdmin):
    """One account's ledger at a time: the running balance is that account's."""

    list_display = (
        "trade_date",
        "account_code",
        "kind_shown",
        "amount_shown",
        "balance_shown",
        "settles_on",
        "source",
        "what",
    )
    list_display_links = None
    list_filter = (AccountFilter, KindFilter, "source", ("trade_date", admin.DateFieldListFilter))
    list_select_related = ("account",)
    totals = TOTALS
    ordering = ("-trade_date", "-moment", "-id")
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if "account" not in request.GET:
            first = access.visible_accounts(request.user).order_by("code").first()
            if first is not None:
                query = request.GET.copy()
                query["account"] = str(first.pk)
                return redirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("account"), ordering="account__code")
    def account_code(self, entry):
        return entry.account.code

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, entry):
        return CashKind(entry.kind).label if entry.kind in CashKind.values else entry.kind

    @figure(_("amount (KRW)"), numbers.signed_won, ordering="amount", signed=True)
    def amount_shown(self, entry):
        return entry.amount

    @figure(_("balance after pending settlements (KRW)"), numbers.won)
    def balance_shown(self, entry):
        return entry.balance

    @admin.display(description=_("from"))
    def what(self, entry):
        if entry.trade_id:
            url = reverse("admin:trading_trade_change", args=[entry.trade_id])
            return format_html('<a href="{}">{}</a>', url, _("fill"))
        if entry.movement_id:
            url = reverse("admin:trading_cashmovement_change", args=[entry.movement_id])
            return format_html('<a href="{}">{}</a>', url, entry.note or _("movement"))
        return "-"


@admin.register(AccountNav)
class AccountNavAdmin(AccountScoped, FiguresAdmin, admin.ModelAdmin):
    list_display = (
        "date",
        "account",
        column("cash_settled", _("settled (KRW)"), numbers.won),
        column("cash", _("cash after settlement (KRW)"), numbers.won),
        column("market_value", _("market value (KRW)"), numbers.won),
        column("nav", _("NAV (KRW)"), numbers.won),
        column("flow", _("in less out (KRW)"), numbers.signed_won, signed=True),
        "marked_stale",
    )
    list_filter = (AccountFilter, ("date", admin.DateFieldListFilter))
    list_select_related = ("account",)
    change_list_template = "admin/trading/books/nav_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # rows are computed; the rebuild needs change_accountnav (below)

    def may_rebuild(self, request) -> bool:
        return request.user.has_perm("trading.change_accountnav")

    @admin.display(description=_("marked at an older close"))
    def marked_stale(self, row):
        return ", ".join(row.stale_symbols) or "-"

    def get_urls(self):
        rebuild = path(
            "rebuild/",
            self.admin_site.admin_view(self.rebuild_view),
            name="trading_accountnav_rebuild",
        )
        return [rebuild, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        found = nav.stale(accounts=access.visible_accounts(request.user))
        extra = {
            "stale": nav.stale_summary(found),
            "stale_accounts": found,
            "can_rebuild": self.may_rebuild(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)

    def rebuild_view(self, request):
        """POST: rebuild the NAV of one account (`account`, an id) from the day it went
        stale, or from its first day."""
        if request.method != "POST":
            return redirect("admin:trading_accountnav_changelist")
        if not self.may_rebuild(request):
            raise PermissionDenied
        raw = request.POST.get("account", "")
        visible = access.visible_accounts(request.user)
        account = visible.filter(pk=int(raw)).first() if raw.isdigit() else None
        if account is None:
            self.message_user(request, _("No such account."), messages.ERROR)
            return redirect("admin:trading_accountnav_changelist")
        try:
            with transaction.atomic():
                # The cash of corporate actions first: a dividend booked now marks its day.
                action_cash.book(accounts=[account])
                marks = nav.stale(accounts=[account.pk])
                start = marks[0].since if marks else None
                counts = nav.rebuild(accounts=[account], start=start, book_cash=False)
        except OversellError as e:
            self.message_user(request, _("NAV not rebuilt: %s") % e, messages.ERROR)
            return redirect("admin:trading_accountnav_changelist")
        self.message_user(
            request,
            _("NAV of %(account)s rebuilt: %(n)s sessions.")
            % {"account": account.code, "n": counts.get(account.pk, 0)},
            messages.SUCCESS,
        )
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("admin:trading_accountnav_changelist")


class BooksDifferenceInline(admin.TabularInline):
    model = BooksDifference
    fields = ("kind", "date", "symbol", "field", "broker_says", "we_have", "status", "note")
    readonly_fields = ("kind", "date", "symbol", "field", "broker_says", "we_have")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("trading.change_booksdifference")

    @admin.display(description=_("broker says"))
    def broker_says(self, difference):
        return numbers.won(difference.broker)

    @admin.display(description=_("we have"))
    def we_have(self, difference):
        return numbers.won(difference.ours)


@admin.register(BooksCheck)
class BooksCheckAdmin(AccountScoped, FiguresAdmin, admin.ModelAdmin):
    list_display = ("checked_at", "account", "date", "status", "difference_count", "run")
    list_filter = (AccountFilter, "status", ("date", admin.DateFieldListFilter))
    list_select_related = ("account", "run")
    inlines = [BooksDifferenceInline]
    fields = (
        ("account", "date", "status"),
        ("checked_at", "run"),
        ("balance_file", "balance_sha256"),
        "profit_files",
        "figures",
        "conventions",
        "difference_count",
    )
    readonly_fields = (
        "account",
        "date",
        "status",
        "checked_at",
        "run",
        "balance_file",
        "balance_sha256",
        "profit_files",
        "figures",
        "conventions",
        "difference_count",
    )

    def has_add_permission(self, request):
        return False  # checks come from `manage.py reconcile --balance/--profit`

    def has_change_permission(self, request, obj=None):
        allowed = request.user.has_perm("trading.change_booksdifference")
        return allowed and self.may_see(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class BooksOnAccountPage:
    """Mixed into the account's admin: its page shows the books above the form."""

    change_form_template = "admin/trading/books/account_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        account = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if account is not None and self.has_view_permission(request, account):
            extra["books"] = account_page.panel(account)
            extra["books"]["can_rebuild"] = request.user.has_perm("trading.change_accountnav")
        return super().change_view(request, object_id, form_url, extra)
