"""Accounts and their commission schedules in the admin."""

import datetime as dt
from functools import partial

from django.contrib import admin, messages
from django.urls import path
from django.utils.translation import gettext_lazy as _

from adminkit.history import HistoryAdmin
from display import numbers
from display.lists import FiguresAdmin, column
from marketdata.sessions import KST
from trading import fills
from trading.admin import tax
from trading.admin.access import AccountFilter, AccountScoped
from trading.admin.books import BooksOnAccountPage
from trading.models import (
    Account,
    CommissionSchedule,
    Trade,
)


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

    def get_urls(self):
        # The year's tax picture of one account (trading/admin/tax.py).
        view = self.admin_site.admin_view(partial(tax.tax_view, self))
        return [
            path("<path:object_id>/tax/", view, name="trading_account_tax"),
            *super().get_urls(),
        ]


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
