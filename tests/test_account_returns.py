"""`account_returns`: time- and money-weighted returns from the stored NAV, on the
hand-worked example (tests/books_example.py) and on books made to show one property each."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import pyxirr
from django.core.management import CommandError, call_command

from tests import books_example as example
from tests import factories
from trading import fills
from trading.books import nav

pytestmark = pytest.mark.django_db


def returns(*args):
    out, err = StringIO(), StringIO()
    call_command("account_returns", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def report(*args):
    return json.loads(returns(*args, "--format", "json")[0])


@pytest.fixture
def book():
    account = example.book()
    # KOSPI: 2,600.00 on the session before the first day, 2,652.00 on the last: +2 %.
    for day, close in ((dt.date(2026, 5, 27), 2_600), (example.THU2, 2_652)):
        example.daily_bar("1001", day, close).save()
    nav.rebuild(accounts=[account], end=example.THU2)
    return account


def test_the_twr_is_the_daily_returns_chained_and_each_day_is_as_worked_out(book):
    found = report("--account", "MAIN", "--from", "2026-05-28", "--to", "2026-06-04")

    assert (found["account"], found["from"], found["to"]) == ("MAIN", "2026-05-28", "2026-06-04")
    assert found["days"] == [
        {
            "date": day.isoformat(),
            "cash_settled": float(values[0]),
            "cash": float(values[2]),
            "market_value": float(values[3]),
            "nav": float(values[4]),
            "flow": float(values[5]),
            "return": float(example.RETURNS[day]),
        }
        for day, values in example.EXPECTED.items()
    ]
    assert found["twr"] == float(example.TWR)  # 0.0078412723867...
    assert found["benchmark"] == {
        "symbol": "1001",
        "return": 0.02,
        "excess": float(example.TWR - Decimal("0.02")),
    }


def test_the_mwr_is_the_xirr_of_the_deposits_the_withdrawal_and_the_end_value(book):
    found = report("--account", "MAIN")

    # Paid in 10,000,000 on Thursday and 5,000,000 on Friday, taken out 3,000,000 on
    # Tuesday, worth 12,093,108 on the last Thursday.
    expected = pyxirr.xirr(
        [example.THU, example.FRI, example.TUE, example.THU2],
        [-10_000_000, -5_000_000, 3_000_000, 12_093_108],
    )
    assert found["mwr"] == expected
    assert found["mwr_period"] == (1 + expected) ** (7 / 365) - 1


def test_a_known_xirr_one_year_at_ten_percent():
    account = factories.account("SAVER")
    example.cash(account, dt.date(2023, 1, 2), "deposit", 1_000_000)
    example.cash(account, dt.date(2024, 1, 2), "interest", 100_000)
    nav.rebuild(accounts=[account], end=dt.date(2024, 1, 2))

    found = report("--account", "SAVER")

    # 1,000,000 paid in, 1,100,000 a year (365 days) later: 10 % a year, both ways.
    assert found["twr"] == 0.1
    assert round(found["mwr"], 12) == 0.1
    assert round(found["mwr_period"], 12) == 0.1
    assert found["max_drawdown"] == 0


def flat_then_up(code, deposit_day):
    """1,000,000 in on Mon 06-08, 10 shares bought at 50,000 that day; 500,000 more on
    `deposit_day`; the stock flat until Wednesday, then 55,000 on Thursday."""
    account = factories.account(code)
    monday = dt.date(2026, 6, 8)
    example.cash(account, monday, "deposit", 1_000_000)
    example.cash(account, deposit_day, "deposit", 500_000)
    trade = factories.trade(
        account=account, symbol="000660", quantity=10, price=Decimal(50_000),
        commission=Decimal(0), executed_at=example.at(monday),
    )  # fmt: skip
    fills.assess([trade])
    trade.save()
    return account


def test_the_twr_does_not_depend_on_when_a_deposit_came_while_the_mwr_does():
    closes = {dt.date(2026, 6, d): c for d, c in ((8, 50_000), (9, 50_000), (10, 50_000))}
    closes[dt.date(2026, 6, 11)] = 55_000
    for day, close in closes.items():
        example.daily_bar("000660", day, close).save()
    early = flat_then_up("EARLY", dt.date(2026, 6, 9))
    late = flat_then_up("LATE", dt.date(2026, 6, 10))
    nav.rebuild(accounts=[early, late], end=dt.date(2026, 6, 11))

    one, other = report("--account", "EARLY"), report("--account", "LATE")

    # Both: three days of 0, then 1,550,000 / 1,500,000 - 1 on Thursday.
    assert [d["return"] for d in one["days"]] == [0.0, 0.0, 0.0, 50_000 / 1_500_000]
    assert [d["return"] for d in other["days"]] == [0.0, 0.0, 0.0, 50_000 / 1_500_000]
    assert one["twr"] == other["twr"] == float(Decimal(50_000) / Decimal(1_500_000))
    # The money that came a day earlier waited a day longer for the same gain.
    assert one["mwr"] < other["mwr"]


def test_drawdown_months_costs_and_ratios_of_the_example(book):
    found = report("--account", "MAIN")

    r = example.RETURNS
    # The peak is Monday's close; Tuesday falls by its day's return; not recovered by the
    # last Thursday, two sessions after the peak.
    assert found["drawdown"] == {
        "depth": found["max_drawdown"],
        "peak": "2026-06-01",
        "trough": "2026-06-02",
        "recovered": None,
        "sessions": 2,
    }
    assert round(found["max_drawdown"], 12) == round(float(-r[example.TUE]), 12)
    assert found["monthly"] == [
        {"month": "2026-05", "return": float((1 + r[example.THU]) * (1 + r[example.FRI]) - 1)},
        {
            "month": "2026-06",
            "return": float(
                (1 + r[example.MON]) * (1 + r[example.TUE]) * (1 + r[example.THU2]) - 1
            ),
        },
    ]
    # Traded 5,000,000 + 2,080,000 = 7,080,000; commission 750 + 312, tax 4,160.
    assert found["costs"] == {
        "traded": 7_080_000.0,
        "commission": 1_062.0,
        "tax": 4_160.0,
        "other_fees": 0.0,
        "commission_share": float(Decimal(1_062) / Decimal(7_080_000)),
        "tax_share": float(Decimal(4_160) / Decimal(7_080_000)),
        "cost_share": float(Decimal(5_222) / Decimal(7_080_000)),
    }
    stats = found["statistics"]
    assert stats["best_day"] == {"date": "2026-05-28", "return": 0.009925}
    assert stats["worst_day"] == {"date": "2026-06-02", "return": float(r[example.TUE])}
    assert stats["sessions"] == 5
    assert stats["volatility"] > 0 and stats["sharpe"] > 0 and stats["calmar"] > 0


def test_a_later_period_starts_from_the_nav_of_the_session_before_it(book):
    found = report("--account", "MAIN", "--from", "2026-06-01")

    assert found["start_nav"] == 15_099_250.0
    assert found["twr"] == float(
        (1 + example.RETURNS[example.MON])
        * (1 + example.RETURNS[example.TUE])
        * (1 + example.RETURNS[example.THU2])
        - 1
    )


def test_the_whole_book_adds_the_accounts_up(book):
    other = factories.account("SWING")
    example.cash(other, example.FRI, "deposit", 1_000_000)
    nav.rebuild(accounts=[other], end=example.THU2)

    found = report()

    assert (found["account"], found["accounts"]) == (None, ["DEFAULT", "MAIN", "SWING"])
    assert [d["nav"] for d in found["days"]] == [
        10_099_250.0,
        16_099_250.0,
        16_194_778.0,
        13_074_778.0,
        13_093_108.0,
    ]
    assert found["days"][1]["flow"] == 6_000_000.0


def test_the_text_report_says_the_figures_in_words(book):
    text, warnings = returns("--account", "MAIN")

    lines = text.splitlines()
    assert lines[0] == (
        "MAIN, 2026-05-28 to 2026-06-04 (5 sessions), from a NAV of 0 KRW on 2026-05-27 to "
        "12,093,108 KRW."
    )
    assert lines[1].startswith("  time-weighted return  +0.78%")
    assert lines[3] == "  benchmark 1001  +2.00%, excess -1.22%"
    assert "  2026-05  +0.99%" in lines
    assert warnings == ""


def test_a_stale_nav_is_said_beside_the_figures(book):
    example.cash(book, example.TUE, "fee", -1_000)

    _, warnings = returns("--account", "MAIN")
    found = report("--account", "MAIN")

    assert warnings == (
        "The NAV of MAIN is older than its fills or cash from 2026-06-02: run manage.py "
        "compute_nav --account MAIN --from 2026-06-02.\n"
    )
    assert found["stale"] == [{"account": "MAIN", "since": "2026-06-02"}]


def test_without_a_nav_or_with_one_that_stops_early_it_says_what_to_run(book):
    factories.account("NEW")
    with pytest.raises(CommandError, match=r"no NAV is stored: run manage\.py compute_nav first"):
        returns("--account", "NEW")
    other = factories.account("SWING")
    example.cash(other, example.THU, "deposit", 1_000)
    nav.rebuild(accounts=[other], end=example.MON)
    with pytest.raises(CommandError, match="the NAV stops at 2026-06-01 for some accounts"):
        returns()
    with pytest.raises(CommandError, match="--from 2026-06-04 is after --to 2026-06-01"):
        returns("--from", "2026-06-04", "--to", "2026-06-01")
