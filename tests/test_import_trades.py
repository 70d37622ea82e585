"""A fill is imported once: the admin's import and `import_trades` recognise stored fills."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketdata.models import StockMetadata
from tests import factories
from trading.models import Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
HEADER = "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"
# Order 0000000001 filled twice with equal values (two genuine partial fills), 0000000002 once.
FILLS = HEADER + (
    "2026-03-03 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001\n"
    "2026-03-03 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001\n"
    "2026-03-03 10:05:00,005930,SELL,5,72500,54,725,momentum,0000000002\n"
)


@pytest.fixture
def stock():
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")


def command(text, *args, name="fills.csv", tmp_path):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_trades", str(path), *args, stdout=out, stderr=out)
    return out.getvalue().strip().replace(f"{path}", name)


def preview(client, text):
    response = client.post(
        reverse("admin:trading_trade_import"),
        {
            "import_file": SimpleUploadedFile("fills.csv", text.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 200
    return response


def totals(response):
    result = response.context["result"]
    return {kind: n for kind, n in result.totals.items() if n}


def confirm(client, response):
    form = response.context["confirm_form"]
    client.post(reverse("admin:trading_trade_process_import"), dict(form.initial), follow=True)


def test_importing_a_file_twice_with_the_command_changes_nothing(stock, tmp_path):
    assert command(FILLS, tmp_path=tmp_path) == "fills.csv: new 3, updated 0, unchanged 0."
    assert command(FILLS, tmp_path=tmp_path) == "fills.csv: new 0, updated 0, unchanged 3."

    assert Trade.objects.count() == 3
    numbers = Trade.objects.filter(broker_order_id="0000000001").values_list("fill_seq", flat=True)
    assert sorted(numbers) == [1, 2]


def test_the_admin_preview_of_a_file_imported_before_says_unchanged(admin_client, stock):
    first = preview(admin_client, FILLS)
    assert totals(first) == {"new": 3}
    confirm(admin_client, first)
    assert Trade.objects.count() == 3

    again = preview(admin_client, FILLS)
    assert totals(again) == {"skip": 3}
    assert [row.import_type for row in again.context["result"].rows] == ["skip"] * 3
    confirm(admin_client, again)
    assert Trade.objects.count() == 3


def test_a_later_file_with_one_more_fill_adds_only_that_fill(stock, tmp_path):
    command(FILLS, tmp_path=tmp_path)
    later = FILLS + "2026-03-03 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001\n"

    assert command(later, tmp_path=tmp_path) == "fills.csv: new 1, updated 0, unchanged 3."
    numbers = Trade.objects.filter(broker_order_id="0000000001").values_list("fill_seq", flat=True)
    assert sorted(numbers) == [1, 2, 3]


def test_an_exported_file_imports_as_unchanged_and_a_corrected_value_updates(
    admin_client, stock, tmp_path
):
    command(FILLS, tmp_path=tmp_path)
    exported = admin_client.post(
        reverse("admin:trading_trade_export"),
        {"format": "0", "resource": "0", **{f"traderesource_{f}": "on" for f in _columns()}},
    ).content.decode()
    assert command(exported, tmp_path=tmp_path) == "fills.csv: new 0, updated 0, unchanged 3."

    # The broker corrected the commission of fill 2 of order 0000000001.
    fixed = HEADER.replace("\n", ",fill_seq\n") + (
        "2026-03-03 10:00:00,005930,BUY,10,72000,110,0,momentum,0000000001,2\n"
    )
    assert command(fixed, tmp_path=tmp_path) == "fills.csv: new 0, updated 1, unchanged 0."
    changed = Trade.objects.get(broker_order_id="0000000001", fill_seq=2)
    assert changed.commission == 110
    assert Trade.objects.get(broker_order_id="0000000001", fill_seq=1).commission == 108


def _columns():
    from trading.admin.resources import COLUMNS

    return COLUMNS


def test_the_broker_s_execution_id_identifies_a_fill(stock, tmp_path):
    text = HEADER.replace("\n", ",execution_id\n") + (
        "2026-03-03 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001,E1\n"
        "2026-03-03 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001,E2\n"
    )
    assert command(text, tmp_path=tmp_path) == "fills.csv: new 2, updated 0, unchanged 0."
    assert command(text, tmp_path=tmp_path) == "fills.csv: new 0, updated 0, unchanged 2."


def test_with_several_accounts_each_row_names_its_account(stock, tmp_path):
    factories.account("SWING")
    with pytest.raises(CommandError) as caught:
        command(FILLS, tmp_path=tmp_path)
    assert "nothing imported" in str(caught.value)
    assert not Trade.objects.exists()

    named = "account," + FILLS.replace("\n2026", "\nSWING,2026")
    assert command(named, tmp_path=tmp_path) == "fills.csv: new 3, updated 0, unchanged 0."
    assert set(Trade.objects.values_list("account__code", flat=True)) == {"SWING"}
    # The same order numbers in another account are other fills.
    other = named.replace("SWING,", "DEFAULT,")
    assert command(other, tmp_path=tmp_path) == "fills.csv: new 3, updated 0, unchanged 0."


def test_a_bad_row_is_named_and_nothing_is_written(stock, tmp_path):
    bad = FILLS + "2026-03-03 10:09:00,005930,BUY,0,72000,0,0,momentum,0000000003\n"
    err = StringIO()
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_trades", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue() == f"{path}:5: Quantity must be positive.\n"
    assert str(caught.value) == f"{path}: nothing imported; 1 of 4 rows have problems."
    assert not Trade.objects.exists()


def test_imported_fills_get_their_expected_charges(stock, tmp_path):
    factories.schedule(rate="0.00015").save()
    command(FILLS, tmp_path=tmp_path)
    sell = Trade.objects.get(side="SELL")
    # 5 x 72,500 = 362,500: commission 54.375 -> 54; 2026 KOSPI: 181 + 543 = 724, charged 725.
    assert (sell.expected_commission, sell.expected_tax) == (Decimal(54), Decimal(724))
    assert not sell.charges_differ
    assert sell.settles_on == dt.date(2026, 3, 5)


def test_finding_stored_fills_costs_the_same_queries_for_30_rows_as_for_3(admin_client, stock):
    factories.account("SWING")
    factories.schedule(rate="0.00015").save()

    def file(count):
        rows = [
            f"{'SWING' if n % 2 else 'DEFAULT'},2026-03-03 10:{n % 60:02d}:00,005930,BUY,10,"
            f"72000,108,0,momentum,{n // 2:010d}\n"
            for n in range(count)
        ]
        return "account," + HEADER + "".join(rows)

    def queries(count):
        text = file(count)
        confirm(admin_client, preview(admin_client, text))  # stored
        with CaptureQueriesContext(connection) as captured:
            again = preview(admin_client, text + file(count + 2).splitlines(True)[-1])
        assert totals(again) == {"skip": count, "new": 1}
        return len(captured)

    few = queries(3)
    Trade.objects.all().delete()
    assert queries(30) == few
