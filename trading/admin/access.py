"""The admin's side of who sees which account (trading/access.py): a mixin for the pages
of rows that belong to an account, and the account filter."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from trading import access


class AccountScoped:
    """Rows of the accounts the person may see, and nothing else: lists, forms, history,
    versions, exports, autocomplete, actions and filters' choices all start from
    get_queryset(). A row of an account the person may not see is answered as a missing
    one: 404 on its page, history, versions and delete page, for everyone alike."""

    account_field = None  # the model's own way to its account (access.account_field)

    def scope_field(self):
        return self.account_field or access.account_field(self.model)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return access.scope(queryset, request.user, field=self.scope_field())

    def limits_rows(self, request) -> bool:
        """Whether the person sees only some rows (filters then read their choices from
        get_queryset(), not from the whole table)."""
        return not access.sees_all(request.user)

    def may_see(self, request, obj) -> bool:
        """`obj` (a row, or a past version of one) is of a visible account, and so is the
        row as it is now: a version of a row since moved to a hidden account is hidden."""
        if obj is None or access.sees_all(request.user):
            return True
        if not access.may_see(request.user, obj):
            return False
        if obj.pk is None:
            return True
        current = self.model._default_manager.filter(pk=obj.pk)
        if not current.exists():
            return True  # deleted: its versions are what is left
        return access.scope(current, request.user, field=self.scope_field()).exists()

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

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django sends a missing id back to the index with a message; a hidden one must
        # look the same as a missing one, and both are simply not found.
        raise Http404(f"no {opts.verbose_name} {object_id!r}")

    def _visible_or_404(self, request, object_id, version_id=None):
        """404 unless the row (as it is now, or its last version if deleted) and the asked
        version belong to accounts the person may see."""
        if access.sees_all(request.user):
            return
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as e:
            raise Http404(f"{object_id!r} is not an id") from e
        versions = getattr(self.model, "history", None)
        shown = []
        row = self.model._default_manager.filter(pk=pk).first()
        if row is not None:
            shown.append(row)
        elif versions is not None:
            shown.append(versions.filter(**{self.model._meta.pk.attname: pk}).first())
        if version_id is not None and versions is not None and str(version_id).isdigit():
            found = versions.filter(**{self.model._meta.pk.attname: pk}, history_id=version_id)
            shown.append(found.first())
        for record in shown:
            obj = getattr(record, "instance", record)  # a version: the row as it was
            if obj is not None and not access.may_see(request.user, obj):
                raise Http404(f"no {self.model._meta.verbose_name} {object_id!r}")

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

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
