"""A run of thousands of differences: its page shows them a page at a time, saves the
statuses of a page, and marks many at once."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests import factories
from trading.admin.differences import PER_PAGE
from trading.models import ReconciliationDifference

pytestmark = pytest.mark.django_db


def member(role):
    user = User.objects.create_user(f"{role}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def run():
    """A run of 405 differences: 400 orders missing here, 5 quantities."""
    run = factories.run(status="differences", difference_count=405)
    run.save()
    told = {"side": "BUY", "quantity": 1, "average_price": 100, "amount": 100, "time": ""}
    ReconciliationDifference.objects.bulk_create(
        [
            ReconciliationDifference(
                run=run,
                kind="missing_in_backoffice" if n < 400 else "quantity",
                broker_order_id=f"{n:010d}",
                symbol="005930",
                broker=told if n < 400 else 2,
                ours=None if n < 400 else 1,
            )
            for n in range(405)
        ]
    )
    return run


def page_url(run, page=None):
    url = reverse("admin:trading_reconciliationrun_change", args=[run.pk])
    return f"{url}?p={page}" if page else url


def shown(response):
    return [
        form.instance.broker_order_id
        for form in response.context["inline_admin_formsets"][0].formset
    ]


def test_the_run_page_shows_its_differences_a_hundred_at_a_time(client, run):
    client.force_login(member("operator"))
    first = client.get(page_url(run))
    last = client.get(page_url(run, 5))

    assert PER_PAGE == 100
    assert shown(first) == [f"{n:010d}" for n in range(100)]
    assert shown(last) == [f"{n:010d}" for n in range(400, 405)]
    assert "Differences 1-100 of 405:" in first.content.decode()
    assert shown(client.get(page_url(run, "abc"))) == shown(first)
    assert shown(client.get(page_url(run, 99999999999999999999))) == shown(last)


def test_the_statuses_of_a_page_are_saved_within_the_fields_django_takes(client, run):
    client.force_login(member("operator"))
    page = client.get(page_url(run, 2))
    formset = page.context["inline_admin_formsets"][0].formset
    data = {
        f"{formset.prefix}-{key}": value
        for key, value in {
            "TOTAL_FORMS": len(formset.forms),
            "INITIAL_FORMS": len(formset.forms),
            "MIN_NUM_FORMS": 0,
            "MAX_NUM_FORMS": 1000,
        }.items()
    }
    for n, form in enumerate(formset.forms):
        data |= {
            f"{formset.prefix}-{n}-id": form.instance.pk,
            f"{formset.prefix}-{n}-run": run.pk,
            f"{formset.prefix}-{n}-status": "explained" if n == 0 else "open",
            f"{formset.prefix}-{n}-note": "",
        }
    assert len(data) < 1000  # Django's DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = client.post(page_url(run, 2), data)

    assert response.status_code == 302
    changed = ReconciliationDifference.objects.exclude(status="open")
    assert list(changed.values_list("broker_order_id", flat=True)) == ["0000000100"]


def test_every_difference_of_a_kind_is_marked_in_one_post(client, run):
    operator = member("operator")
    client.force_login(operator)
    mark = reverse("admin:trading_reconciliationrun_mark", args=[run.pk])
    response = client.post(
        mark,
        {
            "kind": "missing_in_backoffice",
            "current": "open",
            "status": "explained",
            "note": "Orders of the algorithm's test account.",
        },
    )

    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [
        "400 differences marked explained."
    ]
    explained = run.differences.filter(status="explained")
    assert explained.count() == 400
    assert set(explained.values_list("note", flat=True)) == {
        "Orders of the algorithm's test account."
    }
    assert run.differences.filter(kind="quantity", status="open").count() == 5
    assert explained.first().history.latest().history_user == operator


def test_marking_with_a_bad_status_marks_nothing_and_says_why(client, run):
    client.force_login(member("operator"))
    mark = reverse("admin:trading_reconciliationrun_mark", args=[run.pk])
    response = client.post(mark, {"kind": "", "status": "gone", "note": "x\x00"})

    assert response.status_code in (302, 400)
    assert not run.differences.exclude(status="open").exists()


def test_a_viewer_cannot_mark_differences(client, run):
    client.force_login(member("viewer"))
    mark = reverse("admin:trading_reconciliationrun_mark", args=[run.pk])
    response = client.post(mark, {"kind": "", "current": "", "status": "fixed"})

    assert response.status_code == 403
    assert not run.differences.exclude(status="open").exists()
    assert "Mark many differences at once" not in client.get(page_url(run)).content.decode()


def test_the_run_page_costs_the_same_queries_whatever_the_number_of_differences(
    client, run, django_assert_max_num_queries
):
    client.force_login(member("operator"))
    small = factories.run(account=run.account, status="differences", difference_count=1)
    small.save()
    ReconciliationDifference.objects.create(run=small, kind="quantity", broker=2, ours=1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(page_url(small))
    with django_assert_max_num_queries(len(few) + 3):
        client.get(page_url(run))
