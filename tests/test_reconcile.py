"""Reconciliation with KIS's daily reports, on hand-made files in KIS's shapes."""

import copy
import csv
import datetime as dt
import io
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.broker_files import DAY, HOLDINGS, KST, ORDERS, at, body, changed, make_book, row
from trading.models import Position, ReconciliationRun, Trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    return make_book()


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, (dict, list)):
        content = json.dumps(content, ensure_ascii=False)
    path.write_text(content, encoding="utf-8")
    return str(path)


def reconcile(tmp_path, orders=None, balance=None, *args, fmt="json"):
    """(exit code, output) of `manage.py reconcile`."""
    arguments = [
        "--account",
        "MAIN",
        "--date",
        str(DAY),
        "--orders",
        write(tmp_path, "orders.json", body(ORDERS) if orders is None else orders),
        "--format",
        fmt,
    ]
    if balance is not False:
        arguments += [
            "--balance",
            write(tmp_path, "balance.json", body(HOLDINGS) if balance is None else balance),
        ]
    out, err = StringIO(), StringIO()
    try:
        call_command("reconcile", *arguments, *args, stdout=out, stderr=err)
        code = 0
    except CommandError as e:
        code = e.returncode
        err.write(str(e))
    text = out.getvalue()
    return code, (json.loads(text) if fmt == "json" and text else text), err.getvalue()


def kinds(report):
    return sorted((d["kind"], d["broker_order_id"], d["symbol"]) for d in report["differences"])


def test_a_day_that_agrees_matches(book, tmp_path):
    code, report, _ = reconcile(tmp_path)

    assert code == 0
    assert report == {
        "account": "MAIN",
        "date": "2026-03-03",
        "status": "match",
        "differences": [],
        "checked": {"orders": 5, "fills": 5, "holdings": 3},
        "average_price_conventions": {
            "ours": "moving average of the buy prices, fees excluded",
            "broker": "fees excluded (equal to ours)",
        },
    }


@pytest.mark.parametrize("shape", ["body", "output1", "pages", "csv"])
def test_every_shape_of_the_report_reads_the_same(book, tmp_path, shape):
    if shape == "body":
        orders = body(ORDERS)
    elif shape == "output1":
        orders = ORDERS
    elif shape == "pages":
        orders = [body(ORDERS[:2]), body(ORDERS[2:])]
    else:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(ORDERS[0]))
        writer.writeheader()
        writer.writerows(ORDERS)
        orders = text.getvalue()
    code, report, _ = reconcile(tmp_path, orders)
    assert (code, report["status"], report["checked"]["orders"]) == (0, "match", 5)


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        (
            changed("0000012345", sll_buy_dvsn_cd="01"),
            {
                "kind": "side",
                "broker_order_id": "0000012345",
                "symbol": "005930",
                "broker": "SELL",
                "ours": "BUY",
            },
        ),
        (
            changed("0000012345", tot_ccld_qty="12", tot_ccld_amt="864000"),
            {
                "kind": "quantity",
                "broker_order_id": "0000012345",
                "symbol": "005930",
                "broker": 12,
                "ours": 10,
            },
        ),
        (
            changed("0000012345", avg_prvs="72100.0000", tot_ccld_amt="721000"),
            {
                "kind": "price",
                "broker_order_id": "0000012345",
                "symbol": "005930",
                "broker": 72100,
                "ours": 72000,
            },
        ),
        (
            changed("0000012346", excg_id_dvsn_Cd="KRX"),
            {
                "kind": "venue",
                "broker_order_id": "0000012346",
                "symbol": "000660",
                "broker": "KRX",
                "ours": "NXT",
            },
        ),
    ],
)
def test_each_difference_of_an_order_is_named(book, tmp_path, orders, expected):
    code, report, err = reconcile(tmp_path, orders)
    assert code == 1
    assert report["status"] == "differences"
    assert report["differences"] == [expected]
    assert err.endswith(
        f"1 differences with the broker (run {ReconciliationRun.objects.get().pk})."
    )


def test_orders_missing_on_either_side_are_named(book, tmp_path):
    rows = [*ORDERS, row("0000012350", "02", "000660", 2, Decimal(181000), "KRX")]
    factories.trade(
        account=book,
        broker_order_id="0000012351",
        symbol="005930",
        quantity=1,
        executed_at=at(14),
        price=72500,
    ).save()
    factories.trade(
        account=book,
        broker_order_id="0000012349",
        symbol="005930",
        quantity=5,
        executed_at=at(14, 10),
        price=72400,
    ).save()
    factories.trade(
        account=book,
        broker_order_id="0000012348",
        symbol="005930",
        quantity=3,
        executed_at=at(14, 5),
        price=72400,
    ).save()
    code, report, _ = reconcile(tmp_path, body(rows), False)

    assert code == 1
    found = {d["broker_order_id"]: d for d in report["differences"]}
    assert found["0000012350"] == {
        "kind": "missing_in_backoffice",
        "broker_order_id": "0000012350",
        "symbol": "000660",
        "broker": {
            "side": "BUY",
            "quantity": 2,
            "average_price": 181000,
            "amount": 362000,
            "venue": "KRX",
            "time": "09:15:01",
        },
        "ours": None,
    }
    assert found["0000012351"]["kind"] == "missing_at_broker"
    assert found["0000012351"]["broker"] is None
    assert found["0000012351"]["ours"]["quantity"] == 1
    # The broker lists 0000012348 as cancelled and 0000012349 as rejected: our fills of
    # them are missing at the broker.
    assert found["0000012348"]["kind"] == "missing_at_broker"
    assert found["0000012348"]["broker"] == {"status": "cancelled", "quantity": 0}
    assert found["0000012349"]["broker"] == {"status": "rejected", "quantity": 0}
    assert len(found) == 4


def test_holdings_that_differ_are_named(book, tmp_path):
    holdings = copy.deepcopy(HOLDINGS)
    holdings[0]["hldg_qty"] = "11"
    holdings[1]["pchs_avg_pric"] = "177000.0000"
    holdings.append({"pdno": "000270", "hldg_qty": "3", "pchs_avg_pric": "100000"})
    code, report, _ = reconcile(tmp_path, None, body(holdings))

    assert code == 1
    assert kinds(report) == [
        ("position_average_price", None, "000660"),
        ("position_quantity", None, "000270"),
        ("position_quantity", None, "005930"),
    ]
    by_symbol = {d["symbol"]: d for d in report["differences"]}
    assert (by_symbol["005930"]["broker"], by_symbol["005930"]["ours"]) == (11, 10)
    assert (by_symbol["000660"]["broker"], by_symbol["000660"]["ours"]) == (177000, 178000)
    assert (by_symbol["000270"]["broker"], by_symbol["000270"]["ours"]) == (3, 0)


def test_a_holding_that_differs_only_by_the_cost_convention_matches_and_says_so(book, tmp_path):
    # The broker puts the buy commissions in the cost: 005930 (720,000 + 65 + 43) / 10 =
    # 72,010.8; 000660 (3,560,000 + 534) / 20 = 178,026.7.
    holdings = copy.deepcopy(HOLDINGS)
    holdings[0]["pchs_avg_pric"] = "72010.8000"
    holdings[1]["pchs_avg_pric"] = "178026.7000"
    holdings[2]["pchs_avg_pric"] = "45026.7000"
    code, report, _ = reconcile(tmp_path, None, body(holdings))

    assert (code, report["status"]) == (0, "match")
    assert report["average_price_conventions"]["broker"] == "buy commissions included"


# The broker filled 12 of order 0000012345 (at the same average price); we have 10.
TWELVE = changed("0000012345", tot_ccld_qty="12", tot_ccld_amt="864000")


def test_the_text_report_reads_for_a_person(book, tmp_path):
    code, text, _ = reconcile(tmp_path, TWELVE, fmt="text")
    run = ReconciliationRun.objects.get()
    assert code == 1
    assert text.splitlines() == [
        "Account MAIN, 2026-03-03: 1 differences (5 orders, 5 fills, 3 holdings checked).",
        "  quantity: order 0000012345 005930: broker 12, ours 10",
        "Average prices: ours are the moving average of the buy prices, fees excluded; the "
        "broker's (pchs_avg_pric): fees excluded (equal to ours).",
        f"Kept as reconciliation {run.pk}.",
    ]


def test_every_run_is_kept_with_its_files_who_and_what_differed(book, tmp_path):
    reconcile(tmp_path)
    reconcile(tmp_path, TWELVE, False)

    first, second = ReconciliationRun.objects.order_by("run_at")
    assert (first.status, first.difference_count, first.checked_holdings) == ("match", 0, 3)
    assert (second.status, second.difference_count, second.balance_file) == ("differences", 1, "")
    assert len(first.orders_sha256) == 64 and first.orders_sha256 != second.orders_sha256
    assert first.run_by.endswith("(manage.py reconcile)")
    difference = second.differences.get()
    assert (difference.kind, difference.status, difference.broker, difference.ours) == (
        "quantity",
        "open",
        12,
        10,
    )
    assert sorted(difference.trades) == sorted(
        str(t.id) for t in Trade.objects.filter(broker_order_id="0000012345")
    )
    assert Trade.objects.count() == 6  # nothing written to the trades


def test_create_missing_adds_one_fill_per_order_and_rebuilds_positions(book, tmp_path):
    rows = [
        *ORDERS,
        row("0000012350", "02", "000660", 2, Decimal("181025"), "KRX", tot_ccld_amt="362050"),
    ]
    code, _, err = reconcile(tmp_path, body(rows), False, "--create-missing", "--yes")

    assert code == 1  # the run found the difference; it is fixed now
    created = Trade.objects.get(broker_order_id="0000012350")
    run = ReconciliationRun.objects.get()
    assert (created.side, created.quantity, created.price, created.venue) == (
        "BUY",
        2,
        Decimal("181025.00"),
        "KRX",
    )
    assert created.reconstructed_by == run
    assert created.executed_at == dt.datetime(2026, 3, 3, 9, 15, 1, tzinfo=KST)
    assert "Created 1 fills and rebuilt the positions of account MAIN." in err
    difference = run.differences.get()
    assert (difference.status, difference.trades) == ("fixed", [str(created.id)])
    held = Position.objects.get(account=book, symbol="000660")
    assert held.quantity == 20 - 5 + 2


def test_create_missing_without_yes_only_previews(book, tmp_path):
    rows = [*ORDERS, row("0000012350", "02", "000660", 2, Decimal(181000), "KRX")]
    _, text, _ = reconcile(tmp_path, body(rows), False, "--create-missing", fmt="text")
    assert (
        "  order 0000012350 fill 1: BUY 2 000660 @ 181,000.00 on KRX at 2026-03-03 09:15:01" in text
    )
    assert "Nothing created: pass --yes to create them without a question." in text
    assert not Trade.objects.filter(broker_order_id="0000012350").exists()


BAD = [
    ('{"output1": [', "orders.json:1:14: not JSON: Expecting value"),
    (
        json.dumps(body([{k: v for k, v in ORDERS[0].items() if k != "tot_ccld_qty"}])),
        "orders.json: $.output1[0]: no field tot_ccld_qty; KIS's inquire-daily-ccld rows have "
        "odno, sll_buy_dvsn_cd, pdno, tot_ccld_qty, avg_prvs",
    ),
    (
        json.dumps(body([ORDERS[0], ORDERS[1] | {"tot_ccld_qty": "1O"}])),
        "orders.json: $.output1[1].tot_ccld_qty: '1O' is not a number",
    ),
    (
        json.dumps(body([ORDERS[0] | {"avg_prvs": "NaN"}])),
        "orders.json: $.output1[0].avg_prvs: 'NaN' is not a number",
    ),
    (
        json.dumps(body([ORDERS[0] | {"sll_buy_dvsn_cd": "03"}])),
        "orders.json: $.output1[0].sll_buy_dvsn_cd: '03' is neither 01 (sell) nor 02 (buy)",
    ),
    (
        json.dumps(
            [
                body(ORDERS[:1]),
                {"rt_cd": "1", "msg_cd": "EGW00123", "msg1": "기간이 만료된 token 입니다."},
            ]
        ),
        "orders.json: $[1].rt_cd: the broker answered '1' (EGW00123 기간이 만료된 token 입니다.), "
        "not a report",
    ),
    (
        '"hello"',
        "orders.json: $: expected a KIS response body (an object with output1), its "
        "output1 list, or a list of bodies; found a string",
    ),
    (
        "odno,pdno\n0000012345,005930\n",
        "orders.json:1: no field sll_buy_dvsn_cd, "
        "tot_ccld_qty, avg_prvs; KIS's inquire-daily-ccld rows have odno, sll_buy_dvsn_cd, pdno, "
        "tot_ccld_qty, avg_prvs",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD)
def test_a_file_that_cannot_be_used_gives_exit_2_saying_where(book, tmp_path, content, message):
    code, _, err = reconcile(tmp_path, content, False)

    assert code == 2
    assert err == message.replace("orders.json", str(tmp_path / "orders.json"))
    assert not ReconciliationRun.objects.exists()


def test_a_csv_number_that_is_not_a_number_names_the_line(book, tmp_path):
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(ORDERS[0]))
    writer.writeheader()
    writer.writerows([ORDERS[0], ORDERS[1] | {"tot_ccld_qty": "ten"}])
    path = write(tmp_path, "orders.csv", text.getvalue())
    with pytest.raises(CommandError) as caught:
        call_command(
            "reconcile",
            "--account",
            "MAIN",
            "--date",
            str(DAY),
            "--orders",
            path,
            stdout=StringIO(),
        )
    assert caught.value.returncode == 2
    assert str(caught.value) == f"{path}:3: tot_ccld_qty: 'ten' is not a number"
