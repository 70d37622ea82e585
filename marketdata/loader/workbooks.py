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
# What a workbook's parts may unpack to, by its zip directory: a sheet of 10 million bars
# is about 1 GB of XML; more is a zip bomb, not bars. (Python's zip reader stops at the
# sizes a directory declares.)
MAX_UNPACKED = 4 * 2**30


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
            unpacked = sum(part.file_size for part in zipfile.ZipFile(stream).infolist())
            if unpacked > MAX_UNPACKED:
                raise LoadError(
                    [
                        f"{name}: the workbook unpacks to {unpacked:,} bytes, more than "
                        f"the {MAX_UNPACKED:,} a sheet of bars needs; save the sheet as CSV"
                    ]
                )
            stream.seek(0)
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            try:
                return _write_sheet(book, name, sheet=sheet, out=out)
            finally:
                book.close()
        except LoadError:
            raise
        except Exception as e:
            # A damaged workbook fails anywhere in zlib, the zip reader, the XML parser or
            # openpyxl, with any of their exceptions: each is a file that cannot be read.
            raise LoadError(
                [
                    f"{name}: the file starts as an Excel workbook but cannot be read as one: "
                    f"{shown(str(e) or type(e).__name__)}"
                ]
            ) from e


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
