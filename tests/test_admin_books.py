"""The books in the admin: the account's page (cash, NAV, curve, returns, last cash
reconciliation), the ledger with its running balance, the cash import with its preview, the
NAV list and its rebuild, the front page's card; and a one-account viewer who sees only
its accounts' money, everywhere."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import books_example as example
from tests import factories
from tests.test_account_access import body
from tests.test_every_admin_url import admin_paths
from trading.books import nav
from trading.models.books import AccountNav, BooksCheck, CashMovement, LedgerEntry, NavChange

pytestmark = pytest.mark.django_db
HIDDEN = ("HIDDENACC", "HIDDEN-CASH-NOTE", "7,777,777")  # what a MAIN-only viewer must not see


@pytest.fixture
def book():
    account = example.book()
    for day, close in ((dt.date(2026, 5, 27), 2_600), (example.THU2, 2_652)):
        example.daily_bar("1001", day, close).save()
    nav.rebuild(accounts=[account], end=example.THU2)
    return account


def member(role, *accounts, name=None):
    user = User.objects.create_user(name or f"{role}-b", password="a-long-pass-phrase")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=role))
    for account in accounts:
        account.visible_to.add(user)
    return user


def test_the_account_page_shows_cash_nav_returns_and_the_last_cash_reconciliation(
    book, admin_client
):
    run = factories.run(account=book, date=example.TUE)
    run.save()
    check = BooksCheck.objects.create(
        run=run, account=book, date=example.TUE, status="differences", difference_count=1
    )

    page = admin_client.get(reverse("admin:trading_account_change", args=[book.pk]))

    assert page.status_code == 200
    books = page.context["books"]
    # Long after the last fill everything has settled: 9,093,108 in all three.
    assert (books["cash"].settled, books["cash"].next_day, books["cash"].after_settlement) == (
        9_093_108,
        9_093_108,
        9_093_108,
    )
    assert (books["latest"].date, books["latest"].nav) == (example.THU2, 12_093_108)
    assert books["change"] == 18_330  # the dividend, net of its tax
    rows = {r["key"]: r for r in books["returns"]}
    assert rows["all"]["twr"] == example.TWR
    assert rows["1d"]["twr"] == example.RETURNS[example.THU2]
    assert rows["mtd"]["twr"] == (
        (1 + example.RETURNS[example.MON])
        * (1 + example.RETURNS[example.TUE])
        * (1 + example.RETURNS[example.THU2])
        - 1
    )
    assert rows["1y"]["twr"] is None  # the account is younger than a year
    assert rows["all"]["benchmark"] == Decimal("0.02")
    assert books["check"] == check
    text = page.text
    assert "12,093,108" in text and "9,093,108" in text
    assert "<svg" in text and "KOSPI" in text
    assert reverse("admin:trading_bookscheck_change", args=[check.pk]) in text
    assert books["stale"] is None


def test_a_stale_nav_is_said_on_the_account_page_with_its_rebuild(book, client):
    example.cash(book, example.TUE, "fee", -1_000)
    client.force_login(member("operator"))
    url = reverse("admin:trading_account_change", args=[book.pk])

    page = client.get(url)
    assert "The NAV is older than what it was made of from 2026-06-02." in page.text
    assert reverse("admin:trading_accountnav_rebuild") in page.text

    done = client.post(
        reverse("admin:trading_accountnav_rebuild"),
        {"account": book.pk, "next": url},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == url
    assert NavChange.objects.count() == 0
    assert AccountNav.objects.get(account=book, date=example.THU2).nav == 12_093_108 - 1_000


def test_a_viewer_sees_the_notice_but_cannot_rebuild(book, client):
    example.cash(book, example.TUE, "fee", -1_000)
    client.force_login(member("viewer"))

    page = client.get(reverse("admin:trading_accountnav_changelist"))
    assert "The NAV of 1 account is older than what it was made of" in page.text
    assert "Someone who may rebuild the NAV should do it." in page.text
    answer = client.post(reverse("admin:trading_accountnav_rebuild"), {"account": book.pk})
    assert answer.status_code == 403
    assert NavChange.objects.count() == 1


def test_the_ledger_is_one_accounts_with_its_running_balance_and_totals(book, admin_client):
    other = factories.account("SWING")
    example.cash(other, example.THU, "deposit", 1_000)
    ledger_url = reverse("admin:trading_ledgerentry_changelist")

    first = admin_client.get(ledger_url)
    # The first account in code order (the default account has none) is chosen for you.
    assert first.status_code == 302
    page = admin_client.get(f"{ledger_url}?account={book.pk}")

    entries = page.context["cl"].result_list
    assert [(e.kind, e.amount, e.balance) for e in entries][:3] == [
        ("dividend_tax", -3_330, 9_093_108),
        ("dividend", 21_660, 9_096_438),
        ("withdrawal", -3_000_000, 9_074_778),
    ]
    assert len(entries) == 10
    totals = dict((label, value) for label, value, _ in page.context["totals"]["figures"])
    assert totals == {
        "in": "17,101,660",
        "out": '<span class="qb-down">-8,008,552</span>',
        "net": '<span class="qb-up">+9,093,108</span>',
    }
    deposits = admin_client.get(f"{ledger_url}?account={book.pk}&kind=deposit")
    assert [e.balance for e in deposits.context["cl"].result_list] == [9_999_250, 10_000_000]


def test_a_withdrawal_typed_as_a_positive_amount_is_stored_as_money_out(book, admin_client):
    answer = admin_client.post(
        reverse("admin:trading_cashmovement_add"),
        {"account": book.pk, "kind": "withdrawal", "trade_date": "2026-06-05",
         "amount": "250000", "note": "to the bank"},
    )  # fmt: skip

    assert answer.status_code == 302
    movement = CashMovement.objects.get(note="to the bank")
    assert (movement.amount, movement.settles_on, movement.source) == (
        -250_000,
        dt.date(2026, 6, 5),
        "person",
    )


def test_a_cash_file_is_previewed_then_imported_once(book, admin_client):
    text = "account,date,kind,amount,note\nMAIN,2026-06-05,interest,120,예탁금이용료\n"

    def preview():
        return admin_client.post(
            reverse("admin:trading_cashmovement_import"),
            {
                "import_file": SimpleUploadedFile("cash.csv", text.encode(), "text/csv"),
                "format": "0",
                "resource": "0",
            },
        )

    first = preview()
    assert {k: n for k, n in first.context["result"].totals.items() if n} == {"new": 1}
    form = first.context["confirm_form"]
    admin_client.post(reverse("admin:trading_cashmovement_process_import"), dict(form.initial))
    assert CashMovement.objects.filter(kind="interest").count() == 1

    again = preview()
    assert {k: n for k, n in again.context["result"].totals.items() if n} == {"skip": 1}


def test_a_bad_cash_file_is_refused_in_the_preview(book, admin_client):
    text = "account,date,kind,amount\nMAIN,2026-06-05,deposit,NaN\n"
    page = admin_client.post(
        reverse("admin:trading_cashmovement_import"),
        {
            "import_file": SimpleUploadedFile("cash.csv", text.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )
    assert "&#x27;NaN&#x27; is not an amount in won" in page.text
    assert CashMovement.objects.filter(kind="deposit", trade_date="2026-06-05").count() == 0


def test_the_front_page_shows_the_books_nav_its_day_and_the_month_against_kospi(book, admin_client):
    card = admin_client.get(reverse("admin:index")).context["dashboard"]["books"]

    assert (card["date"], card["nav"], card["change"]) == (example.THU2, 12_093_108, 18_330)
    assert card["day_return"] == example.RETURNS[example.THU2]
    # June so far, against KOSPI from the close of 2026-05-29 (none: the last before,
    # 2026-05-27, 2,600) to 2,652.
    assert card["mtd"] == (
        (1 + example.RETURNS[example.MON])
        * (1 + example.RETURNS[example.TUE])
        * (1 + example.RETURNS[example.THU2])
        - 1
    )
    assert card["kospi_mtd"] == Decimal("0.02")


@pytest.fixture
def desk(book):
    """MAIN (the example) and HIDDENACC with money of its own, which a MAIN-only viewer
    must never see."""
    hidden = factories.account("HIDDENACC")
    movement = example.cash(hidden, example.THU, "deposit", 7_777_777, note="HIDDEN-CASH-NOTE")
    nav.rebuild(accounts=[hidden], end=example.THU2)
    run = factories.run(account=hidden, date=example.THU)
    run.save()
    check = BooksCheck.objects.create(run=run, account=hidden, date=example.THU, status="match")
    user = member("account_viewer", book, name="desk-books")
    return user, {
        "account": hidden,
        "reconciliationrun": run,
        "cashmovement": movement,
        "ledgerentry": LedgerEntry.objects.get(movement=movement),
        "accountnav": AccountNav.objects.filter(account=hidden).first(),
        "bookscheck": check,
    }


def test_a_one_account_viewer_sees_no_other_accounts_money_on_any_page(client, desk):
    user, hidden = desk
    client.force_login(user)
    shown = {}
    for path in admin_paths(hidden):
        if path == "/admin/logout/":
            continue
        response = client.get(path, follow=True)
        assert response.status_code in (200, 400, 403, 404, 405), path
        leaks = [h for h in HIDDEN if h in body(response)]
        if leaks:
            shown[path] = leaks
    assert shown == {}


def test_a_one_account_viewer_s_lists_and_totals_hold_only_its_account(client, desk, book):
    user, hidden = desk
    client.force_login(user)

    movements = client.get(reverse("admin:trading_cashmovement_changelist"))
    assert {m.account_id for m in movements.context["cl"].result_list} == {book.pk}
    assert dict((k, v) for k, v, _ in movements.context["totals"]["figures"])["net"] == (
        '<span class="qb-up">+12,018,330</span>'
    )
    ledger = client.get(reverse("admin:trading_ledgerentry_changelist"), follow=True)
    assert {e.account_id for e in ledger.context["cl"].result_list} == {book.pk}
    peek = client.get(
        reverse("admin:trading_ledgerentry_changelist") + f"?account={hidden['account'].pk}"
    )
    assert list(peek.context["cl"].result_list) == []
    navs = client.get(reverse("admin:trading_accountnav_changelist"))
    assert {n.account_id for n in navs.context["cl"].result_list} == {book.pk}
    other_page = client.get(reverse("admin:trading_account_change", args=[hidden["account"].pk]))
    assert other_page.status_code in (302, 404)
    card = client.get(reverse("admin:index")).context["dashboard"]["books"]
    assert card["nav"] == 12_093_108  # MAIN's alone, not MAIN's and HIDDENACC's
    assert (
        client.post(
            reverse("admin:trading_accountnav_rebuild"), {"account": hidden["account"].pk}
        ).status_code
        == 403
    )


def test_a_file_without_the_cash_columns_is_refused_in_the_preview(book, admin_client):
    page = admin_client.post(
        reverse("admin:trading_cashmovement_import"),
        {
            "import_file": SimpleUploadedFile("cash.csv", b"account,date\nMAIN,2026-06-05\n"),
            "format": "0",
            "resource": "0",
        },
    )
    assert page.status_code == 200
    assert "the file has no column kind, amount; a cash file has the columns" in page.text
    assert "Traceback" not in page.text
