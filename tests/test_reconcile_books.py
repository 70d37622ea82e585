"""`reconcile --balance` with the broker's cash (inquire-balance output2) and `--profit`
with its realized P&L, fees and taxes, on the hand-worked book of tests/books_example.py.

Tuesday 2026-06-02, as worked out there: settled 6,999,250; next day (Thursday, Wednesday
being closed) 9,074,778; after settlement 9,074,778; 60 shares at 50,000 = 3,000,000;
total 12,074,778. Monday's sell of 40 at 52,000 bought at 50,000 realized 80,000 before
its commission (312) and tax (4,160): 75,528 after them.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests import books_example as example
from trading.models import ReconciliationRun
from trading.models.books import BooksCheck, BooksDifference

pytestmark = pytest.mark.django_db
CASH = {
    "dnca_tot_amt": "6999250",
    "nxdy_excc_amt": "9074778",
    "prvs_rcdl_excc_amt": "9074778",
    "cma_evlu_amt": "0",
    "thdt_buy_amt": "0",
    "thdt_sll_amt": "0",
    "thdt_tlex_amt": "0",
    "scts_evlu_amt": "3000000",
    "tot_evlu_amt": "12074778",
    "nass_amt": "12074778",
}
HOLDING = {"pdno": "005930", "prdt_name": "삼성전자", "hldg_qty": "60", "pchs_avg_pric": "50000"}
DAYS = [
    # Thursday: the buy, 5,000,000, commission 750; Monday: the sell.
    {"trad_dt": "20260528", "buy_amt": "5000000", "sll_amt": "0", "rlzt_pfls": "0",
     "fee": "750", "loan_int": "0", "tl_tax": "0", "pfls_rt": "0.00"},
    {"trad_dt": "20260601", "buy_amt": "0", "sll_amt": "2080000", "rlzt_pfls": "75528",
     "fee": "312", "loan_int": "0", "tl_tax": "4160", "pfls_rt": "3.77"},
]  # fmt: skip


@pytest.fixture
def book():
    return example.book()


def body(rows, output2=None):
    return {
        "ctx_area_fk100": "",
        "ctx_area_nk100": "",
        "output1": rows,
        "output2": [] if output2 is None else output2,
        "rt_cd": "0",
        "msg_cd": "KIOK0000",
        "msg1": "정상처리 되었습니다.",
    }


def write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(
        document if isinstance(document, str) else json.dumps(document), encoding="utf-8"
    )
    return str(path)


def reconcile(tmp_path, *, cash=None, profits=(), day="2026-06-02", fmt="json"):
    arguments = ["--account", "MAIN", "--date", day, "--format", fmt]
    arguments += ["--orders", write(tmp_path, "orders.json", body([]))]
    if cash is not False:
        arguments += [
            "--balance",
            write(tmp_path, "balance.json", body([HOLDING], [CASH if cash is None else cash])),
        ]
    for n, profit in enumerate(profits):
        arguments += ["--profit", write(tmp_path, f"profit{n}.json", profit)]
    out, err = StringIO(), StringIO()
    try:
        call_command("reconcile", *arguments, stdout=out, stderr=err)
        code = 0
    except CommandError as e:
        code = e.returncode
        err.write(str(e))
    text = out.getvalue()
    return code, (json.loads(text) if fmt == "json" and text else text), err.getvalue()


def test_a_balance_that_agrees_to_the_won_matches(book, tmp_path):
    code, report, _ = reconcile(tmp_path, cash=CASH | {"dnca_tot_amt": "6999250.40"})

    assert code == 0
    assert report["status"] == "match"
    books = report["books"]
    assert (books["status"], books["differences"]) == ("match", [])
    assert books["ours"] == {
        "cash_settled": 6_999_250.0,
        "cash_next_day": 9_074_778.0,
        "cash": 9_074_778.0,
        "market_value": 3_000_000.0,
        "nav": 12_074_778.0,
    }
    check = BooksCheck.objects.get()
    assert (check.status, check.difference_count, check.run) == (
        "match",
        0,
        ReconciliationRun.objects.get(),
    )


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ("dnca_tot_amt", "cash"),
        ("nxdy_excc_amt", "cash_next_day"),
        ("prvs_rcdl_excc_amt", "cash_after_settlement"),
        ("tot_evlu_amt", "total_value"),
        ("nass_amt", "total_value"),
    ],
)
def test_each_figure_that_differs_is_a_difference_of_its_kind(book, tmp_path, field, kind):
    told = int(CASH[field]) + 1_000
    code, report, _ = reconcile(tmp_path, cash=CASH | {field: str(told)})

    assert code == 1
    [difference] = report["books"]["differences"]
    assert difference == {
        "kind": kind,
        "field": field,
        "date": "2026-06-02",
        "symbol": None,
        "broker": float(told),
        "ours": float(told - 1_000),
    }
    saved = BooksDifference.objects.get()
    assert (saved.kind, saved.field, saved.broker - saved.ours, saved.status) == (
        kind,
        field,
        1_000,
        "open",
    )


def test_a_profit_report_that_agrees_matches_and_says_the_brokers_cost_convention(book, tmp_path):
    code, report, _ = reconcile(tmp_path, cash=False, profits=[body(DAYS)])

    assert code == 0
    books = report["books"]
    assert (books["status"], books["profit_rows"]) == ("match", 2)
    assert books["cost_conventions"]["broker"] == "after the day's fees and taxes"


def test_a_profit_report_that_differs_by_a_fee_is_one_fees_difference(book, tmp_path):
    # The broker charged 320 on Monday's sell, and its realized P&L says so: 75,520.
    monday = DAYS[1] | {"fee": "320", "rlzt_pfls": "75520"}

    code, report, _ = reconcile(tmp_path, cash=False, profits=[body([DAYS[0], monday])])

    assert code == 1
    assert report["books"]["differences"] == [
        {
            "kind": "fees",
            "field": "fee",
            "date": "2026-06-01",
            "symbol": None,
            "broker": 320.0,
            "ours": 312.0,
        }
    ]


def test_the_per_symbol_report_is_compared_per_symbol_and_a_wrong_pnl_is_named(book, tmp_path):
    symbol_rows = [
        {"trad_dt": "20260601", "pdno": "005930", "prdt_name": "삼성전자", "buy_amt": "0",
         "sll_amt": "2080000", "rlzt_pfls": "80000", "fee": "312", "tl_tax": "4160"},
        {"trad_dt": "20260601", "pdno": "000660", "prdt_name": "SK하이닉스", "buy_amt": "0",
         "sll_amt": "100000", "rlzt_pfls": "-5000", "fee": "15", "tl_tax": "200"},
    ]  # fmt: skip

    code, report, _ = reconcile(tmp_path, cash=False, profits=[body(symbol_rows)])

    assert code == 1
    books = report["books"]
    assert books["cost_conventions"]["broker"] == "before fees and taxes"
    assert [(d["kind"], d["symbol"], d["broker"], d["ours"]) for d in books["differences"]] == [
        ("realized_pnl", "000660", -5_000.0, 0.0),
        ("fees", "000660", 15.0, 0.0),
        ("taxes", "000660", 200.0, 0.0),
    ]


def test_the_text_report_says_the_cash_check_after_the_orders(book, tmp_path):
    code, text, _ = reconcile(tmp_path, cash=CASH | {"dnca_tot_amt": "7000250"}, fmt="text")

    assert code == 1
    lines = text.splitlines()
    check = BooksCheck.objects.get()
    assert lines[-3:] == [
        "Cash and P&L, 2026-06-02: 1 differences (balance output2 checked).",
        "  cash: 2026-06-02: broker dnca_tot_amt 7,000,250, ours 6,999,250",
        f"Kept as cash reconciliation {check.pk}.",
    ]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("NaN", "'NaN' is not an amount in won"),
        ("1e2000000", "'1e2000000' is not an amount in won"),
        ("9" * 60, "is longer than 40 characters"),
    ],
)
def test_a_broker_figure_that_is_no_number_is_refused_and_nothing_is_kept(
    book, tmp_path, value, said
):
    code, _, err = reconcile(tmp_path, cash=CASH | {"dnca_tot_amt": value})

    assert code == 2
    assert "balance.json: $.output2[0].dnca_tot_amt: " in err
    assert said in err
    assert (ReconciliationRun.objects.count(), BooksCheck.objects.count()) == (0, 0)


def test_a_profit_row_with_an_impossible_date_is_refused(book, tmp_path):
    code, _, err = reconcile(
        tmp_path, cash=False, profits=[body([DAYS[0] | {"trad_dt": "99991231"}])]
    )

    assert code == 2
    assert "profit0.json: $.output1[0].trad_dt: 9999-12-31: Enter a date from 1956-03-03" in err
    assert BooksCheck.objects.count() == 0


def test_a_balance_without_cash_figures_checks_the_holdings_only(book, tmp_path):
    code, report, _ = reconcile(tmp_path, cash={})

    assert code == 0
    assert "books" not in report
    assert BooksCheck.objects.count() == 0
