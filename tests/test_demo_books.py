"""The demo's books: deposits that keep every account's cash above zero, one withdrawal,
the NAV of every session, and a broker balance file per account whose cash agrees (PAIRS)
or differs once (MAIN)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from marketdata.actions import CorporateAction
from trading.actions import dividends
from trading.books import ledger, nav
from trading.models import Account, Trade
from trading.models.books import AccountNav, BooksCheck, CashMovement

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports_dir(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    return tmp_path / ".local" / "demo-broker-reports"


@pytest.fixture
def demo(reports_dir):
    call_command("seed_demo", stdout=StringIO())
    return {a.code: a for a in Account.objects.all()}


def test_each_account_is_funded_once_and_pairs_takes_money_out_once(demo):
    movements = sorted(
        CashMovement.objects.filter(corporate_action=None).values_list(
            "account__code", "kind", "note"
        ),
        key=lambda m: m[:2],
    )
    assert movements == [
        ("MAIN", "deposit", "demo: opening deposit"),
        ("PAIRS", "deposit", "demo: opening deposit"),
        ("PAIRS", "withdrawal", "demo: withdrawal"),
    ]
    for account in demo.values():
        days = list(AccountNav.objects.filter(account=account).values_list("date", flat=True))
        figures = ledger.cash_figures(account_ids=[account.pk], days=days).values()
        assert min(min(f.settled, f.next_day, f.after_settlement) for f in figures) >= 0


def test_the_nav_is_stored_for_every_session_from_the_first_fill(demo):
    for account in demo.values():
        first = Trade.objects.filter(account=account).earliest("executed_at").executed_at
        day = first.astimezone(ledger.sessions.KST).date()
        navs = AccountNav.objects.filter(account=account).order_by("date")
        expected = [s.date for s in ledger.sessions.sessions(day, nav.last_session())]
        assert [n.date for n in navs] == expected
        assert all(n.nav == n.cash + n.market_value for n in navs)

    out = StringIO()
    call_command("account_returns", "--account", "MAIN", "--format", "json", stdout=out)
    found = json.loads(out.getvalue())
    assert found["twr"] is not None and found["mwr"] is not None


def test_pairs_cash_agrees_with_the_broker_and_main_s_differs_once(demo, reports_dir):
    checks = {c.account.code: c for c in BooksCheck.objects.select_related("account", "run")}

    assert (checks["PAIRS"].status, checks["PAIRS"].difference_count) == ("match", 0)
    main = checks["MAIN"]
    assert (main.status, main.difference_count) == ("differences", 1)
    difference = main.differences.get()
    assert (difference.kind, difference.field, difference.broker - difference.ours) == (
        "cash",
        "dnca_tot_amt",
        10_000,
    )
    # The kept balance file carries the output2 it was checked with.
    path = reports_dir / f"MAIN-{main.date}-inquire-balance.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    assert int(body["output2"][0]["dnca_tot_amt"]) == difference.broker
    assert main.run.balance_sha256 == main.balance_sha256


def test_main_is_paid_a_dividend_on_what_it_held_and_the_nav_counts_it(demo):
    [action] = CorporateAction.objects.filter(kind="cash_dividend")
    paid = {
        m.kind: m.amount
        for m in CashMovement.objects.filter(account=demo["MAIN"], corporate_action=action)
        if m.kind == "dividend"
    }
    shares = dividends.shares_on_record(demo["MAIN"], action)
    assert shares > 0
    # The gross on the holding of the record date, and 15.4 % withheld in two cuts.
    assert paid == {"dividend": action.amount * shares}
    withheld = CashMovement.objects.filter(
        account=demo["MAIN"], corporate_action=action, kind="dividend_tax"
    )
    income, local = dividends.withheld(action.amount * shares)
    assert sorted(m.amount for m in withheld) == sorted([-income, -local])
    stored = AccountNav.objects.get(account=demo["MAIN"], date=action.pay_date)
    figures = ledger.cash_figures(account_ids=[demo["MAIN"].pk], days=[action.pay_date])
    assert stored.cash == figures[demo["MAIN"].pk, action.pay_date].after_settlement
    assert not nav.stale()
