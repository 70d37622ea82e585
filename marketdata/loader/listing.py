"""Stock metadata from listing files: FinanceDataReader's KRX and KRX-DESC listings (today's
and the pre-2022 one, with `Symbol` for `Code`) and our canonical CSV (which `Symbol,Name,
Market` files are, header case aside). Upserts by symbol, changes only the fields the file
has, and keeps every change in the stock's history, like an edit in the admin.

Listing files hold a few thousand rows, so rows are parsed in Python, every error is
collected with its line, column and value, and the writes are a few bulk statements.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from adminkit.history_baseline import bulk_create_with_history
from marketdata import encodings
from marketdata.loader.errors import shown
from marketdata.loader.sources import rejects_path
from marketdata.models import Market, SecurityKind, StockMetadata
from marketdata.symbols import is_equity, is_index

MAX_ERRORS_SHOWN = 50
CANONICAL = (
    "symbol",
    "name",
    "name_en",
    "market",
    "kind",
    "sector",
    "industry",
    "market_cap",
    "listed_shares",
    "listing_date",
    "is_active",
)
REQUIRED = ("symbol", "name", "market")


@dataclass(frozen=True)
class ListingFormat:
    name: str
    columns: dict[str, str]  # model field -> column, as the source prints it

    def describe(self):
        return f"{self.name}: {', '.join(self.columns.values())}"


# Most specific first; names are matched ignoring case and surrounding spaces.
FORMATS = [
    ListingFormat(
        "fdr-krx",
        {
            "symbol": "Code",
            "name": "Name",
            "market": "Market",
            "market_cap": "Marcap",
            "listed_shares": "Stocks",
        },
    ),
    ListingFormat(
        "fdr-krx-desc",
        {
            "symbol": "Code",
            "name": "Name",
            "market": "Market",
            "sector": "Sector",
            "industry": "Industry",
            "listing_date": "ListingDate",
        },
    ),
    # FinanceDataReader's StockListing('KRX') before 2022: KRX-DESC's columns, Symbol for Code.
    ListingFormat(
        "fdr-krx-old",
        {
            "symbol": "Symbol",
            "name": "Name",
            "market": "Market",
            "sector": "Sector",
            "industry": "Industry",
            "listing_date": "ListingDate",
        },
    ),
]
TRUE, FALSE = {"true", "t", "1", "y", "yes"}, {"false", "f", "0", "n", "no"}


class ListingError(Exception):
    """The listing was not loaded; `errors` says why. `in_rows`: the errors are in rows,
    which --skip-invalid would skip."""

    def __init__(self, errors, total=None, *, in_rows=False):
        self.errors = errors[:MAX_ERRORS_SHOWN]
        self.total = total if total is not None else len(errors)
        self.in_rows = in_rows
        super().__init__("\n".join(self.errors))


@dataclass
class ListingResult:
    file: str
    format: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    error_total: int = 0
    rejects_path: Path | None = None

    def summary(self):
        return (
            f"inserted {self.inserted:,}, updated {self.updated:,}, unchanged {self.unchanged:,}, "
            f"rejected {self.rejected:,}"
        )


def _normal(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def detect(header: list[str]) -> tuple[ListingFormat, dict[str, int]]:
    """The format of a listing with this header, and the position of each field."""
    names = [_normal(c) for c in header]
    for fmt in FORMATS:
        if all(c.lower() in names for c in fmt.columns.values()):
            return fmt, {f: names.index(c.lower()) for f, c in fmt.columns.items()}
    if all(c in names for c in REQUIRED):
        position = {f: names.index(f) for f in CANONICAL if f in names}
        return ListingFormat("qb", {f: header[i].strip() for f, i in position.items()}), position
    formats = "; ".join(f.describe() for f in FORMATS)
    found = ", ".join(shown(c.strip()) or "(empty)" for c in header)
    raise ListingError(
        [
            f"unknown header: found {found}. Known formats: {formats}; qb: "
            f"{', '.join(REQUIRED)}[, {', '.join(c for c in CANONICAL if c not in REQUIRED)}] "
            "(case and surrounding spaces do not matter)"
        ]
    )


def _whole(value):
    cleaned = value.replace(",", "")
    if not re.fullmatch(r"[0-9]+(\.0*)?", cleaned):
        raise ValueError(f"{shown(value)} is not a whole number of zero or more")
    return int(float(cleaned)) if "." in cleaned else int(cleaned)


def _date(value):
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(value[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{shown(value)} is not a date (YYYY-MM-DD)")


def _choice(choices, what, *, upper=False):
    def parse(value):
        if (value.upper() if upper else value) not in choices.values:
            raise ValueError(f"{shown(value)} is not {what} ({', '.join(choices.values)})")
        return value.upper() if upper else value

    return parse


def _active(value):
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValueError(f"{shown(value)} is not true or false")


def _text(limit):
    def parse(value):
        if len(value) > limit:
            raise ValueError(f"{shown(value, 20)} is longer than {limit} characters")
        return value

    return parse


PARSERS = {
    "symbol": _text(10),
    "name": _text(100),
    "name_en": _text(100),
    "market": _choice(Market, "a market"),
    "kind": _choice(SecurityKind, "a kind", upper=True),
    "sector": _text(100),
    "industry": _text(200),
    "market_cap": _whole,
    "listed_shares": _whole,
    "listing_date": _date,
    "is_active": _active,
}
OPTIONAL_EMPTY = {"market_cap": None, "listed_shares": None, "listing_date": None}


def _kind_of(symbol: str) -> str:
    """The kind of a new row whose file does not say: an index by its code, else a stock."""
    return SecurityKind.INDEX if is_index(symbol) else SecurityKind.STOCK


def _symbol_error(symbol: str, kind: str) -> str | None:
    """What is wrong with `symbol` for a security of `kind`, if anything."""
    if kind == SecurityKind.INDEX:
        return None if is_index(symbol) else f"{shown(symbol)} is not an index code (1001)"
    if is_equity(symbol):
        return None
    return (
        f"{shown(symbol)} is not the KRX code of a listed stock, ETF or ETN (six characters, "
        "such as 005930); funds and other securities have no bars here"
    )


@dataclass
class Parsed:
    format: ListingFormat
    rows: dict[str, dict]  # symbol -> fields
    rejects: list[tuple[int, list[str], list[str]]]  # (line, problems, values)
    header: list[str]
    name: str

    @property
    def errors(self) -> list[str]:
        return [f"{self.name}:{line}: {p}" for line, problems, _ in self.rejects for p in problems]


def parse(text: str, name: str) -> Parsed:
    """The rows of a listing file's text, and every row it cannot take, with the reason."""
    try:
        return _parse(csv.reader(io.StringIO(text)), name)
    except csv.Error as e:
        raise ListingError([f"{name}: not a CSV file: {e}"]) from e


def _parse(reader, name) -> Parsed:
    header = next(reader, [])
    try:
        fmt, position = detect(header)
    except ListingError as e:
        raise ListingError([f"{name}:1: {e.errors[0]}"]) from e
    rows, rejects, seen = {}, [], {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            fields, problems = {}, [f"{len(values)} columns, the header has {len(header)}"]
        else:
            fields, problems = _fields(values, fmt, position)
        if not problems:
            symbol = fields["symbol"]
            wrong = _symbol_error(symbol, fields.get("kind") or _kind_of(symbol))
            if wrong:
                problems.append(f"{fmt.columns['symbol']}: {wrong}")
            elif symbol in seen:
                problems.append(f"{fmt.columns['symbol']}: {symbol} repeats line {seen[symbol]}")
        if problems:
            rejects.append((line, problems, values))
            continue
        seen[fields["symbol"]] = line
        rows[fields["symbol"]] = fields
    return Parsed(format=fmt, rows=rows, rejects=rejects, header=header, name=name)


def _fields(values, fmt, position) -> tuple[dict, list[str]]:
    """One row's fields, and what is wrong with them."""
    fields, problems = {}, []
    for field_name, column in fmt.columns.items():
        value = values[position[field_name]].strip()
        if not value:
            if field_name in REQUIRED:
                problems.append(f"{column}: missing value")
            elif field_name != "kind":
                fields[field_name] = OPTIONAL_EMPTY.get(field_name, "")
            continue
        try:
            fields[field_name] = PARSERS[field_name](value)
        except ValueError as e:
            problems.append(f"{column}: {e}")
    return fields, problems


def read(path: str, encoding: str = "auto") -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ListingError([f"{path}: cannot open: {e.strerror}"]) from e
    if encoding == "auto":
        try:
            encoding = encodings.guess(data)
        except encodings.EncodingUnknown as e:
            raise ListingError([f"{path}: {e}"]) from e
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ListingError([f"{path}:{line}: not {encoding}: byte {data[e.start]:#04x}"]) from e


def _write_rejects(target: Path, parsed: Parsed) -> Path:
    try:
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "reason", *parsed.header])
            for line, problems, values in parsed.rejects:
                writer.writerow([line, "; ".join(problems), *values])
    except OSError as e:
        raise ListingError([f"{target}: cannot write the rejected rows: {e.strerror}"]) from e
    return target


def load(
    path: str,
    *,
    encoding: str = "auto",
    skip_invalid: bool = False,
    rejects_dir: str | None = None,
    dry_run: bool = False,
) -> ListingResult:
    """Upsert the listing in `path` by symbol, in one transaction. Any invalid row fails it
    all, unless `skip_invalid`: then the valid rows load and the others go to
    PATH.rejects.csv (in `rejects_dir`, if given)."""
    parsed = parse(read(path, encoding), path)
    if parsed.rejects and not skip_invalid:
        errors = parsed.errors
        raise ListingError(errors, total=len(errors), in_rows=True)
    rows = parsed.rows
    result = ListingResult(
        file=path, format=parsed.format.name, rows=len(rows) + len(parsed.rejects)
    )
    reason = f"load_stock_metadata {Path(path).name}"[:100]
    now = timezone.now()
    with transaction.atomic():
        existing = {
            s.symbol: s for s in StockMetadata.objects.select_for_update().filter(symbol__in=rows)
        }
        new, changed = [], []
        for symbol, values in rows.items():
            stored = existing.get(symbol)
            if stored is None:
                kind = values.get("kind") or _kind_of(symbol)
                new.append(StockMetadata(**(values | {"kind": kind}), updated_at=now))
                continue
            fields = [f for f, v in values.items() if getattr(stored, f) != v]
            if fields:
                for f in fields:
                    setattr(stored, f, values[f])
                stored.updated_at = now
                changed.append(stored)
        updated_fields = [f for f in parsed.format.columns if f != "symbol"]
        bulk_create_with_history(new, StockMetadata, batch_size=1000, default_change_reason=reason)
        bulk_update_with_history(
            changed,
            StockMetadata,
            [*updated_fields, "updated_at"],
            batch_size=1000,
            default_change_reason=reason,
        )
        result.inserted, result.updated = len(new), len(changed)
        result.unchanged = len(rows) - len(new) - len(changed)
        if dry_run:
            transaction.set_rollback(True)
    if parsed.rejects:
        result.rejected, result.errors = len(parsed.rejects), parsed.errors[:MAX_ERRORS_SHOWN]
        result.error_total = len(parsed.errors)
        if not dry_run:
            result.rejects_path = _write_rejects(rejects_path(path, rejects_dir), parsed)
    return result
