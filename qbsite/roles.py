"""The staff groups and what each may do. Kept in step by every `migrate` and by
`manage.py setup_roles`; members must also be staff to reach the admin.

- viewer: view everything in the back office, change nothing;
- operator: view; add and change trades, positions and stock metadata (which includes
  importing them and loading data); no deletes of market data;
- admin: every permission.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

APPS = ("marketdata", "trading")
OPERATOR_MODELS = ("trade", "position", "stockmetadata")


def permissions(role):
    ours = Permission.objects.filter(content_type__app_label__in=APPS)
    if role == "viewer":
        return ours.filter(codename__startswith="view_")
    if role == "operator":
        edits = Q()
        for model in OPERATOR_MODELS:
            edits |= Q(codename__in=[f"add_{model}", f"change_{model}"])
        return ours.filter(Q(codename__startswith="view_") | edits)
    return Permission.objects.all()


ROLES = ("viewer", "operator", "admin")


def setup_roles() -> dict[str, int]:
    """Create the groups and set their permissions exactly; returns permissions per group."""
    counts = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = permissions(role)
        group.permissions.set(wanted)
        counts[role] = wanted.count()
    return counts
