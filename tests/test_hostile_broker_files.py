"""Broker files and runs made to hurt: every one refused with a message, none a server
error, a frozen worker or a write."""

import datetime as dt
import json
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.broker_files import DAY, ORDERS, body, make_book, row
from trading import reconciliation
from trading.models import ReconciliationDifference, ReconciliationRun, Trade
from trading.reconciliation import broker_reports

pytestmark = pytest.mark.django_db
RECONCILE = reverse("admin:trading_reconciliationrun_reconcile")


@pytest.fixture
def book():
    return make_book()


@pytest.fixture
def operator(client):
    user = User.objects.create_user("ops", is_staff=True)
    user.groups.add(Group.objects.get(name="operator"))
    client.force_login(user)
    return user


def upload(client, account, content: bytes, *, day=str(DAY), name="orders.json"):
    return client.post(
        RECONCILE,
        {"account": account.pk, "date": day, "orders": SimpleUploadedFile(name, content)},
    )


def refused(client, book, content: bytes, **kwargs) -> dict:
    """The form's errors for an upload of `content`, after checking nothing was kept."""
    response = upload(client, book, content, **kwargs)
    assert response.status_code == 200
    assert not ReconciliationRun.objects.exists()
    return response.context["form"].errors


def orders_json(**fields) -> bytes:
    return json.dumps(body([ORDERS[0] | fields])).encode()


def test_a_filled_quantity_of_1e2000000_is_refused_at_once(client, book, operator):
    started = time.perf_counter()
    errors = refused(client, book, orders_json(tot_ccld_qty="1e2000000"))
    assert time.perf_counter() - started < 5  # int(Decimal("1e2000000")) runs for minutes
    assert errors["orders"] == [
        "orders.json: $.output1[0].tot_ccld_qty: '1e2000000' has more than 30 digits "
        "before the point"
    ]


def test_a_filled_quantity_of_1e300000_in_a_csv_is_refused_naming_the_line(book):
    content = "odno,sll_buy_dvsn_cd,pdno,tot_ccld_qty,avg_prvs\n1,02,005930,1e300000,1\n"
    with pytest.raises(broker_reports.BrokerFileError) as caught:
        broker_reports.orders(content.encode(), "orders.csv")
    assert str(caught.value) == (
        "orders.csv:2: tot_ccld_qty: '1e300000' has more than 30 digits before the point"
    )


def test_a_json_number_of_1e2000000_is_refused_as_well(book):
    content = json.dumps(body([ORDERS[0]])).replace('"10"', "1e2000000", 1).encode()
    with pytest.raises(broker_reports.BrokerFileError) as caught:
        broker_reports.orders(content, "orders.json")
    assert str(caught.value) == (
        "orders.json: $.output1[0].ord_qty: '1E+2000000' has more than 30 digits before the point"
    )


def test_deeply_nested_json_is_refused(client, book, operator):
    errors = refused(client, book, b"[" * 100_000 + b"]" * 100_000)
    assert errors["orders"] == ["orders.json: the document is nested deeper than 10 levels"]


def test_an_average_price_of_1e30_is_refused(client, book, operator):
    errors = refused(client, book, orders_json(avg_prvs="1e30"))
    assert errors["orders"] == [
        "orders.json: $.output1[0].avg_prvs: '1e30' is more than 9999999999.99"
    ]


def test_an_order_number_longer_than_the_fills_keep_is_refused(client, book, operator):
    errors = refused(client, book, orders_json(odno="1" * 41))
    assert errors["orders"] == [
        f"orders.json: $.output1[0].odno: '{'1' * 40}'… is longer than 40 characters"
    ]


def test_a_nul_in_an_order_number_is_refused(client, book, operator):
    errors = refused(client, book, orders_json(odno="12\x0034"))
    assert errors["orders"] == ["orders.json: $.output1[0].odno: '12\\x0034' holds a NUL character"]


def test_a_trading_day_of_9999_12_31_is_a_form_error(client, book, operator):
    errors = refused(client, book, orders_json(), day="9999-12-31")
    assert errors["date"] == [
        f"Enter a date from 1956-03-03 (the KRX opened) to {dt.date.today().year + 1}-12-31."
    ]


def test_an_order_date_of_9999_12_31_is_refused(client, book, operator):
    errors = refused(client, book, orders_json(ord_dt="99991231"))
    assert errors["orders"][0].startswith(
        "orders.json: $.output1[0].ord_dt: '9999-12-31' is not a date from 1956-03-03 to "
    )


def test_a_report_of_more_than_100000_rows_is_refused(book):
    header = "odno,sll_buy_dvsn_cd,pdno,tot_ccld_qty,avg_prvs\n"
    content = header + "1,02,005930,1,1\n" * 100_001
    with pytest.raises(broker_reports.BrokerFileError) as caught:
        broker_reports.orders(content.encode(), "orders.csv")
    assert str(caught.value) == "orders.csv: 100,001 rows: at most 100,000 are taken"


def last_message(response) -> str:
    return [str(m) for m in response.wsgi_request._messages][-1]


def missing_run(book, **broker) -> ReconciliationRun:
    """A run that found order 0000099999 missing here, as the broker described it."""
    run = factories.run(account=book, status="differences", difference_count=1)
    run.save()
    told = {
        "side": "BUY",
        "quantity": 2,
        "average_price": 181000,
        "amount": 362000,
        "venue": "KRX",
        "time": "09:15:01",
    }
    ReconciliationDifference.objects.create(
        run=run,
        kind="missing_in_backoffice",
        broker_order_id="0000099999",
        symbol="000660",
        broker=told | broker,
    )
    return run


@pytest.mark.parametrize(
    ("broker", "message"),
    [
        (
            {"average_price": 10**15, "amount": 2 * 10**15},
            "order 0000099999: price: '1000000000000000.00' is more than 9999999999.99",
        ),
        (
            {"quantity": 10**20, "amount": 10**20},
            "order 0000099999: quantity: '100000000000000000000' has more than 19 digits "
            "before the point",
        ),
    ],
)
def test_create_missing_refuses_a_price_or_quantity_past_the_fills_columns(
    client, book, operator, broker, message
):
    run = missing_run(book, **broker)
    trades = Trade.objects.count()
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[run.pk])
    for answer in (client.get(create), client.post(create)):
        assert answer.status_code == 302
        said = last_message(answer)
        assert said == f"No fill created: {message}"
    assert Trade.objects.count() == trades
    assert run.differences.get().status == "open"


def test_create_missing_refuses_a_run_of_year_1(client, book, operator):
    run = missing_run(book)
    ReconciliationRun.objects.filter(pk=run.pk).update(date=dt.date(1, 1, 1))
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[run.pk])
    answer = client.post(create)
    assert answer.status_code == 302
    said = last_message(answer)
    assert said.startswith("No fill created: 0001-01-01: Enter a date from 1956-03-03")
    assert not Trade.objects.filter(broker_order_id="0000099999").exists()


def test_create_missing_twice_creates_the_fill_once_and_says_so(client, book, operator):
    run = missing_run(book)
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[run.pk])
    client.post(create)
    second = client.post(create)
    said = last_message(second)
    assert said == "No missing fill is left to create: they were already created."
    assert Trade.objects.filter(broker_order_id="0000099999").count() == 1


@pytest.mark.django_db(transaction=True)
def test_four_create_missing_posts_at_once_create_one_fill_and_no_error():
    book = make_book()
    user = User.objects.create_user("ops", is_staff=True)
    user.groups.add(Group.objects.get(name="operator"))
    run = missing_run(book)
    create = reverse("admin:trading_reconciliationrun_create_missing", args=[run.pk])
    answers, start = [], threading.Barrier(4)

    def post():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        start.wait()
        try:
            answers.append(client.post(create).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302] * 4
    assert Trade.objects.filter(broker_order_id="0000099999").count() == 1


def test_a_run_made_from_a_good_file_still_creates_its_fill(client, book, operator):
    upload(
        client,
        book,
        json.dumps(
            body([*ORDERS, row("0000012350", "02", "000660", 2, Decimal(181000), "KRX")])
        ).encode(),
    )
    run = ReconciliationRun.objects.get()
    assert [t.price for t in reconciliation.create_missing(run)] == [Decimal("181000.00")]
