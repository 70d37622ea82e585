"""adminkit/history.py: a malformed id on a history page is a 404, not a 500."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

MODELS = ["trading_trade", "trading_position", "marketdata_stockmetadata"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("object_id", ["not-a-uuid", "abc", "1 OR 1=1", "%00", "9" * 40])
def test_a_malformed_id_on_a_history_page_is_not_found(admin_client, model, object_id):
    url = reverse(f"admin:{model}_history", args=[object_id])
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("version", ["abc", "1x", "-1"])
def test_a_malformed_version_is_not_found(admin_client, version):
    trade = factories.trade()
    trade.save()
    url = reverse("admin:trading_trade_simple_history", args=[trade.pk, version])
    assert admin_client.get(url).status_code == 404


def test_a_bad_history_url_is_no_error_for_the_front_page(admin_client, caplog):
    # The front page counts the ERROR records that django.request logs for a 500.
    admin_client.get(reverse("admin:trading_position_history", args=["abc"]))
    assert [r.levelname for r in caplog.records if r.name == "django.request"] == ["WARNING"]


def test_the_history_of_a_real_trade_still_shows(admin_client):
    trade = factories.trade()
    trade.save()
    page = admin_client.get(reverse("admin:trading_trade_history", args=[trade.pk]))
    assert page.status_code == 200
    assert "005930 Buy 10 @ 72,000" in page.text
