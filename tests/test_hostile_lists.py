"""Change lists and actions given values no column can hold: the list with an error, or
400, never a server error; an action on ids that are not ids writes nothing."""

import pytest
from django.urls import reverse

from tests import factories
from trading.models import SystemLog, Trade

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999999"


@pytest.fixture
def rows():
    factories.trade().save()
    factories.log().save()


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("trade", {"quantity__gt": HUGE}),
        ("trade", {"fill_seq": HUGE}),
        ("trade", {"id__gt": HUGE}),
        ("trade", {"executed_at__year": "-1"}),
        ("trade", {"executed_at__year": "0"}),
        ("trade", {"executed_at__year": "10000"}),
        ("trade", {"price__lt": "1e2000000"}),
        ("trade", {"price__lt": "NaN"}),
        ("systemlog", {"id__gt": HUGE}),
        ("systemlog", {"timestamp__year": "-5"}),
        ("systemlog", {"timestamp__month": "13"}),
        ("position", {"quantity__gte": HUGE}),
        ("reconciliationrun", {"difference_count__gt": HUGE}),
        ("account", {"id__in": f"1,{HUGE}"}),
    ],
)
def test_a_filter_value_no_column_can_hold_never_gives_a_server_error(
    admin_client, rows, model, query
):
    admin_client.raise_request_exception = False
    response = admin_client.get(reverse(f"admin:trading_{model}_changelist"), query)
    assert response.status_code in (200, 302, 400), response.status_code


@pytest.mark.parametrize("selected", ["abc", "1e2000000", HUGE, "-1", "\x00", ""])
@pytest.mark.parametrize("model", ["trade", "systemlog", "position", "account"])
def test_an_action_on_ids_that_are_not_ids_writes_nothing(admin_client, rows, model, selected):
    admin_client.raise_request_exception = False
    trades, logs = Trade.objects.count(), SystemLog.objects.count()
    response = admin_client.post(
        reverse(f"admin:trading_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [selected], "post": "yes"},
    )
    assert response.status_code in (200, 302, 400)
    assert (Trade.objects.count(), SystemLog.objects.count()) == (trades, logs)
