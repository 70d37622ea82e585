"""No admin page without a staff login; staff see the seven tables' pages."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:trading_trade_changelist",
    "admin:trading_position_changelist",
    "admin:trading_strategyperformance_changelist",
    "admin:trading_riskmetric_changelist",
    "admin:trading_systemlog_changelist",
    "admin:marketdata_stockmetadata_changelist",
]


@pytest.mark.parametrize("name", ["admin:index", *CHANGELISTS])
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


def test_a_user_who_is_not_staff_cannot_log_in_to_the_admin(client):
    User.objects.create_user("trader", password="s3cret-pass-word")
    response = client.post(
        reverse("admin:login"), {"username": "trader", "password": "s3cret-pass-word"}
    )
    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account" in response.text
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize("name", CHANGELISTS)
def test_superusers_see_every_list(admin_client, name):
    factories.trade().save()
    factories.log(extra={"order_id": "0000123456"}).save()
    response = admin_client.get(reverse(name))
    assert response.status_code == 200


def test_staff_without_permissions_get_403_on_a_list(client):
    client.force_login(User.objects.create_user("viewer", is_staff=True))
    assert client.get(reverse("admin:trading_trade_changelist")).status_code == 403


def test_system_logs_are_read_only_even_for_superusers(admin_client):
    line = factories.log(extra={"order_id": "0000123456"})
    line.save()
    assert admin_client.get(reverse("admin:trading_systemlog_add")).status_code == 403
    page = admin_client.get(reverse("admin:trading_systemlog_change", args=[line.pk]))
    assert page.status_code == 200
    assert "&quot;order_id&quot;: &quot;0000123456&quot;" in page.text
    assert 'name="message"' not in page.text
