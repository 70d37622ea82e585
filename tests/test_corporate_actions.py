"""Corporate actions as records: the import (our CSV/XLSX layout and KIS's KSD answers), its
bad input, the database's own checks, and positions marked stale by every change."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketdata.actions import CorporateAction
from tests import factories
from trading import positions

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
HEADER = "symbol,kind,record_date,ex_date,pay_date,ratio,amount,new_symbol,fraction_price\n"


@pytest.fixture
def stocks():
    factories.stock(symbol="086520", name="에코프로", market="KOSDAQ").save()
    factories.stock(symbol="005930").save()


def write(tmp_path, body, name="actions.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_csv_of_a_split_and_a_dividend_is_imported(stocks, tmp_path, capsys):
    path = write(
        tmp_path,
        "086520,split,2024-04-11,2024-04-10,2024-04-29,5,,,\n"
        "005930,cash_dividend,2024-12-31,,2025-04-18,,361,,\n",
    )
    call_command("import_corporate_actions", str(path))

    split, dividend = CorporateAction.objects.order_by("symbol").reverse()
    assert (split.kind, split.ratio, split.share_factor) == ("split", 5, 5)
    assert split.ex_date == dt.date(2024, 4, 10)
    # No ex date given: the exchange day before the record date (T+2); 2024-12-31 was a
    # KRX holiday, but the record date is a calendar day: the 30th is the session before.
    assert dividend.ex_date == dt.date(2024, 12, 30)
    assert dividend.amount == Decimal("361")
    assert "2 created, 0 corrected, 0 unchanged" in capsys.readouterr().out


def test_importing_the_same_file_twice_changes_nothing_and_a_correction_is_kept_in_history(
    stocks, tmp_path
):
    path = write(tmp_path, "086520,split,2024-04-11,2024-04-10,2024-04-29,5,,,\n")
    call_command("import_corporate_actions", str(path))
    call_command("import_corporate_actions", str(path))
    fixed = write(tmp_path, "086520,split,2024-04-11,2024-04-10,2024-04-29,10,,,\n", "fix.csv")
    call_command("import_corporate_actions", str(fixed))

    action = CorporateAction.objects.get()
    assert action.ratio == 10
    assert [h.ratio for h in action.history.order_by("history_date")] == [5, 10]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "086520,spin_off,2024-04-11,2024-04-10,,5,,,",
            "actions.csv, line 3, column kind ('spin_off'): unknown kind",
        ),
        (
            "086520,split,2024-04-11,2024-04-10,,0,,,",
            "actions.csv, line 3, column ratio ('0'): must be above 0",
        ),
        (
            "086520,split,2024-04-11,2024-04-10,,NaN,,,",
            "actions.csv, line 3, column ratio ('NaN'): not a number",
        ),
        (
            "086520,split,2024-04-11,2024-04-01,,5,,,",
            "actions.csv, line 3, column ex_date ('2024-04-01'): the ex date lies on or up to "
            "7 days before the record date 2024-04-11",
        ),
        (
            "123450,split,2024-04-11,2024-04-10,,5,,,",
            "actions.csv, line 3, column symbol ('123450'): no such stock",
        ),
    ],
)
def test_a_bad_row_names_file_line_column_and_value_and_writes_nothing(
    stocks, tmp_path, row, problem
):
    path = write(tmp_path, f"005930,cash_dividend,2024-12-31,2024-12-30,,,361,,\n{row}\n")
    with pytest.raises(CommandError) as raised:
        call_command("import_corporate_actions", str(path))

    assert "Nothing was written: 1 problem(s)." in str(raised.value)
    assert problem in str(raised.value)
    assert CorporateAction.objects.count() == 0


def test_the_database_refuses_a_zero_ratio_and_an_ex_date_far_before_the_record_date(stocks):
    day = dt.date(2024, 4, 11)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorporateAction.objects.create(
            symbol="086520", kind="split", record_date=day, ex_date=day, ratio=0
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CorporateAction.objects.create(
            symbol="086520",
            kind="split",
            record_date=day,
            ex_date=day - dt.timedelta(days=8),
            ratio=5,
        )
    assert CorporateAction.objects.count() == 0


def test_ksd_answers_become_actions(stocks, tmp_path):
    # Field names of KIS's ksdinfo/dividend and ksdinfo/rev-split answers (output1 rows).
    dividend = tmp_path / "dividend.json"
    dividend.write_text(
        json.dumps(
            {
                "output1": [
                    {
                        "record_date": "2024/12/31",
                        "sht_cd": "005930",
                        "divi_kind": "결산",
                        "per_sto_divi_amt": "361",
                        "stk_divi_rate": "0",
                        "divi_pay_dt": "2025/04/18",
                    }
                ]
            }
        )
    )
    split = tmp_path / "rev-split.json"
    split.write_text(
        json.dumps(
            {
                "output1": [
                    {
                        "record_date": "20240411",
                        "sht_cd": "086520",
                        "inter_bf_face_amt": "000000500",
                        "inter_af_face_amt": "000000100",
                        "list_dt": "2024/04/29",
                    }
                ]
            }
        )
    )
    call_command("import_corporate_actions", str(dividend))
    call_command("import_corporate_actions", str(split))

    got = {a.symbol: (a.kind, a.ratio, a.amount, a.pay_date) for a in CorporateAction.objects.all()}
    assert got == {
        "005930": ("cash_dividend", None, Decimal("361"), dt.date(2025, 4, 18)),
        "086520": ("split", Decimal("5"), None, dt.date(2024, 4, 29)),
    }


def test_every_change_of_an_action_marks_the_positions_of_its_stock_stale(stocks):
    account = factories.account("MAIN")
    factories.trade(
        account=account,
        symbol="086520",
        quantity=10,
        price=500000,
        executed_at=dt.datetime(2024, 4, 1, 10, tzinfo=KST),
    ).save()
    positions.rebuild(as_of=timezone.now())
    assert positions.stale() == []

    day = dt.date(2024, 4, 11)
    action = CorporateAction.objects.create(
        symbol="086520", kind="split", record_date=day, ex_date=day - dt.timedelta(days=1), ratio=5
    )
    assert [str(p) for p in positions.stale()] == ["MAIN 086520"]
    positions.rebuild(as_of=timezone.now())
    assert positions.stale() == []

    action.ratio = 10
    action.save()
    assert [str(p) for p in positions.stale()] == ["MAIN 086520"]
    positions.rebuild(as_of=timezone.now())
    action.delete()
    assert [str(p) for p in positions.stale()] == ["MAIN 086520"]
