"""`import_cash`: a cash file in, once, or nothing of it when a row is bad."""

import datetime as dt
from decimal import Decimal
from io import BytesIO, StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests import factories
from trading.models.books import CashMovement

pytestmark = pytest.mark.django_db
HEADER = "account,date,kind,amount,note\n"
FILE = HEADER + (
    'MAIN,2026-05-28,deposit,"10,000,000",opening\n'
    "MAIN,2026-06-02,withdrawal,3000000,\n"
    "MAIN,2026-06-04,dividend,21660,005930 2025 final\n"
    "MAIN,2026-06-04,dividend_tax,3330,005930 2025 final\n"
    "MAIN,2026-06-05,adjustment,-120,bank transfer fee booked twice\n"
)


@pytest.fixture(autouse=True)
def accounts():
    factories.account("MAIN")
    factories.account("SWING")


def command(text, *args, tmp_path, name="cash.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    out = StringIO()
    try:
        call_command("import_cash", str(path), *args, stdout=out, stderr=out)
    except CommandError as e:
        out.write(f"CommandError: {e}\n")
    return out.getvalue().strip().replace(str(path), name)


def stored():
    return list(
        CashMovement.objects.order_by("trade_date", "id").values_list(
            "account__code", "trade_date", "kind", "amount", "settles_on", "source", "note"
        )
    )


def test_a_file_is_imported_with_each_kinds_sign_and_a_second_time_changes_nothing(tmp_path):
    assert command(FILE, tmp_path=tmp_path) == "cash.csv: new 5, unchanged 0."
    assert command(FILE, tmp_path=tmp_path) == "cash.csv: new 0, unchanged 5."

    may, june, tuesday = dt.date(2026, 5, 28), dt.date(2026, 6, 4), dt.date(2026, 6, 2)
    assert stored() == [
        ("MAIN", may, "deposit", 10_000_000, may, "file", "opening"),
        ("MAIN", tuesday, "withdrawal", -3_000_000, tuesday, "file", ""),
        ("MAIN", june, "dividend", 21_660, june, "file", "005930 2025 final"),
        ("MAIN", june, "dividend_tax", -3_330, june, "file", "005930 2025 final"),
        ("MAIN", dt.date(2026, 6, 5), "adjustment", -120, dt.date(2026, 6, 5), "file",
         "bank transfer fee booked twice"),
    ]  # fmt: skip


def test_two_equal_rows_stay_two_and_a_longer_file_adds_only_its_new_rows(tmp_path):
    twice = HEADER + "MAIN,2026-06-02,deposit,100,\n" * 2
    assert command(twice, tmp_path=tmp_path) == "cash.csv: new 2, unchanged 0."
    thrice = twice + "MAIN,2026-06-02,deposit,100,\n"

    assert command(thrice, tmp_path=tmp_path) == "cash.csv: new 1, unchanged 2."
    assert CashMovement.objects.filter(amount=100).count() == 3


def test_a_workbook_is_read_as_the_csv_is(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["account", "date", "kind", "amount"])
    sheet.append(["SWING", dt.datetime(2026, 3, 3), "deposit", 5_000_000])
    sheet.append(["SWING", "2026-03-04", "interest", 12.5])
    data = BytesIO()
    book.save(data)

    assert command(data.getvalue(), tmp_path=tmp_path, name="cash.xlsx") == (
        "cash.xlsx: new 2, unchanged 0."
    )
    assert [m[3] for m in stored()] == [5_000_000, Decimal("12.50")]


@pytest.mark.parametrize(
    ("row", "said"),
    [
        (
            "MAIN,2026-05-28,bonus,100",
            "kind: 'bonus' is not a kind of movement; the kinds are deposit, withdrawal, "
            "dividend, dividend_tax, fraction, interest, fee, adjustment",
        ),
        (
            "MAIN,2026-05-28,deposit,-100",
            "amount: -100 is negative: amounts are positive, the kind says the direction",
        ),
        (
            "MAIN,9999-12-31,deposit,100",
            "date: 9999-12-31: Enter a date from 1956-03-03 (the KRX opened) to {today}.",
        ),
        (
            "NOPE,2026-05-28,deposit,100",
            "account: no account 'NOPE'; the accounts are DEFAULT, MAIN, SWING",
        ),
        (
            "MAIN,2026-05-28,deposit,NaN",
            "amount: 'NaN' is not an amount in won such as 1,000,000 or 1000000.50",
        ),
        (
            "MAIN,2026-05-28,deposit,Infinity",
            "amount: 'Infinity' is not an amount in won such as 1,000,000 or 1000000.50",
        ),
        (
            "MAIN,2026-05-28,deposit,1e2000000",
            "amount: '1e2000000' is not an amount in won such as 1,000,000 or 1000000.50",
        ),
        (
            "MAIN,2026-05-28,deposit,9999999999999999",
            "amount: 9999999999999999 is more than 1,000,000,000,000,000 won",
        ),
        (
            "MAIN,2026-05-28,deposit," + "9" * 100,
            "amount: 9999999999999999999999999999999999999... is longer than 40 characters",
        ),
        ("MAIN,2026-02-30,deposit,100", "date: '2026-02-30' is not a date"),
        (
            "MAIN,2026-05-28,buy,100",
            "kind: 'buy' is the cash of a fill: it comes from the fills, not from a file",
        ),
        ("MAIN,2026-05-28,deposit,100.123", "amount: '100.123' is not an amount in won such as "
         "1,000,000 or 1000000.50"),
    ],
)  # fmt: skip
def test_a_bad_row_is_named_with_its_line_column_and_value_and_nothing_is_written(
    tmp_path, row, said
):
    from marketdata import dates

    text = HEADER.replace(",note", "") + "MAIN,2026-05-27,deposit,100\n" + row + "\n"

    assert command(text, tmp_path=tmp_path) == (
        f"cash.csv:3: {said.format(today=dates.today())}\n"
        "CommandError: cash.csv: nothing imported; 1 of 2 rows have problems."
    )
    assert CashMovement.objects.count() == 0


def test_a_file_without_the_cash_columns_is_refused_whole(tmp_path):
    said = command("account,date,amount\nMAIN,2026-05-28,100\n", tmp_path=tmp_path)

    assert said == (
        "CommandError: cash.csv: nothing imported: the file has no column kind; a cash file "
        "has the columns account,date,kind,amount[,note]"
    )


def test_a_note_with_a_nul_character_is_refused(tmp_path):
    said = command(HEADER + "MAIN,2026-05-28,deposit,100,a\x00b\n", tmp_path=tmp_path)

    assert said.splitlines()[0] == "cash.csv:2: note: holds a NUL character"
    assert CashMovement.objects.count() == 0


def test_a_dry_run_writes_nothing(tmp_path):
    assert command(FILE, "--dry-run", tmp_path=tmp_path) == (
        "Dry run, nothing written: new 5, unchanged 0."
    )
    assert CashMovement.objects.count() == 0
