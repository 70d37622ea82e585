"""Corporate actions from files: our own CSV/XLSX layout and the Korea Securities Depository
records KIS publishes under `ksdinfo/` (their JSON, `output1` rows).

Every row is checked before anything is written; one bad cell stops the file with its file,
line, column and value named. Rows already recorded (same symbol, kind and record date) are
corrected in place, with history. Docs: docs/corporate-actions.md.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from marketdata import sessions
from marketdata.actions import (
    EX_DATE_LEAD,
    NEW_SYMBOL_KINDS,
    RATIO_KINDS,
    ActionKind,
    CorporateAction,
)
from marketdata.models import StockMetadata
from marketdata.symbols import EQUITY_RE
from trading.actions.errors import ActionFileError, Problem
from trading.actions.ksd import is_ksd, ksd_rows

COLUMNS = (
    "symbol",
    "kind",
    "record_date",
    "ex_date",
    "pay_date",
    "ratio",
    "amount",
    "new_symbol",
    "fraction_price",
)
FIELDS = COLUMNS[1:]


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def previous_session(day: dt.date) -> dt.date:
    """The exchange day before `day`: the ex date of a record date under T+2."""
    found = sessions.sessions(day - dt.timedelta(days=14), day - dt.timedelta(days=1))
    return found[-1].date if found else day - dt.timedelta(days=1)


def _date(text: str) -> dt.date:
    digits = text.strip().replace("/", "").replace("-", "").replace(".", "")
    return dt.datetime.strptime(digits[:8], "%Y%m%d").date()


def _decimal(text: str) -> Decimal:
    value = Decimal(text.strip().replace(",", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value


def _symbol(text: str) -> str:
    text = text.strip()
    return text[1:] if len(text) == 7 and text[0] in "AQ" else text


class _Row:
    """One row's cells turned into model fields, problems collected."""

    def __init__(self, file, line, cells, known):
        self.file, self.line, self.problems, self.fields = file, line, [], {}
        self.cells = {k: ("" if v is None else str(v).strip()) for k, v in cells.items()}
        symbol = _symbol(self.cells.get("symbol", ""))
        if not EQUITY_RE.match(symbol) or symbol not in known:
            self.bad("symbol", "no such stock in the stock metadata (load it first)")
        self.fields["symbol"] = symbol
        kind = self.cells.get("kind", "")
        if kind not in ActionKind.values:
            self.bad("kind", f"unknown kind; the kinds are {', '.join(ActionKind.values)}")
        self.fields["kind"] = kind
        for name in ("record_date", "ex_date", "pay_date"):
            self.fields[name] = self.parse(name, _date)
        for name in ("ratio", "amount", "fraction_price"):
            self.fields[name] = self.parse(name, _decimal)
        new_symbol = _symbol(self.cells.get("new_symbol", ""))
        if new_symbol and not EQUITY_RE.match(new_symbol):
            self.bad("new_symbol", "not a KRX short code of six characters")
        self.fields["new_symbol"] = new_symbol
        self.check()

    def bad(self, column, message):
        self.problems.append(
            Problem(self.file, self.line, column, self.cells.get(column, ""), message)
        )

    def parse(self, name, parse):
        if not self.cells.get(name):
            return None
        try:
            return parse(self.cells[name])
        except (ValueError, InvalidOperation):
            self.bad(name, "not a date (YYYY-MM-DD)" if name.endswith("date") else "not a number")
            return None

    def check(self):
        f = self.fields
        if f["record_date"] is None and "record_date" not in {p.column for p in self.problems}:
            self.bad("record_date", "the record date is required")
        if f["record_date"] and f["ex_date"] is None and not self.cells.get("ex_date"):
            f["ex_date"] = previous_session(f["record_date"])
        for name in ("ratio", "amount", "fraction_price"):
            if f[name] is not None and f[name] <= 0 and name != "amount":
                self.bad(name, "must be above 0")
        if f["amount"] is not None and f["amount"] < 0:
            self.bad("amount", "must not be negative")
        kind = f["kind"]
        if kind in RATIO_KINDS and f["ratio"] is None and "ratio" not in self.columns_bad():
            self.bad("ratio", f"a {kind} needs a ratio")
        if kind == ActionKind.SPLIT and f["ratio"] and f["ratio"] <= 1:
            self.bad("ratio", "a split gives more than one share per share")
        if kind == ActionKind.REVERSE_SPLIT and f["ratio"] and f["ratio"] >= 1:
            self.bad("ratio", "a reverse split gives less than one share per share (0.1 for 10:1)")
        if kind == ActionKind.CASH_DIVIDEND and not f["amount"]:
            self.bad("amount", "a cash dividend needs the cash per share")
        if kind in NEW_SYMBOL_KINDS and not f["new_symbol"]:
            self.bad("new_symbol", f"a {kind} needs the new symbol")
        record, ex = f["record_date"], f["ex_date"]
        if record and ex and not (record - EX_DATE_LEAD <= ex <= record):
            self.bad(
                "ex_date",
                f"the ex date lies on or up to {EX_DATE_LEAD.days} days before the record "
                f"date {record}",
            )

    def columns_bad(self):
        return {p.column for p in self.problems}


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, cells by column) of a CSV or XLSX file in our layout."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]
        rows = [
            [c.date().isoformat() if isinstance(c, dt.datetime) else c for c in r] for r in rows
        ]
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    if not rows:
        raise ActionFileError([Problem(path.name, 1, "header", "", "the file is empty")])
    header = [str(c).strip().lower() for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ActionFileError(
            [Problem(path.name, 1, "header", ",".join(header), f"missing {', '.join(missing)}")]
        )
    return [
        (n, dict(zip(header, row, strict=False)))
        for n, row in enumerate(rows[1:], start=2)
        if any(str(c).strip() for c in row)
    ]


def validate(file: str, rows: list[tuple[int, dict]]) -> list[dict]:
    """The model fields of every row; ActionFileError with every problem found."""
    symbols = {_symbol(str(cells.get("symbol") or "")) for _, cells in rows}
    known = set(StockMetadata.objects.filter(symbol__in=symbols).values_list("symbol", flat=True))
    checked = [_Row(file, line, cells, known) for line, cells in rows]
    problems = [p for row in checked for p in row.problems]
    seen = {}
    for row in checked:
        key = (row.fields["symbol"], row.fields["kind"], row.fields["record_date"])
        if key in seen:
            row.bad("record_date", f"the same action as on line {seen[key]}")
            problems.append(row.problems[-1])
        seen[key] = row.line
    if problems:
        raise ActionFileError(problems)
    return [row.fields for row in checked]


@transaction.atomic
def save(actions: list[dict]) -> Result:
    """Create or correct each action (history kept, positions marked stale by the triggers)."""
    result = Result()
    for fields in actions:
        key = {k: fields[k] for k in ("symbol", "kind", "record_date")}
        existing = CorporateAction.objects.filter(**key).first()
        if existing is None:
            CorporateAction.objects.create(**fields)
            result.created += 1
            continue
        changed = [k for k in FIELDS if getattr(existing, k) != fields[k]]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(existing, name, fields[name])
        existing.save()
        result.updated += 1
    return result


def import_file(path: Path) -> Result:
    """Read, check and save one file of ours (CSV/XLSX) or a KSD JSON (see ksd.py)."""
    rows = ksd_rows(path) if is_ksd(path) else read_rows(path)
    return save(validate(path.name, rows))
