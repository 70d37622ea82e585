"""Imports in the admin: bounded, private between preview and confirmation, few queries."""

import datetime as dt
import io
import os
import tempfile
import time
import zipfile

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from adminkit import imports as admin_imports
from marketdata.models import StockMetadata
from tests import factories
from trading.models import Trade

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:trading_trade_import")
CONFIRM = reverse("admin:trading_trade_process_import")
KST = dt.timezone(dt.timedelta(hours=9))
HEADER = "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"


@pytest.fixture(autouse=True)
def private_upload_dir(settings, tmp_path):
    settings.QB_IMPORT_DIR = str(tmp_path / "uploads")


def fills(count, *, first=0):
    lines = [
        f"2024-03-04 10:{n % 60:02d}:00,{1 + n % 300:06d},BUY,10,72000,108,0,momentum,{n:010d}\n"
        for n in range(first, first + count)
    ]
    return HEADER + "".join(lines)


def preview(client, content, name="trades.csv", fmt="0"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        IMPORT,
        {"import_file": SimpleUploadedFile(name, data), "format": fmt, "resource": "0"},
    )


def confirmation(response):
    return dict(response.context["confirm_form"].initial)


def uploads():
    return sorted(p.name for p in admin_imports.upload_dir().iterdir())


def operator(name="ops"):
    user = User.objects.create_user(name, is_staff=True)
    user.groups.add(Group.objects.get(name="operator"))
    return user


def test_a_preview_costs_the_same_queries_for_1000_rows_as_for_10(admin_client):
    def queries(count):
        with CaptureQueriesContext(connection) as captured:
            response = preview(admin_client, fills(count))
        assert response.status_code == 200
        assert "confirm_form" in response.context
        assert response.context["result"].totals["new"] == count
        return len(captured)

    assert queries(1000) == queries(10)
    assert Trade.objects.count() == 0


def test_a_preview_says_what_the_file_holds_and_lists_the_first_rows(admin_client):
    factories.trade(broker_order_id="0000000001").save()
    response = preview(admin_client, fills(250))

    [message] = [str(m) for m in response.context["messages"]]
    assert message == (
        "250 rows: 250 new, 0 changed, 0 unchanged, 0 with errors. The first 100 are listed below."
    )
    assert len(response.context["result"].valid_rows()) == 100


def test_a_row_that_breaks_a_constraint_or_repeats_a_key_is_shown_with_why(admin_client):
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    listing = (
        "symbol,name,name_en,market,sector,industry,market_cap,listed_shares,is_active\n"
        "000660,SK하이닉스,SK hynix,KOSPI,,,,,true\n"
        "000660,SK하이닉스,SK hynix,KOSPI,,,,,true\n"
    )
    response = admin_client.post(
        reverse("admin:marketdata_stockmetadata_import"),
        {
            "import_file": SimpleUploadedFile("stocks.csv", listing.encode()),
            "format": "0",
            "resource": "0",
        },
    )
    [row] = response.context["result"].invalid_rows
    assert row.number == 2
    assert row.error.messages == ["symbol 000660 repeats row 1."]

    bad = preview(admin_client, fills(2) + fills(1, first=2).splitlines()[1].replace(",10,", ",0,"))
    [row] = bad.context["result"].invalid_rows
    assert (row.number, row.error.messages) == (3, ["Quantity must be positive."])
    assert "confirm_form" not in bad.context


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(admin_client, settings):
    settings.QB_IMPORT_MAX_BYTES = 1000
    response = preview(admin_client, fills(40))

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        "The file is 0.0 MB; an import may be at most 0.0 MB."
    ]
    assert uploads() == []


def test_a_file_with_more_rows_than_the_limit_is_refused(admin_client, settings):
    settings.QB_IMPORT_MAX_ROWS = 20
    response = preview(admin_client, fills(21))

    assert response.context["form"].errors["import_file"] == [
        "The file has more than 20 rows; split it into files of at most that many."
    ]
    assert "result" not in response.context


def workbook(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_unread(admin_client, monkeypatch):
    plain = workbook([HEADER.strip().split(",")])
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain)) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for part in source.infolist():
            out.writestr(part, source.read(part))
        out.writestr("xl/media/padding.bin", b"\0" * (60 * 2**20))
    assert len(bomb.getvalue()) < 2**20

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    response = preview(admin_client, bomb.getvalue(), name="trades.xlsx", fmt="1")

    assert response.context["form"].errors["import_file"] == [
        "The workbook unpacks to 60 MB, more than the 50 MB an import may hold; "
        "save the sheet as CSV or split it."
    ]


def test_an_xlsx_is_previewed_and_its_empty_formatted_rows_are_not_data(admin_client):
    rows = [line.split(",") for line in fills(3).splitlines()] + [[None] * 9]
    response = preview(admin_client, workbook(rows), name="trades.xlsx", fmt="1")

    assert response.context["result"].totals["new"] == 3


def test_a_confirmation_imports_the_previewed_upload_with_history(admin_client, admin_user):
    response = preview(admin_client, fills(3))
    assert len(uploads()) == 1

    done = admin_client.post(CONFIRM, confirmation(response), follow=True)

    assert done.status_code == 200
    assert Trade.objects.count() == 3
    assert Trade.history.filter(history_user=admin_user).count() == 3
    assert uploads() == []
    # The admin's log names each imported trade, though the rows were named only now.
    logged = LogEntry.objects.filter(user=admin_user).values_list("object_id", "object_repr")
    assert sorted(logged) == sorted((str(t.pk), str(t)) for t in Trade.objects.all())


def test_the_confirmation_cannot_reach_a_file_of_the_temp_folder(admin_client):
    with tempfile.NamedTemporaryFile("w", suffix=".csv") as victim:
        victim.write(fills(2))
        victim.flush()
        response = admin_client.post(
            CONFIRM,
            {
                "import_file_name": os.path.basename(victim.name),
                "original_file_name": "x.csv",
                "format": "0",
                "resource": "0",
            },
        )
        assert response.status_code == 400
        assert response.text == (
            "Nothing was imported: import_file_name: This is not a preview of yours."
        )
        assert os.path.exists(victim.name)
    assert Trade.objects.count() == 0


def test_the_confirmation_of_another_users_preview_is_refused(client):
    client.force_login(operator("first"))
    theirs = confirmation(preview(client, fills(2)))
    client.force_login(operator("second"))

    response = client.post(CONFIRM, theirs)

    assert response.status_code == 400
    assert Trade.objects.count() == 0
    assert len(uploads()) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("format", "abc"), ("format", "7"), ("format", "-1"), ("resource", "3"), ("resource", "x")],
)
def test_a_confirmation_with_a_bad_format_or_resource_gets_400(admin_client, field, value):
    form = confirmation(preview(admin_client, fills(2)))

    response = admin_client.post(CONFIRM, form | {field: value})

    assert response.status_code == 400
    assert response.text.startswith(f"Nothing was imported: {field}: ")
    assert Trade.objects.count() == 0


def test_an_expired_preview_cannot_be_confirmed_and_is_removed(admin_client, monkeypatch):
    hour_ago = time.time() - admin_imports.UPLOAD_LIFETIME - 1
    monkeypatch.setattr(signing.time, "time", lambda: hour_ago)
    old = confirmation(preview(admin_client, fills(2)))
    monkeypatch.undo()
    [name] = uploads()
    os.utime(admin_imports.upload_dir() / name, (hour_ago, hour_ago))

    refused = admin_client.post(CONFIRM, old)
    assert refused.status_code == 400
    assert "This preview is older than an hour; upload the file again." in refused.text

    preview(admin_client, fills(1))  # any new upload sweeps the stale ones
    assert name not in uploads()
    assert len(uploads()) == 1


def test_a_confirmation_the_database_refuses_writes_nothing_and_says_why(admin_client):
    form = confirmation(preview(admin_client, fills(3)))
    # Between the preview and the confirmation, the table gains a rule the rows break.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trades ADD CONSTRAINT small_fills CHECK (quantity < 5)")

    done = admin_client.post(CONFIRM, form, follow=True)

    assert done.redirect_chain == [(IMPORT, 302)]
    [message] = [str(m) for m in done.context["messages"]]
    assert message.startswith(
        'Nothing was imported: new row for relation "trades" violates check constraint '
        '"small_fills"'
    )
    assert Trade.objects.count() == 0


def test_a_reimported_export_keeps_the_text_the_export_quoted(admin_client):
    trade = factories.trade(
        strategy='=HYPERLINK("http://x")',
        broker_order_id="'=kept",
        executed_at=dt.datetime(2024, 3, 4, 10, 0, 0, tzinfo=KST),
    )
    trade.save()
    exported = admin_client.post(
        reverse("admin:trading_trade_export"),
        {"format": "0", "resource": "0"}
        | {f"traderesource_{f}": "on" for f in ("id", "executed_at", "symbol", "side")}
        | {f"traderesource_{f}": "on" for f in ("quantity", "price", "commission", "tax")}
        | {"traderesource_strategy": "on", "traderesource_broker_order_id": "on"},
    ).content.decode()
    assert "'=HYPERLINK" in exported and "''=kept" in exported

    response = preview(admin_client, exported)

    assert response.context["result"].totals["skip"] == 1  # unchanged
    admin_client.post(CONFIRM, confirmation(response))
    trade.refresh_from_db()
    assert (trade.strategy, trade.broker_order_id) == ('=HYPERLINK("http://x")', "'=kept")


def test_the_preview_names_a_rows_account_by_its_code(admin_client):
    account = factories.account()  # the importer's only account, which the file leaves out
    response = preview(admin_client, fills(1))
    [row] = response.context["result"].valid_rows()
    account_column = response.context["result"].diff_headers.index("account")
    assert row.diff[account_column] == account.code  # a new row: the value, as it is


def test_the_preview_names_its_columns_like_the_export_page_in_the_readers_language(
    admin_client,
):
    response = admin_client.post(
        IMPORT,
        {"import_file": SimpleUploadedFile("t.csv", fills(1).encode()), "format": "0"},
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert "<th>체결 시각 (executed_at)</th><th>종목코드 (symbol)</th>" in response.text
    bad = admin_client.post(
        IMPORT,
        {
            "import_file": SimpleUploadedFile("t.csv", fills(1).replace(",10,", ",0,").encode()),
            "format": "0",
        },
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    # The bad row's values stay under their columns.
    assert "<td>2024-03-04 10:00:00</td><td>000001</td><td>BUY</td><td>0</td>" in bad.text
