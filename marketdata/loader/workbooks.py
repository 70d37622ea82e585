"""Excel workbooks (the KRX data portal's XLSX export, broker tools' dumps), known by their
content rather than their name: one sheet is written out as UTF-8 CSV, row for row, and
loaded with the same rules as any CSV, its line numbers the sheet's row numbers.

Dates become ISO 8601 text, whole numbers lose Excel's `.0`; trailing empty rows are left
out (Excel keeps formatted rows past the data).
"""

import csv
import datetime as dt
import zipfile

from marketdata.loader.errors import LoadError, shown

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), and other OLE files


def kind(start: bytes) -> str | None:
    """ "xlsx" or "xls" for a workbook's first bytes, else None."""
    if start.startswith(ZIP_MAGIC):
        return "xlsx"
    if start.startswith(OLE_MAGIC):
        return "xls"
    return None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H%M%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_csv(path: str, name: str, *, sheet: str | None, out) -> str:
    """Write one sheet of the workbook at `path` to the text stream `out` as CSV; returns
    the sheet's name. `name` is the file as messages call it."""
    import openpyxl  # only workbooks need it

    # A stream, not the path: openpyxl would judge a path by its suffix.
    with open(path, "rb") as stream:
        try:
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
            raise LoadError(
                [f"{name}: the file starts as an Excel workbook but cannot be read as one: {e}"]
            ) from e
        try:
            return _write_sheet(book, name, sheet=sheet, out=out)
        finally:
            book.close()


def _write_sheet(book, name: str, *, sheet: str | None, out) -> str:
    if sheet is None:
        chosen = book.worksheets[0]
    elif sheet in book.sheetnames:
        chosen = book[sheet]
    else:
        raise LoadError(
            [
                f"{name}: --sheet {shown(sheet)}: the workbook has no such sheet "
                f"({', '.join(book.sheetnames)})"
            ]
        )
    writer = csv.writer(out, lineterminator="\n")
    empty, width = 0, 0
    for row in chosen.iter_rows(values_only=True):
        cells = [_cell(v) for v in row]
        if not any(c.strip() for c in cells):
            empty += 1  # written only if a row with data follows
            continue
        width = width or len(cells)
        for _ in range(empty):
            writer.writerow([""] * width)
        empty = 0
        writer.writerow(cells)
    return chosen.title


def refuse_xls(name: str) -> LoadError:
    return LoadError(
        [
            f"{name}: an Excel 97-2003 workbook (.xls), which the loader does not read; "
            "open it in Excel and save it as .xlsx (Excel Workbook) or CSV"
        ]
    )
