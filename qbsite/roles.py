"""The staff groups and what each may do. Kept in step by every `migrate` and by
`manage.py setup_roles`; members must also be staff to reach the admin.

- viewer: view everything in the back office, change nothing;
- operator: view; add and change trades, positions, stock metadata, commission schedules
  and cash movements (which includes importing them and loading data), rebuild the NAV,
  reconcile with the broker and mark differences explained or fixed; no deletes of market
  data;
- admin: every permission of the back office and of the login lockouts, but none over
  users, groups and permissions: those decide what everyone else may do, so only
  superusers manage them (qbsite/admin.py enforces it whatever a group holds);
- account_viewer: view the fills, positions, accounts, commission schedules, cash, NAV and
  reconciliations of the
  accounts that list the person (Account.visible_to), stocks and market data; nothing that
  sums over every account (strategy performance, portfolio risk) and no system logs.
  The three roles above see every account (trading.view_all_accounts).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

APPS = ("marketdata", "trading")
OPERATOR_MODELS = (
    "trade",
    "position",
    "stockmetadata",
    "commissionschedule",
    "reconciliationrun",
    "reconciliationdifference",
    "cashmovement",
    "accountnav",
    "booksdifference",
)
ACCOUNT_VIEWER_MODELS = (
    "trade",
    "position",
    "account",
    "commissionschedule",
    "reconciliationrun",
    "reconciliationdifference",
    "stockmetadata",
    "marketdata",
    "cashmovement",
    "ledgerentry",
    "accountnav",
    "bookscheck",
    "booksdifference",
)
# Apps whose permissions no group gets: accounts and their rights, and Django's plumbing.
SUPERUSER_APPS = ("auth", "contenttypes", "sessions")


def permissions(role):
    ours = Permission.objects.filter(content_type__app_label__in=APPS)
    if role == "viewer":
        return ours.filter(codename__startswith="view_")
    if role == "account_viewer":
        return ours.filter(codename__in=[f"view_{model}" for model in ACCOUNT_VIEWER_MODELS])
    if role == "operator":
        edits = Q()
        for model in OPERATOR_MODELS:
            edits |= Q(codename__in=[f"add_{model}", f"change_{model}"])
        edits |= Q(codename="load_bars")  # the admin's load page (marketdata/admin/bar_uploads.py)
        return ours.filter(Q(codename__startswith="view_") | edits)
    return Permission.objects.exclude(content_type__app_label__in=SUPERUSER_APPS)


ROLES = ("viewer", "operator", "admin", "account_viewer")


def setup_roles() -> dict[str, int]:
    """Create the groups and set their permissions exactly; returns permissions per group."""
    counts = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = permissions(role)
        group.permissions.set(wanted)
        counts[role] = wanted.count()
    return counts
