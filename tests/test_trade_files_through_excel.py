"""Trade files through Excel: fills exported from the admin, opened and saved in Excel (which
drops the zeros of ids and codes, the seconds of times and writes `707,000`), import back as
the same fills; a row that changes a fill's identity is held back unless asked for."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from marketdata.models import StockMetadata
from tests import factories
from trading.admin.resources import COLUMNS
from trading.models import Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
CSV_FORMAT, XLSX_FORMAT = "0", "1"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNTS = ("price", "commission", "tax")


@pytest.fixture
def fills():
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    StockMetadata.objects.create(symbol="000660", name="SK하이닉스", market="KOSPI")
    first = factories.trade(
        executed_at=dt.datetime(2026, 3, 4, 10, 15, 30, tzinfo=KST),
        broker_order_id="0000012345",
        fill_seq=1,
        execution_id="00000017",
    )
    second = factories.trade(
        symbol="000660",
        side="SELL",
        quantity=3,
        price=Decimal("707000"),
        commission=Decimal("318"),
        tax=Decimal("3817"),
        executed_at=dt.datetime(2026, 3, 4, 10, 16, 45, tzinfo=KST),
        broker_order_id="0000012346",
        fill_seq=1,
    )
    Trade.objects.bulk_create([first, second])
    return first, second


def export(client, fmt):
    response = client.post(
        reverse("admin:trading_trade_export"),
        {"format": fmt, "resource": "0", **{f"traderesource_{c}": "on" for c in COLUMNS}},
    )
    assert response.status_code == 200
    return response.content


def excel_cell(name, value):
    """A cell as Excel leaves it: codes of digits become numbers, times lose their seconds,
    whole amounts are shown (and saved as CSV) with thousands separators."""
    if value in (None, ""):
        return value
    text = str(value)
    if name == "executed_at":
        return text[:16]  # "2026-03-04 10:15", no seconds, no zone
    if text.isdigit():
        return int(text)
    if name in AMOUNTS and Decimal(text) == Decimal(text).to_integral_value():
        return int(Decimal(text))
    return value


def excel_csv(content: bytes, edit=None) -> str:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        saved = {name: excel_cell(name, value) for name, value in row.items()}
        saved["executed_at"] = saved["executed_at"].replace("-", "/")
        for name in AMOUNTS:
            saved[name] = f"{saved[name]:,}"
        if edit:
            edit(saved)
        writer.writerow(saved)
    return out.getvalue()


def excel_xlsx(content: bytes, edit=None) -> bytes:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows))
    book = openpyxl.Workbook()
    book.active.append(header)
    for values in rows:
        saved = {name: excel_cell(name, value) for name, value in zip(header, values, strict=True)}
        # Excel keeps a time it recognised as a date-time cell.
        saved["executed_at"] = dt.datetime.strptime(saved["executed_at"], "%Y-%m-%d %H:%M")
        if edit:
            edit(saved)
        book.active.append([saved[name] for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(client, data, fmt=CSV_FORMAT, **headers):
    name, kind = ("fills.csv", "text/csv") if fmt == CSV_FORMAT else ("fills.xlsx", XLSX_TYPE)
    data = data.encode() if isinstance(data, str) else data
    response = client.post(
        reverse("admin:trading_trade_import"),
        {"import_file": SimpleUploadedFile(name, data, kind), "format": fmt, "resource": "0"},
        **headers,
    )
    assert response.status_code == 200
    return response


def kinds(response):
    return [row.import_type for row in response.context["result"].rows]


def confirm(client, response, **extra):
    form = response.context["confirm_form"]
    return client.post(
        reverse("admin:trading_trade_process_import"), dict(form.initial) | extra, follow=True
    )


def stored(trade):
    return Trade.objects.get(pk=trade.pk)


def identity(trade):
    return (
        trade.broker_order_id,
        trade.fill_seq,
        trade.execution_id,
        trade.symbol,
        trade.side,
        trade.executed_at,
    )


def test_the_exported_workbook_holds_codes_ids_and_times_as_text_cells(admin_client, fills):
    sheet = openpyxl.load_workbook(io.BytesIO(export(admin_client, XLSX_FORMAT))).active
    header = [cell.value for cell in sheet[1]]
    by_order = {
        row[header.index("broker_order_id")].value: row for row in sheet.iter_rows(min_row=2)
    }
    first = {name: by_order["0000012345"][n] for n, name in enumerate(header)}

    for name in ("symbol", "broker_order_id", "fill_seq", "execution_id", "executed_at", "id"):
        assert (name, first[name].data_type, first[name].number_format) == (name, "s", "@")
    assert first["symbol"].value == "005930"
    assert first["execution_id"].value == "00000017"
    assert first["fill_seq"].value == "1"
    assert first["executed_at"].value == "2026-03-04 10:15:30+09:00"
    assert first["quantity"].data_type == "n"


def test_the_exported_csv_writes_times_with_seconds_and_zone(admin_client, fills):
    rows = list(csv.DictReader(io.StringIO(export(admin_client, CSV_FORMAT).decode("utf-8-sig"))))
    shown = sorted((r["broker_order_id"], r["symbol"], r["executed_at"]) for r in rows)
    assert shown == [
        ("0000012345", "005930", "2026-03-04 10:15:30+09:00"),
        ("0000012346", "000660", "2026-03-04 10:16:45+09:00"),
    ]


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT])
def test_an_export_imported_as_it_is_previews_every_fill_as_unchanged(admin_client, fills, fmt):
    page = preview(admin_client, export(admin_client, fmt), fmt)

    assert kinds(page) == ["skip", "skip"]


@pytest.mark.parametrize(
    ("fmt", "saved_by_excel"), [(CSV_FORMAT, excel_csv), (XLSX_FORMAT, excel_xlsx)]
)
def test_a_file_saved_by_excel_previews_every_fill_as_unchanged(
    admin_client, fills, fmt, saved_by_excel
):
    data = saved_by_excel(export(admin_client, fmt))
    if fmt == CSV_FORMAT:
        assert ",12345,1,17\n" in data and "707,000" in data and "2026/03/04 10:15," in data

    page = preview(admin_client, data, fmt)

    assert kinds(page) == ["skip", "skip"]
    assert [row.identity_change for row in page.context["result"].rows] == [None, None]
    assert b"qb-identity-change" not in page.content


@pytest.mark.parametrize(
    ("fmt", "saved_by_excel"), [(CSV_FORMAT, excel_csv), (XLSX_FORMAT, excel_xlsx)]
)
def test_the_same_file_without_the_ids_finds_the_fills_by_order_id_without_zeros(
    admin_client, fills, fmt, saved_by_excel
):
    def no_id(row):
        row["id"] = None

    page = preview(admin_client, saved_by_excel(export(admin_client, fmt), edit=no_id), fmt)

    assert kinds(page) == ["skip", "skip"]


def test_an_edited_price_is_an_ordinary_change(admin_client, fills):
    first, second = fills

    def dearer(row):
        if row["broker_order_id"] == 12346:
            row["price"] = "708,000"

    page = preview(admin_client, excel_csv(export(admin_client, CSV_FORMAT), edit=dearer))
    assert sorted(kinds(page)) == ["skip", "update"]
    assert [row.identity_change for row in page.context["result"].rows] == [None, None]

    confirm(admin_client, page)
    assert stored(second).price == Decimal("708000")
    assert identity(stored(second)) == identity(second)
    assert identity(stored(first)) == identity(first)


def changed_order_id(row):
    if row["broker_order_id"] == 12345:
        row["broker_order_id"] = 99999


def test_an_order_id_that_really_changed_is_an_identity_change_in_red(admin_client, fills):
    page = preview(admin_client, excel_csv(export(admin_client, CSV_FORMAT), edit=changed_order_id))

    rows = page.context["result"].rows
    held = [row.identity_change for row in rows if row.identity_change]
    assert held == [
        "Changes the identity of a stored fill (broker order id 0000012345 → 0000099999): "
        "not applied unless “apply identity changes” is ticked."
    ]
    assert kinds(page) == ["skip", "skip"]
    assert page.context["result"].identity_changes == 1
    assert len(re.findall(rb'<tr class="skip qb-identity-change">', page.content)) == 1
    assert [str(m) for m in page.context["messages"]][-1] == (
        "1 row changes the identity of a stored fill (shown in red); it is skipped unless "
        "“apply identity changes” is ticked below."
    )
    assert [m.level_tag for m in page.context["messages"]] == ["warning", "error"]
    assert b'name="apply_identity_changes"' in page.content


def test_an_identity_change_is_not_applied_by_default(admin_client, fills):
    first, _ = fills
    page = preview(admin_client, excel_csv(export(admin_client, CSV_FORMAT), edit=changed_order_id))

    done = confirm(admin_client, page)

    assert stored(first).broker_order_id == "0000012345"
    assert "1 row that changes a stored fill's identity was skipped." in [
        str(m) for m in done.context["messages"]
    ]


def test_an_identity_change_is_applied_when_asked(admin_client, fills):
    first, second = fills
    page = preview(admin_client, excel_csv(export(admin_client, CSV_FORMAT), edit=changed_order_id))

    confirm(admin_client, page, apply_identity_changes="on")

    assert stored(first).broker_order_id == "0000099999"
    assert identity(stored(second)) == identity(second)


def test_a_time_outside_the_stored_minute_is_an_identity_change(admin_client, fills):
    first, _ = fills

    def later(row):
        if row["broker_order_id"] == 12345:
            row["executed_at"] = "2026/03/04 10:17"

    page = preview(admin_client, excel_csv(export(admin_client, CSV_FORMAT), edit=later))
    held = [row.identity_change for row in page.context["result"].rows if row.identity_change]
    assert held == [
        "Changes the identity of a stored fill (executed at 2026-03-04 10:15:30+09:00 → "
        "2026-03-04 10:17:00+09:00): not applied unless “apply identity changes” is ticked."
    ]
    confirm(admin_client, page)
    assert stored(first).executed_at == first.executed_at


def test_a_new_fill_saved_by_excel_is_read_as_the_loaders_read_it(admin_client, fills):
    text = (
        "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"
        '2026/03/04 10:20,5930,BUY,"1,000","70,500",0,0,momentum,12347\n'
    )
    page = preview(admin_client, text)
    assert kinds(page) == ["new"]
    confirm(admin_client, page)

    new = Trade.objects.get(fill_seq=1, executed_at__minute=20)
    assert (new.symbol, new.quantity, new.price) == ("005930", 1000, Decimal("70500"))
    # The width of the account's order ids that day.
    assert new.broker_order_id == "0000012347"
    assert new.executed_at == dt.datetime(2026, 3, 4, 10, 20, tzinfo=KST)


def test_the_identity_change_reads_in_korean(admin_client, fills):
    data = excel_csv(export(admin_client, CSV_FORMAT), edit=changed_order_id)

    page = preview(admin_client, data, HTTP_ACCEPT_LANGUAGE="ko")

    held = [row.identity_change for row in page.context["result"].rows if row.identity_change]
    assert held == [
        "저장된 체결의 식별 정보를 바꿉니다 (주문번호 0000012345 → 0000099999): "
        "“식별 정보 변경 적용”을 선택하지 않으면 적용되지 않습니다."
    ]
    assert "식별 정보 변경 적용" in page.content.decode()


def test_the_command_skips_identity_changes_unless_asked(admin_client, fills, tmp_path):
    first, _ = fills
    path = tmp_path / "fills.csv"
    path.write_text(excel_csv(export(admin_client, CSV_FORMAT), edit=changed_order_id))

    out = io.StringIO()
    call_command("import_trades", str(path), stdout=out)
    assert out.getvalue().strip() == (
        f"{path}: new 0, updated 0, unchanged 1, identity changes skipped 1 "
        "(--apply-identity-changes writes them)."
    )
    assert stored(first).broker_order_id == "0000012345"

    out = io.StringIO()
    call_command("import_trades", str(path), "--apply-identity-changes", stdout=out)
    assert out.getvalue().strip() == f"{path}: new 0, updated 1, unchanged 1."
    assert stored(first).broker_order_id == "0000099999"
