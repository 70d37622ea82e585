"""Excel workbooks, known by their content: the first sheet (or --sheet) loads with the same
rules as a CSV file, and no message about a workbook advises an encoding."""

import datetime as dt
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdata.loader import loading
from marketdata.models import Load, MarketData

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))
HEADER = ["일자", "시가", "고가", "저가", "종가", "거래량(천주)", "거래대금(백만)"]
ROWS = [
    [dt.datetime(2024, 1, 2), 78200, 79800, 78200, 79600, 17142.0, 1356958.0],
    [dt.datetime(2024, 1, 3), 78500, 78800, 77000, 77000, 21753, 1688351],
]
BARS = [
    (dt.datetime(2024, 1, 2, tzinfo=KST), "005930", "1d", 78200, 79800, 78200, 79600, 17142000),
    (dt.datetime(2024, 1, 3, tzinfo=KST), "005930", "1d", 78500, 78800, 77000, 77000, 21753000),
]


def workbook(path, sheets):
    """A workbook with {title: rows}, the first sheet first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def load(*args):
    out = StringIO()
    call_command("load_marketdata", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def load_error(*args):
    with pytest.raises(CommandError) as caught:
        load(*args)
    return str(caught.value)


def bars():
    return list(
        MarketData.objects.order_by("time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


@pytest.mark.parametrize("name", ["005930.xlsx", "005930.csv", "005930.txt"])
def test_a_workbook_is_read_by_its_content_whatever_its_name(tmp_path, name):
    path = workbook(tmp_path / name, {"Sheet1": [HEADER, *ROWS]})

    output = load(path, "--symbol", "005930")

    assert bars() == BARS
    assert output.splitlines()[0].startswith(f"{path}: read as generic from sheet Sheet1 (")
    record = Load.objects.get()
    assert (record.encoding, record.options["read"]["sheet"]) == ("xlsx", "Sheet1")


def test_the_first_sheet_is_read_unless_sheet_names_another(tmp_path):
    other = [HEADER, [dt.datetime(2024, 1, 4), 1, 2, 1, 2, 3, 4]]
    path = workbook(tmp_path / "005930.xlsx", {"시세": [HEADER, *ROWS], "메모": other})

    load(path, "--symbol", "005930")
    assert [b[0].astimezone(KST).date() for b in bars()] == [
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 3),
    ]

    load(path, "--symbol", "005930", "--sheet", "메모")
    assert len(bars()) == 3


def test_a_sheet_the_workbook_lacks_names_those_it_has(tmp_path):
    path = workbook(tmp_path / "005930.xlsx", {"시세": [HEADER, *ROWS], "메모": [["x"]]})

    assert load_error(path, "--symbol", "005930", "--sheet", "Sheet1") == (
        f"Nothing was loaded.\n{path}: --sheet Sheet1: the workbook has no such sheet (시세, 메모)"
    )


def test_a_broken_row_of_a_workbook_is_named_by_its_row_without_encoding_advice(tmp_path):
    rows = [HEADER, ROWS[0], [dt.datetime(2024, 1, 3), 78500, 1, 77000, 77000, 5, 5]]
    path = workbook(tmp_path / "005930.xlsx", {"Sheet1": rows})

    error = load_error(path, "--symbol", "005930")

    assert error == (
        f"Nothing was loaded.\n{path}:3: 고가: 1 is below low 77000\n"
        f"--skip-invalid loads the other rows and writes these to {path}.rejects.csv"
    )
    assert "--encoding" not in error


def test_text_dates_and_empty_rows_below_the_data_are_read_as_in_a_csv(tmp_path):
    rows = [
        ["Date", "Price", "Open", "High", "Low", "Vol."],
        ["Apr 18, 2018", "50,000", "49,000", "51,000", "48,000", "1.5K"],
        [None] * 6,
        [None] * 6,
    ]
    path = workbook(tmp_path / "005930.xlsx", {"Sheet1": rows})

    output = load(path)

    assert bars() == [
        (dt.datetime(2018, 4, 18, tzinfo=KST), "005930", "1d", 49000, 51000, 48000, 50000, 1500)
    ]
    assert "; dates %b %d, %Y;" in output.splitlines()[0]


def test_an_excel_97_workbook_is_refused_saying_how_to_save_it(tmp_path):
    path = tmp_path / "005930.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)

    assert load_error(path) == (
        f"Nothing was loaded.\n{path}: an Excel 97-2003 workbook (.xls), which the loader does "
        "not read; open it in Excel and save it as .xlsx (Excel Workbook) or CSV"
    )


def test_a_zip_that_is_no_workbook_says_so_without_encoding_advice(tmp_path):
    path = tmp_path / "005930.csv"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)

    error = load_error(path)

    assert error.startswith(
        f"Nothing was loaded.\n{path}: the file starts as an Excel workbook but cannot be read "
        "as one: "
    )
    assert "--encoding" not in error


def test_a_workbook_that_would_unpack_past_the_limit_is_refused_unread(tmp_path, monkeypatch):
    from marketdata.loader import workbooks

    path = workbook(tmp_path / "005930.xlsx", {"Sheet1": [HEADER, *ROWS]})
    monkeypatch.setattr(workbooks, "MAX_UNPACKED", 1000)

    error = load_error(path)

    assert error.startswith(f"Nothing was loaded.\n{path}: the workbook unpacks to ")
    assert error.endswith(
        " bytes, more than the 1,000 a sheet of bars needs; save the sheet as CSV"
    )


_GOOD = []


def good_workbook(tmp_path) -> bytes:
    """One workbook's bytes for every example (a saved workbook holds the time it was saved)."""
    if not _GOOD:
        _GOOD.append(workbook(tmp_path / "good.xlsx", {"Sheet1": [HEADER, *ROWS]}).read_bytes())
    return _GOOD[0]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_damaged_workbook_loads_or_fails_with_a_message(tmp_path, data):
    path = tmp_path / "005930.xlsx"
    content = bytearray(good_workbook(tmp_path))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        content = content[: data.draw(st.integers(4, len(content)))]
    path.write_bytes(bytes(content))
    try:
        loading.load([str(path)], loading.Options(symbol="005930"))
    except loading.LoadError as e:
        assert e.errors and all(line.startswith(str(path)) for line in e.errors), e.errors
