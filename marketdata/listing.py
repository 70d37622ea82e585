"""Stock metadata from listing files: FinanceDataReader's KRX and KRX-DESC listings and our
own canonical CSV. Upserts by symbol and changes only the fields the file has.

Listing files hold a few thousand rows, so rows are parsed in Python, every error is
collected with its line, column and value, and the upsert is one statement.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from marketdata import encodings
from marketdata.models import Market, StockMetadata
from marketdata.symbols import is_symbol

MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True)
class ListingFormat:
    name: str
    columns: dict[str, str]  # model field -> column

    def describe(self):
        return f"{self.name}: {', '.join(self.columns.values())}"


FORMATS = [
    ListingFormat(
        "qb",
        {
            f: f
            for f in (
                "symbol",
                "name",
                "name_en",
                "market",
                "sector",
                "industry",
                "market_cap",
                "listed_shares",
                "listing_date",
                "is_active",
            )
        },
    ),
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
]
REQUIRED = ("symbol", "name", "market")
TRUE, FALSE = {"true", "t", "1", "y", "yes"}, {"false", "f", "0", "n", "no"}


class ListingError(Exception):
    def __init__(self, errors, total=None):
        self.errors = errors[:MAX_ERRORS_SHOWN]
        self.total = total if total is not None else len(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class ListingResult:
    file: str
    format: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self):
        return f"inserted {self.inserted:,}, updated {self.updated:,}, unchanged {self.unchanged:,}"


def detect(header) -> ListingFormat:
    present = set(header)
    # The format whose columns the header has; the canonical one needs symbol, name, market.
    for fmt in FORMATS[1:][::-1]:
        if all(c in present for c in fmt.columns.values()):
            return fmt
    if all(c in present for c in REQUIRED):
        columns = {f: c for f, c in FORMATS[0].columns.items() if c in present}
        return ListingFormat("qb", columns)
    formats = "; ".join(f.describe() for f in FORMATS)
    raise ListingError([f"unknown header {','.join(header)}. Known formats: {formats}"])


def _whole(value):
    cleaned = value.replace(",", "")
    if not re.fullmatch(r"[0-9]+(\.0*)?", cleaned):
        raise ValueError(f"{value} is not a whole number of zero or more")
    return int(float(cleaned)) if "." in cleaned else int(cleaned)


def _date(value):
    for pattern in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(value[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{value} is not a date (YYYY-MM-DD)")


def _market(value):
    if value not in Market.values:
        raise ValueError(f"{value} is not a market ({', '.join(Market.values)})")
    return value


def _symbol(value):
    if not is_symbol(value):
        raise ValueError(f"{value} is not a KRX code (six characters, such as 005930)")
    return value


def _active(value):
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValueError(f"{value} is not true or false")


def _text(limit):
    def parse(value):
        if len(value) > limit:
            raise ValueError(f"{value[:20]}... is longer than {limit} characters")
        return value

    return parse


PARSERS = {
    "symbol": _symbol,
    "name": _text(100),
    "name_en": _text(100),
    "market": _market,
    "sector": _text(100),
    "industry": _text(200),
    "market_cap": _whole,
    "listed_shares": _whole,
    "listing_date": _date,
    "is_active": _active,
}
OPTIONAL_EMPTY = {"market_cap": None, "listed_shares": None, "listing_date": None}


def parse(text: str, name: str):
    """(format, {symbol: fields}) of a listing file's text; ListingError lists every problem."""
    try:
        return _parse(csv.reader(io.StringIO(text)), name)
    except csv.Error as e:
        raise ListingError([f"{name}: not a CSV file: {e}"]) from e


def _parse(reader, name):
    header = [c.strip().lstrip("\ufeff") for c in next(reader, [])]
    try:
        fmt = detect(header)
    except ListingError as e:
        raise ListingError([f"{name}:1: {e.errors[0]}"]) from e
    position = {c: i for i, c in enumerate(header)}
    rows, errors, seen = {}, [], {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(f"{name}:{line}: {len(values)} columns, the header has {len(header)}")
            continue
        fields, bad = {}, False
        for field_name, column in fmt.columns.items():
            value = values[position[column]].strip()
            if not value:
                if field_name in REQUIRED:
                    errors.append(f"{name}:{line}: {column}: missing value")
                    bad = True
                else:
                    fields[field_name] = OPTIONAL_EMPTY.get(field_name, "")
                continue
            try:
                fields[field_name] = PARSERS[field_name](value)
            except ValueError as e:
                errors.append(f"{name}:{line}: {column}: {e}")
                bad = True
        if bad:
            continue
        symbol = fields["symbol"]
        if symbol in seen:
            errors.append(
                f"{name}:{line}: {fmt.columns['symbol']}: {symbol} repeats line {seen[symbol]}"
            )
            continue
        seen[symbol] = line
        rows[symbol] = fields
    if errors:
        raise ListingError(errors)
    return fmt, rows


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


def load(path: str, *, encoding: str = "auto", dry_run: bool = False) -> ListingResult:
    """Upsert the listing in `path` by symbol, in one transaction; nothing on any error."""
    fmt, rows = parse(read(path, encoding), path)
    result = ListingResult(file=path, format=fmt.name, rows=len(rows))
    fields = [f for f in fmt.columns if f != "symbol"]
    with transaction.atomic():
        existing = {
            s.symbol: s for s in StockMetadata.objects.select_for_update().filter(symbol__in=rows)
        }
        changed = []
        for symbol, values in rows.items():
            stored = existing.get(symbol)
            if stored is None:
                result.inserted += 1
            elif any(getattr(stored, f) != values[f] for f in fields):
                result.updated += 1
            else:
                result.unchanged += 1
                continue
            changed.append(StockMetadata(**values))
        StockMetadata.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["symbol"],
            update_fields=[*fields, "updated_at"],
            batch_size=1000,
        )
        if dry_run:
            transaction.set_rollback(True)
    return result
