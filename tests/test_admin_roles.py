"""Each role, logged in, gets exactly the pages and actions it should."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

RANGE = "?symbol=005930&interval=1d"
PAGES = {
    # name: (url, viewer, operator, admin)
    "index": (reverse("admin:index"), 200, 200, 200),
    "health": (reverse("admin:health"), 200, 200, 200),
    "trades": (reverse("admin:trading_trade_changelist"), 200, 200, 200),
    "add trade": (reverse("admin:trading_trade_add"), 403, 200, 200),
    "import trades": (reverse("admin:trading_trade_import"), 403, 200, 200),
    "export trades": (reverse("admin:trading_trade_export"), 200, 200, 200),
    "positions": (reverse("admin:trading_position_changelist"), 200, 200, 200),
    "performance": (reverse("admin:trading_strategyperformance_changelist"), 200, 200, 200),
    "risk": (reverse("admin:trading_riskmetric_changelist"), 200, 200, 200),
    "logs": (reverse("admin:trading_systemlog_changelist"), 200, 200, 200),
    "stocks": (reverse("admin:marketdata_stockmetadata_changelist"), 200, 200, 200),
    "add stock": (reverse("admin:marketdata_stockmetadata_add"), 403, 200, 200),
    "bars": (reverse("admin:marketdata_browser") + RANGE, 200, 200, 200),
    "export bars": (reverse("admin:marketdata_export") + RANGE, 200, 200, 200),
    "chart": (reverse("admin:marketdata_chart") + RANGE, 200, 200, 200),
    "chart data": (reverse("admin:marketdata_chart_data") + RANGE, 200, 200, 200),
    "coverage": (reverse("admin:marketdata_coverage"), 200, 200, 200),
    "hypertable": (reverse("admin:marketdata_hypertable"), 200, 200, 200),
    "delete bars": (reverse("admin:marketdata_delete") + RANGE, 403, 403, 200),
    "users": (reverse("admin:auth_user_changelist"), 403, 403, 403),
}


def member(role):
    user = User.objects.create_user(f"{role}-user", password="a-long-pass-phrase", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_the_three_groups_exist_after_migrate():
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "account_viewer",
        "admin",
        "operator",
        "viewer",
    ]


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_gets_its_pages(client, role, page):
    factories.bar().save()
    client.force_login(member(role))
    url, *expected = PAGES[page]

    response = client.get(url)

    assert response.status_code == expected[["viewer", "operator", "admin"].index(role)]


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_log_in(client, page):
    url = PAGES[page][0]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


def test_a_logged_in_user_who_is_not_staff_is_sent_to_log_in(client):
    user = User.objects.create_user("trader", password="a-long-pass-phrase")
    user.groups.add(Group.objects.get(name="admin"))
    client.force_login(user)
    assert client.get(reverse("admin:trading_trade_changelist")).status_code == 302


def test_a_viewer_cannot_run_the_rebuild_action(client):
    position = factories.position()
    position.save()
    client.force_login(member("viewer"))
    response = client.post(
        reverse("admin:trading_position_changelist"),
        {"action": "rebuild_selected", "_selected_action": [position.pk]},
    )
    # The action is not offered to a viewer: the list comes back with no change.
    assert response.status_code in (200, 302, 403)
    position.refresh_from_db()
    assert position.quantity == 10


def test_an_operator_can_edit_a_trade_but_not_delete_it(client):
    trade = factories.trade()
    trade.save()
    client.force_login(member("operator"))
    assert client.get(reverse("admin:trading_trade_change", args=[trade.pk])).status_code == 200
    assert client.get(reverse("admin:trading_trade_delete", args=[trade.pk])).status_code == 403
