"""What tests/test_every_admin_form.py walks: every POST form of every admin page (taken
from the URL resolver, as tests/test_every_admin_url.py does for GETs, and from the forms
each page shows), its fields and their values, absurd values and hostile files, and a
count of every table's rows."""

import gzip
import io
import zipfile
from html.parser import HTMLParser
from urllib.parse import urljoin

from django.db import connection

HUGE = "99999999999999999999999"
# One value per kind of trouble, each posted alone into every field of every form.
ABSURD = [
    HUGE,
    "1e2000000",
    "NaN",
    "-Infinity",
    "-1",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "abc",
    "x" * 100_000,
    "[" * 10_000 + "]" * 10_000,
    "\u202e\ufeff\ufffd",
]
DAY = "2026-03-03"
SKIPPED = ("/logout/", "/delete/")  # a delete page deletes on any POST: that is its form


class Form:
    def __init__(self, action, enctype):
        self.action, self.enctype = action, enctype
        self.fields: dict[str, dict] = {}  # name -> {"type", "values", "options", "multiple"}

    def add(self, name, kind, value=None, *, options=None, multiple=False, chosen=False):
        field = self.fields.setdefault(
            name, {"type": kind, "values": [], "options": [], "multiple": multiple}
        )
        if options is not None:
            field["options"] += options
        if value is not None and (kind not in ("checkbox", "radio") or chosen):
            field["values"].append(value)

    def baseline(self) -> dict:
        """The form as its page fills it, with a first choice in an empty select and a
        day in an empty date: what a person submits without typing."""
        data = {}
        for name, field in self.fields.items():
            values = list(field["values"])
            if field["type"] == "select" and not values:
                chosen = [v for v in field["options"] if v]
                values = chosen[:1]
            if field["type"] == "date" and not any(values):
                values = [DAY]
            if field["type"] in ("file", "submit"):
                continue
            if values:
                data[name] = values if len(values) > 1 else values[0]
        return data

    def files(self) -> list[str]:
        return [n for n, f in self.fields.items() if f["type"] == "file"]

    def inputs(self) -> list[str]:
        return [
            n
            for n, f in self.fields.items()
            if f["type"] not in ("file", "submit") and n != "csrfmiddlewaretoken"
        ]


class Forms(HTMLParser):
    """The POST forms of a page."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page, self.found, self.form = page, [], None
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.form = Form(urljoin(self.page, a.get("action") or self.page), a.get("enctype"))
            self.found.append(self.form)
        if self.form is None or (not a.get("name") and tag in ("input", "select", "textarea")):
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            self.form.add(a["name"], kind, a.get("value", ""), chosen="checked" in a)
        elif tag == "select":
            self.select = a["name"]
            self.form.add(self.select, "select", multiple="multiple" in a, options=[])
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.form.add(self.select, "select", options=[value])
            if "selected" in a:
                self.form.fields[self.select]["values"].append(value)
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form.add(self.textarea, "textarea")

    def handle_data(self, data):
        if self.textarea and self.form:
            self.form.fields[self.textarea]["values"].append(data.lstrip("\n"))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            if self.form and not self.form.fields[self.textarea]["values"]:
                self.form.fields[self.textarea]["values"].append("")
            self.textarea = None


def post_forms(page: str, html: str) -> list[Form]:
    parser = Forms(page)
    parser.feed(html)
    return [f for f in parser.found if not any(s in f.action for s in SKIPPED)]


def zip_bomb() -> bytes:
    """An XLSX whose one sheet unpacks to 200 MB of spaces from some 200 KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * 2**20
            for _ in range(200):
                sheet.write(chunk)
    return out.getvalue()


def hostile_files() -> list[tuple[str, bytes]]:
    deep = b"[" * 100_000 + b"]" * 100_000
    number = b"1e2000000"
    header = b"odno,sll_buy_dvsn_cd,pdno,tot_ccld_qty,avg_prvs,quantity,price,symbol\n"
    return [
        ("bomb.xlsx", zip_bomb()),
        ("nul.csv", b"\x00" * 100_000),
        ("number.csv", header + b"1,02,005930," + b",".join([number] * 5) + b"\n"),
        ("deep.json", deep),
        ("number.json", b'{"output1": [{"tot_ccld_qty": 1e2000000, "avg_prvs": 1e2000000}]}'),
        ("latin1.csv", "symbol,name\n005930,Société\xff\xfe\n".encode("latin-1")),
        ("utf16.csv", "quantity,price\n1,2\n".encode("utf-16")),
        ("gzip.csv", gzip.compress(b"quantity\n" + b"1\n" * 1_000_000)),
        ("empty.csv", b""),
    ]


def row_counts() -> dict[str, int]:
    """The number of rows of every table (the sessions aside: a login writes one). Of the
    admin's log, the entries that record a change: Django logs "no fields changed" for a
    change form saved as it was (one whose formset counts are -1, say)."""
    tables = [t for t in connection.introspection.table_names() if t != "django_session"]
    counts = ", ".join(
        "(SELECT count(*) FROM django_admin_log WHERE change_message <> '[]')"
        if t == "django_admin_log"
        else f'(SELECT count(*) FROM "{t}")'
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))
