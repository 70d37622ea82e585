"""The year's tax picture, worked by hand: two sells, a dividend and the taxes charged."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from marketdata.actions import CorporateAction
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def fill(account, symbol, side, quantity, price, day, *, commission, tax=0, special=None):
    trade = factories.trade(
        account=account,
        symbol=symbol,
        side=side,
        quantity=quantity,
        price=Decimal(price),
        commission=Decimal(commission),
        tax=Decimal(tax),
        executed_at=dt.datetime.combine(day, dt.time(10), KST),
    )
    trade.expected_special_tax = special
    trade.save()


@pytest.fixture
def year():
    factories.stock(symbol="005930", market="KOSPI").save()
    factories.stock(symbol="086520", name="에코프로", market="KOSDAQ").save()
    main = factories.account("MAIN")
    fill(main, "005930", "BUY", 100, "50000", dt.date(2025, 1, 6), commission=750)
    fill(main, "005930", "BUY", 100, "60000", dt.date(2025, 2, 3), commission=900)
    # KOSPI 2025: no transaction tax, 0.15 % special tax: 3,500,000 x 0.0015 = 5,250.
    fill(
        main,
        "005930",
        "SELL",
        50,
        "70000",
        dt.date(2025, 3, 4),
        commission=525,
        tax=5250,
        special=Decimal("5250"),
    )
    fill(main, "086520", "BUY", 10, "100000", dt.date(2025, 4, 1), commission=150)
    # KOSDAQ 2025: 0.15 % transaction tax: 900,000 x 0.0015 = 1,350.
    fill(
        main,
        "086520",
        "SELL",
        10,
        "90000",
        dt.date(2025, 5, 2),
        commission=135,
        tax=1350,
        special=Decimal("0"),
    )
    CorporateAction.objects.create(
        symbol="005930",
        kind="cash_dividend",
        record_date=dt.date(2025, 6, 30),
        ex_date=dt.date(2025, 6, 27),
        pay_date=dt.date(2025, 8, 20),
        amount=365,
    )
    # 2025-12-31 is a KRX holiday: the year's last session is the 30th.
    factories.bar(
        symbol="005930", time=dt.datetime(2025, 12, 30, tzinfo=KST), high=81000, close=80000
    ).save()
    return main


def report(*args):
    out = StringIO()
    call_command("tax_report", "--account", "MAIN", "--year", "2025", *args, stdout=out)
    return out.getvalue()


def test_a_year_with_two_sells_a_dividend_and_taxes(year):
    data = json.loads(report("--format", "json"))

    # 005930: average (100 x 50,000 + 100 x 60,000) / 200 = 55,000; 50 sold @ 70,000:
    # proceeds 3,500,000, cost 2,750,000, gain 750,000. 086520: 10 @ 100,000 sold @ 90,000:
    # -100,000.
    assert data["realized"] == [
        {
            "symbol": "005930",
            "quantity_sold": 50,
            "proceeds": "3500000.00",
            "cost": "2750000.00",
            "gain": "750000.00",
            "method": "moving_average",
        },
        {
            "symbol": "086520",
            "quantity_sold": 10,
            "proceeds": "900000.00",
            "cost": "1000000.00",
            "gain": "-100000.00",
            "method": "moving_average",
        },
    ]
    # Dividend: 150 held on the record date x 365 = 54,750; 14 %: 7,665 -> 7,660; 10 % of
    # it: 766 -> 760; 8,420 withheld. Commissions 750 + 900 + 525 + 150 + 135 = 2,460.
    assert data["totals"] == {
        "realized_gain": "650000.00",
        "securities_transaction_tax": "1350.00",
        "special_tax": "5250.00",
        "commissions": "2460.00",
        "dividends_gross": "54750",
        "dividends_withheld": "8420",
    }
    assert data["taxes_by_market"] == {
        "KOSDAQ": {"securities_transaction_tax": "1350.00", "special_tax": "0.00"},
        "KOSPI": {"securities_transaction_tax": "0.00", "special_tax": "5250.00"},
    }
    [held] = data["holdings_at_year_end"]
    assert (held["symbol"], held["quantity"], held["session"], held["value"]) == (
        "005930",
        150,
        "2025-12-30",
        "12000000.00",
    )
    assert held["large_shareholder"]["value_test"] is False
    assert held["large_shareholder"]["value_threshold"] == "5000000000"


def test_fifo_measures_the_sell_from_the_oldest_lot(year):
    data = json.loads(report("--format", "json", "--method", "fifo"))

    # 50 of the lot at 50,000: cost 2,500,000, gain 1,000,000.
    assert data["realized"][0]["cost"] == "2500000.00"
    assert data["realized"][0]["gain"] == "1000000.00"
    assert data["totals"]["realized_gain"] == "900000.00"


def test_the_xlsx_holds_the_realized_gains_and_the_totals(year, tmp_path):
    path = tmp_path / "tax.xlsx"
    report("--format", "xlsx", "--output", str(path))

    book = load_workbook(path)
    assert [list(r) for r in book["realized"].iter_rows(values_only=True)][1] == [
        "005930",
        50,
        3500000,
        2750000,
        750000,
        "moving_average",
    ]
    totals = dict(book["totals"].iter_rows(min_row=2, values_only=True))
    assert totals["dividends_withheld"] == 8420


def test_an_unknown_account_is_named(year):
    with pytest.raises(CommandError, match="--account: No account with the code NOPE"):
        call_command("tax_report", "--account", "NOPE", "--year", "2025")


def test_the_admin_page_shows_the_year_and_downloads_the_xlsx(year, admin_client):
    url = reverse("admin:trading_account_tax", args=[year.pk])

    page = admin_client.get(url + "?year=2025")
    sheet = admin_client.get(url + "?year=2025&format=xlsx")

    assert page.status_code == 200
    assert page.context["report"]["totals"]["dividends_gross"] == Decimal("54750")
    assert "qb-tax-realized" in page.text
    assert sheet["Content-Disposition"] == 'attachment; filename="tax_MAIN_2025.xlsx"'
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_admin_page_hides_accounts_a_limited_user_may_not_see(year, client):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("limited", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_trade"))
    user.user_permissions.add(Permission.objects.get(codename="view_account"))
    client.force_login(user)

    response = client.get(reverse("admin:trading_account_tax", args=[year.pk]) + "?year=2025")

    assert response.status_code == 404
