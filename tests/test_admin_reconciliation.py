"""Reconciliation in the admin: the upload page, the kept runs, statuses, created fills."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from marketdata import links as market_links
from tests.broker_files import DAY, HOLDINGS, KST, ORDERS, body, changed, make_book, row
from trading import links as trading_links
from trading.models import Position, ReconciliationDifference, ReconciliationRun, Trade

pytestmark = pytest.mark.django_db
RECONCILE = reverse("admin:trading_reconciliationrun_reconcile")


@pytest.fixture
def book():
    return make_book()


def member(role, name=None):
    user = User.objects.create_user(name or f"{role}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def upload(client, account, orders, holdings=None):
    files = {
        "account": account.pk,
        "date": str(DAY),
        "orders": SimpleUploadedFile("orders.json", json.dumps(orders).encode()),
    }
    if holdings is not None:
        files["balance"] = SimpleUploadedFile("balance.json", json.dumps(holdings).encode())
    return client.post(RECONCILE, files)


def test_an_operator_reconciles_two_uploaded_files_and_sees_the_result(client, book):
    client.force_login(member("operator", "ops"))
    response = upload(
        client,
        book,
        changed("0000012345", tot_ccld_qty="12", tot_ccld_amt="864000"),
        body(HOLDINGS),
    )

    run = ReconciliationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:trading_reconciliationrun_change", args=[run.pk])
    assert (run.status, run.run_by, run.orders_file, run.balance_file) == (
        "differences",
        "ops",
        "orders.json",
        "balance.json",
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    # The difference, with links to its fills, its order's fills, the position and the
    # chart of that day.
    assert "0000012345" in text
    difference = run.differences.get()
    for url in (
        trading_links.trades(account_id=book.pk, order_id="0000012345"),
        trading_links.positions(account_id=book.pk, symbol="005930"),
        market_links.chart("005930", at=dt.datetime(2026, 3, 3, 9, 0, tzinfo=KST)),
    ):
        assert escape(url) in text
    assert difference.kind == "quantity"
    assert Trade.objects.count() == 6  # nothing written to the trades


def test_a_bad_upload_says_where_and_keeps_nothing(client, book):
    client.force_login(member("operator"))
    bad = body([ORDERS[0] | {"tot_ccld_qty": "1O"}])
    response = upload(client, book, bad)

    assert response.status_code == 200
    assert (
        "orders.json: $.output1[0].tot_ccld_qty: &#x27;1O&#x27; is not a number"
        in response.content.decode()
    )
    assert not ReconciliationRun.objects.exists()


def test_a_difference_is_marked_explained_with_a_note_and_the_history_says_who(client, book):
    operator = member("operator", "ops")
    client.force_login(operator)
    upload(client, book, changed("0000012345", avg_prvs="72100", tot_ccld_amt="721000"))
    run = ReconciliationRun.objects.get()
    difference = run.differences.get()
    url = reverse("admin:trading_reconciliationrun_change", args=[run.pk])
    prefix = "differences"
    response = client.post(
        url,
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "1",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-id": difference.pk,
            f"{prefix}-0-run": run.pk,
            f"{prefix}-0-status": "explained",
            f"{prefix}-0-note": "The broker's average includes a fee rebate.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    difference.refresh_from_db()
    assert (difference.status, difference.note) == (
        "explained",
        "The broker's average includes a fee rebate.",
    )
    assert difference.history.latest().history_user == operator


def test_a_viewer_reads_runs_but_cannot_reconcile_or_change_a_status(client, book):
    client.force_login(member("operator", "ops"))
    upload(client, book, changed("0000012345", avg_prvs="72100", tot_ccld_amt="721000"))
    run = ReconciliationRun.objects.get()
    difference = run.differences.get()
    client.force_login(member("viewer"))

    assert client.get(reverse("admin:trading_reconciliationrun_changelist")).status_code == 200
    url = reverse("admin:trading_reconciliationrun_change", args=[run.pk])
    assert client.get(url).status_code == 200
    assert client.get(RECONCILE).status_code == 403
    assert upload(client, book, body(ORDERS)).status_code == 403
    client.post(
        url,
        {
            "differences-TOTAL_FORMS": "1",
            "differences-INITIAL_FORMS": "1",
            "differences-0-id": difference.pk,
            "differences-0-status": "fixed",
        },
    )
    difference.refresh_from_db()
    assert difference.status == "open"
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[run.pk])
    assert client.post(create).status_code == 403


def test_the_missing_fills_are_previewed_then_created_from_the_run(client, book):
    client.force_login(member("operator", "ops"))
    orders = body([*ORDERS, row("0000012350", "02", "000660", 2, Decimal(181000), "KRX")])
    upload(client, book, orders)
    run = ReconciliationRun.objects.get()
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[run.pk])
    page = client.get(reverse("admin:trading_reconciliationrun_change", args=[run.pk]))
    assert create in page.content.decode()

    preview = client.get(create)
    assert preview.status_code == 200
    assert [f.broker_order_id for f in preview.context["fills"]] == ["0000012350"]
    assert not Trade.objects.filter(broker_order_id="0000012350").exists()

    assert client.post(create).status_code == 302
    created = Trade.objects.get(broker_order_id="0000012350")
    assert created.reconstructed_by == run
    assert Position.objects.get(account=book, symbol="000660").quantity == 17
    assert ReconciliationDifference.objects.get().status == "fixed"


def test_the_front_page_shows_each_account_s_last_reconciliation(client, book):
    client.force_login(member("operator", "ops"))
    upload(client, book, body(ORDERS))
    upload(client, book, changed("0000012345", tot_ccld_qty="12", tot_ccld_amt="864000"))
    figures = client.get(reverse("admin:index")).context["dashboard"]
    [main] = [a for a in figures["accounts"] if a["account"] == book]
    assert (main["reconciled"].status, main["reconciled"].difference_count) == ("differences", 1)
