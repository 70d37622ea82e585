"""What the walker over every form (tests/test_every_admin_form.py) found, each pinned:
a form error or a message, never a server error."""

import pytest
from django.urls import reverse

from tests import factories
from trading.models import CommissionSchedule, Trade

pytestmark = pytest.mark.django_db


def errors(response) -> dict:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_trade_saved_at_a_date_out_of_any_calendar_is_a_form_error(admin_client, day):
    trade = factories.trade()
    trade.save()
    saved_at = trade.executed_at
    url = reverse("admin:trading_trade_change", args=[trade.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"executed_at_0": day, "executed_at_1": "09:00:00", "account": trade.account_id}
    response = admin_client.post(url, data)

    assert errors(response)["executed_at"] == ["Enter a date from 1900-01-01 to 2199-12-31."]
    trade.refresh_from_db()
    assert trade.executed_at == saved_at


def test_a_constraint_message_with_a_percent_sign_is_shown_not_a_server_error(admin_client):
    account = factories.account()
    account.save()
    response = admin_client.post(
        reverse("admin:trading_commissionschedule_add"),
        {"account": account.pk, "venue": "KRX", "valid_from": "2024-01-01", "rate": "-1"},
    )
    assert "The rate is a fraction from 0 to below 0.01 (1 %)." in str(errors(response))
    assert not CommissionSchedule.objects.exists()


@pytest.mark.parametrize("position", ["999999999999999999999", "abc", "1:"])
def test_rebuilding_a_position_that_is_no_position_rebuilds_nothing(admin_client, position):
    factories.trade().save()
    response = admin_client.post(reverse("admin:trading_position_rebuild"), {"position": position})
    assert response.status_code == 302
    assert Trade.objects.count() == 1
