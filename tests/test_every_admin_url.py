"""Every admin URL, taken from the URL resolver, as anonymous, non-staff and each role."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories
from trading.models import Position, RiskMetric, StrategyPerformance, SystemLog, Trade

pytestmark = pytest.mark.django_db

OPEN = {"/admin/login/", "/admin/logout/"}  # the way in and out need no login


def default_objects():
    objects = {
        "trade": factories.trade(),
        "position": factories.position(),
        "strategyperformance": factories.performance(),
        "riskmetric": factories.risk(),
        "systemlog": factories.log(),
        "stockmetadata": factories.stock(),
        "account": factories.account(),
        "commissionschedule": factories.schedule(),
        "reconciliationrun": factories.run(),
    }
    for obj in objects.values():
        obj.save()
    objects |= books_objects(objects["account"], objects["reconciliationrun"])
    return objects


def books_objects(account, run):
    """A cash movement, its line of the ledger, a NAV and a cash reconciliation."""
    import datetime as dt

    from trading.models.books import AccountNav, BooksCheck, CashMovement, LedgerEntry

    day = dt.date(2026, 3, 3)
    movement = CashMovement.objects.create(
        account=account, kind="deposit", amount=1000, trade_date=day, settles_on=day
    )
    nav = AccountNav.objects.create(
        account=account, date=day, cash_settled=1000, cash_next_day=1000, cash=1000,
        market_value=0, nav=1000,
    )  # fmt: skip
    check = BooksCheck.objects.create(run=run, account=account, date=day, status="match")
    return {
        "cashmovement": movement,
        "ledgerentry": LedgerEntry.objects.get(movement=movement),
        "accountnav": nav,
        "bookscheck": check,
    }


def admin_paths(objects=None):
    """Every admin URL pattern, with its parameters filled from `objects` (model name ->
    saved row; by default one valid row of each model)."""
    objects = objects or default_objects()
    user = User.objects.create_user("someone")
    group = Group.objects.get(name="viewer")

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield route, p

    paths = set()
    for route, _ in walk(get_resolver().url_patterns, "/"):
        if not route.startswith("/admin/"):
            continue
        route = route.replace("^", "").replace("$", "").replace("\\Z", "")
        model = next((m for m in objects if f"/{m}/" in route), None)
        obj = objects.get(model)
        pk = {
            "auth/user": user.pk,
            "auth/group": group.pk,
        }
        owner = next((v for k, v in pk.items() if f"/{k}/" in route), None)
        value = owner if owner is not None else (obj.pk if obj is not None else None)
        route = re.sub(r"<path:object_id>|<object_id>", str(value), route)
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "trading", route)
        route = route.replace("<int:content_type_id>", "1").replace("<path:object_id>", "1")
        route = route.replace("<path:url>", "trading/trade/")
        if "<" in route or "(?P" in route or "None" in route:
            continue  # needs values that only Django builds (password reset tokens, ...)
        paths.add(route)
    return sorted(paths)


def test_the_walk_covers_the_pages_of_every_model():
    paths = admin_paths()
    for model in (Trade, Position, StrategyPerformance, RiskMetric, SystemLog):
        name = model._meta.model_name
        assert f"/admin/trading/{name}/" in paths
    assert "/admin/marketdata/bars/" in paths
    assert len(paths) > 60


def test_anonymous_visitors_get_nothing_but_the_login_page(client):
    for path in admin_paths():
        response = client.get(path)
        if path in OPEN:
            assert response.status_code in (200, 302, 405), path
            continue
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


def test_users_who_are_not_staff_get_nothing_either(client):
    client.force_login(User.objects.create_user("trader"))
    for path in admin_paths():
        if path in OPEN:
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_staff_of_every_role_never_see_a_server_error(client, role):
    user = User.objects.create_user(f"{role}-staff", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    answers = {}
    for path in admin_paths():
        if path == "/admin/logout/":
            continue
        answers[path] = client.get(path).status_code
    assert all(code in (200, 302, 400, 403, 404, 405) for code in answers.values()), answers
    if role == "viewer":
        assert all(answers[p] == 403 for p in answers if p.endswith("/add/")), answers
        assert all(answers[p] == 403 for p in answers if p.endswith("/delete/")), answers
