"""Which accounts a person may see.

Staff with the permission "Can see the data of every account" (trading.view_all_accounts,
given to the viewer, operator and admin roles) and superusers see every account. Anyone else
sees only the accounts that list them as limited staff (Account.visible_to), and through
them only those accounts' fills, positions, schedules and reconciliations, on every page,
export and endpoint.
"""

from trading.models import Account

ALL_ACCOUNTS = "trading.view_all_accounts"


def sees_all(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(ALL_ACCOUNTS))


def visible_accounts(user):
    """The accounts `user` may see, as a queryset."""
    if sees_all(user):
        return Account.objects.all()
    return Account.objects.filter(visible_to=user)


def restrict(queryset, user, *, field: str = "account"):
    """`queryset` limited to rows of the accounts `user` may see (through `field`).

    The accounts are read first and given as a list, not a subquery: the planner then
    knows how many rows they hold and reads a small account's rows through its index
    instead of walking the whole table newest first."""
    if sees_all(user):
        return queryset
    accounts = list(visible_accounts(user).values_list("pk", flat=True))
    return queryset.filter(**{f"{field}__in": accounts})
