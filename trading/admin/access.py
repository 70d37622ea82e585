"""The admin's side of who sees which account (trading/access.py): a mixin for the pages
of rows that belong to an account, and the account filter."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from trading import access


class AccountScoped:
    """Rows of the accounts the person may see, and nothing else: lists, forms, history,
    exports, autocomplete and actions all start from get_queryset()."""

    account_field = "account"  # "pk" for the accounts themselves

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return access.restrict(queryset, request.user, field=self.account_field)

    def may_see(self, request, obj) -> bool:
        if obj is None or access.sees_all(request.user):
            return True
        account_id = obj.pk if self.account_field == "pk" else getattr(obj, "account_id", None)
        return access.visible_accounts(request.user).filter(pk=account_id).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.may_see(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_see(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_see(request, obj)

    def has_view_history_or_change_history_permission(self, request, obj=None):
        # simple_history's history and revert pages read the object without get_queryset().
        return super().has_view_history_or_change_history_permission(request, obj) and self.may_see(
            request, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account":
            kwargs["queryset"] = access.visible_accounts(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AccountFilter(admin.SimpleListFilter):
    """The accounts the person may see (a small table: no scan of the rows)."""

    title = _("account")
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [(str(a.pk), a.code) for a in access.visible_accounts(request.user)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(account_id=int(self.value()))
        return queryset
