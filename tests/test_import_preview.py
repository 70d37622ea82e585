"""The import preview of a file with bad rows (qbsite/templates/admin/import_export/
import.html): each bad row says why in the row itself, and the good rows are listed too."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export import widgets

from adminkit import sheet_cells
from marketdata.models import StockMetadata
from trading.models import Trade

pytestmark = pytest.mark.django_db

CSV = (
    "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id\n"
    "2024-03-04 10:00:00,005930,BUY,10,72000,108,0,momentum,0000000001\n"
    "2024-03-04 11:00:00,005930,SELL,0,72500,0,0,momentum,0000000002\n"
    "2024-03-04 12:00:00,000660,BUY,5,178000,133,0,momentum,0000000003\n"
)


def preview(client, text):
    return client.post(
        reverse("admin:trading_trade_import"),
        {
            "import_file": SimpleUploadedFile("trades.csv", text.encode(), "text/csv"),
            "format": "0",
            "resource": "0",
        },
    )


def section(page, table_id):
    return page.text.split(f'id="{table_id}"')[1].split("</table>")[0]


def test_a_bad_row_says_why_in_the_row_and_the_good_rows_are_listed(admin_client):
    page = preview(admin_client, CSV)

    assert page.status_code == 200
    assert "1 row has errors" in page.text
    bad = section(page, "qb-invalid-rows")
    # The reason is text of the row, not a tooltip of a badge.
    assert '<td class="qb-why">' in bad
    assert "Quantity must be positive." in bad.split('<td class="qb-why">')[1].split("</td>")[0]
    assert "validation-error-container" not in page.text
    assert "<td>2</td>" in bad  # the second row of data

    assert "2 rows without errors" in page.text
    good = section(page, "qb-valid-rows")
    assert good.count('<td class="import-type">') == 2
    assert "000660" in good and "0000000001" in good
    assert Trade.objects.count() == 0


def test_the_summary_of_a_file_with_bad_rows_is_a_warning(admin_client):
    page = preview(admin_client, CSV)
    [message] = list(page.context["messages"])
    assert message.level_tag == "warning"
    assert str(message) == "3 rows: 2 new, 0 changed, 0 unchanged, 1 with errors."


def test_every_row_holding_a_bad_value_says_why_though_the_value_is_read_once(admin_client):
    header, first, _, third = CSV.splitlines()
    bad = first.replace("2024-03-04", "2024-02-30").replace(",BUY,10,", ",HOLD,1e999,")
    page = preview(admin_client, "\n".join([header, bad, third, bad[:-1] + "4"]))

    invalid = page.context["result"].invalid_rows
    assert [row.number for row in invalid] == [1, 3]
    for row in invalid:
        assert row.error_dict == {
            "executed_at": ["Value could not be parsed using defined formats."],
            "side": ["Value 'HOLD' is not a valid choice."],
            "quantity": ["Ensure this value is less than or equal to 9223372036854775807."],
        }


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-04 10:00:00",
        "2024-03-04 10:00",
        "2024-03-04 10:00:00.250000",
        "03/04/2024 10:00:00",
        "2024-3-4 10:00:00",
        "2024-02-30 10:00:00",
        "2024-03-04 24:00:00",
        "2024-03-04 10:00:60",
        "2024-03-04T10:00:00",
        "２０２４-03-04 10:00:00",
        " 2024-03-04 10:00:00",
        "",
    ],
)
def test_moments_are_read_as_django_import_export_reads_them(text):
    def read(widget):
        try:
            return widget.clean(text)
        except ValueError as e:
            return str(e)

    assert read(sheet_cells.DateTimeWidget()) == read(widgets.DateTimeWidget())


@pytest.mark.parametrize(
    "text", ["72000", "0", "0072000", "72,000", "72000.50", "-5", "1e3", "NaN", "", " 7", "٧٢"]
)
def test_prices_are_read_as_django_import_export_reads_them(text, settings):
    settings.USE_THOUSAND_SEPARATOR = True

    def read(widget):
        try:
            return repr(widget.clean(text))
        except (ValueError, ArithmeticError) as e:
            return type(e).__name__

    assert read(sheet_cells.DecimalWidget()) == read(widgets.DecimalWidget())


@pytest.mark.parametrize(
    ("price", "error"),
    [
        ("abc", "“abc” value must be a decimal number."),
        ("72,000원", "“72,000원” value must be a decimal number."),
        ("NaN", "“NaN” value must be a decimal number."),
        ("Infinity", "“Infinity” value must be a decimal number."),
        ("x" * 200, f"“{'x' * 37}...” value must be a decimal number."),
        ("9" * 200, "Ensure that there are no more than 12 digits in total."),
    ],
)
def test_a_price_that_is_not_a_number_is_an_error_of_its_column(admin_client, price, error):
    header, first, *_ = CSV.splitlines()
    page = preview(admin_client, "\n".join([header, first.replace(",72000,", f',"{price}",')]))

    [row] = page.context["result"].invalid_rows
    assert row.error_dict == {"price": [error]}
    assert "decimal.Conversion" not in page.text
    [message] = list(page.context["messages"])
    assert str(message) == "1 row: 0 new, 0 changed, 0 unchanged, 1 with errors."


LISTING = "symbol,name,name_en,market,sector,industry,market_cap,listed_shares,is_active\n"


def preview_listing(client, text, **headers):
    return client.post(
        reverse("admin:marketdata_stockmetadata_import"),
        {
            "import_file": SimpleUploadedFile("stocks.csv", (LISTING + text).encode()),
            "format": "0",
            "resource": "0",
        },
        **headers,
    )


def listed():
    StockMetadata.objects.create(
        symbol="005930",
        name="삼성전자",
        name_en="Samsung Electronics",
        market="KOSPI",
        market_cap=345_500_000_000,
        listed_shares=5_969_782_550,
    )
    StockMetadata.objects.create(symbol="000660", name="SK하이닉스", market="KOSPI")


def cells(page, css_class):
    table = section(page, "qb-valid-rows")
    row = table.split(f'<tr class="{css_class}">')[1].split("</tr>")[0]
    return [c.split("</td>")[0] for c in row.split("<td")[1:]]


def test_a_changed_number_shows_before_and_after_as_the_lists_write_numbers(admin_client):
    listed()
    page = preview_listing(
        admin_client,
        "005930,삼성전자,Samsung Electronics,KOSPI,,,346000000000,5969782550,true\n",
    )
    row = cells(page, "update")
    assert row[4] == (
        '><del class="qb-before">345,500,000,000</del> &rarr; '
        '<ins class="qb-after">346,000,000,000</ins>'
    )
    assert row[5] == ">5,969,782,550"  # unchanged: the value, once
    assert row[1] == ">005930"  # a code stays as it is written
    assert "~~" not in page.text and "<span" not in "".join(row)


def test_an_unchanged_row_says_unchanged_not_skipped(admin_client):
    listed()
    text = "000660,SK하이닉스,,KOSPI,,,,,true\n"
    english = preview_listing(admin_client, text)
    assert cells(english, "skip")[0] == ' class="import-type">Unchanged'
    korean = preview_listing(admin_client, text, HTTP_ACCEPT_LANGUAGE="ko")
    assert cells(korean, "skip")[0] == ' class="import-type">변경 없음'
    assert "건너뜀" not in section(korean, "qb-valid-rows")


def test_the_preview_tables_scroll_inside_their_box(admin_client):
    header, first, bad, _ = CSV.splitlines()
    page = preview(admin_client, "\n".join([header, first, bad]))
    for table_id in ("qb-invalid-rows", "qb-valid-rows"):
        assert (
            f'<div class="qb-scroll">\n<table class="import-preview" id="{table_id}">' in page.text
        )
    css = (settings.BASE_DIR / "display" / "static" / "display" / "desk.css").read_text()
    assert ".qb-scroll { max-width: 100%; overflow-x: auto; }" in css
