"""Which accounts a person may see: the one account scope.

Staff with the permission "Can see the data of every account" (trading.view_all_accounts,
given to the viewer, operator and admin roles) and superusers see every account. Anyone else
sees only the accounts that list them as limited staff (Account.visible_to), and through
them only those accounts' rows (fills, positions, schedules, reconciliations, and any model
added later with a foreign key to Account), on every page, export and endpoint.

Every query of account-owned rows goes through `scope()`: the admin's lists, pages,
history, versions, imports and their lookups, exports, actions, filters' choices,
autocomplete (trading/admin/access.py), the chart data, the front page and the health
checks (qbsite/). A row of a hidden account is answered as a missing one (404).
"""

from django.core.exceptions import FieldDoesNotExist

from trading.models import Account

ALL_ACCOUNTS = "trading.view_all_accounts"


def sees_all(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(ALL_ACCOUNTS))


def visible_accounts(user):
    """The accounts `user` may see, as a queryset."""
    if sees_all(user):
        return Account.objects.all()
    return Account.objects.filter(visible_to=user)


def visible_ids(user) -> set[int] | None:
    """The ids of the accounts `user` may see; None for every account."""
    if sees_all(user):
        return None
    return set(visible_accounts(user).values_list("pk", flat=True))


def account_field(model) -> str | None:
    """The lookup from a row of `model` to its account: "pk" for the accounts themselves,
    the foreign key to Account, or one through a foreign key to a model that has one (a
    difference's run); None for rows of no account."""
    if issubclass(model, Account):
        return "pk"
    fields = [f for f in model._meta.get_fields() if f.many_to_one and f.concrete]
    for field in fields:
        if field.related_model is Account:
            return field.name
    for field in fields:
        related = field.related_model
        if related is None or related is model:
            continue
        for inner in related._meta.get_fields():
            if inner.many_to_one and inner.concrete and inner.related_model is Account:
                return f"{field.name}__{inner.name}"
    return None


def scope(queryset, user, *, field: str | None = None):
    """`queryset` limited to rows of the accounts `user` may see (through `field`, by
    default the model's own way to its account). Rows of no account (every account
    together) are for those who see every account.

    The accounts are read first and given as a list, not a subquery: the planner then
    knows how many rows they hold and reads a small account's rows through its index
    instead of walking the whole table newest first."""
    if sees_all(user):
        return queryset
    field = field or account_field(queryset.model)
    if field is None:
        raise FieldDoesNotExist(f"{queryset.model._meta.label} has no account")
    return queryset.filter(**{f"{field}__in": sorted(visible_ids(user))})


restrict = scope  # the earlier name


def account_of(obj) -> int | None:
    """The id of the account a row belongs to, read from the row itself."""
    field = account_field(type(obj))
    if field == "pk":
        return obj.pk
    if field is None:
        return None
    first, _, rest = field.partition("__")
    if not rest:
        return getattr(obj, f"{first}_id", None)
    related = getattr(obj, first, None)
    return getattr(related, f"{rest}_id", None) if related is not None else None


def may_see(user, obj) -> bool:
    """Whether `user` may see the row `obj` (a row of no account: only if it sees all)."""
    if sees_all(user):
        return True
    account = account_of(obj)
    return account is not None and account in visible_ids(user)


def scope_key(user) -> str:
    """A short name of what `user` sees, for caches of figures over its accounts."""
    ids = visible_ids(user)
    accounts = "all" if ids is None else ",".join(map(str, sorted(ids))) or "none"
    logs = "logs" if user.has_perm("trading.view_systemlog") else "nologs"
    return f"{accounts}:{logs}"
