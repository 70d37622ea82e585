"""The layouts of the market data files people keep, recognised by their header.

A bar needs a date (or a full time), open, high, low, close and volume. A file may also hold
the time of day in a column of its own (KIS minute bars), the symbol (a code column, one or
many symbols) and the interval (our canonical export). Each of these roles is found under
one of the names its sources print (ROLE_NAMES), ignoring case and surrounding spaces; other
columns are ignored. FORMATS names the sources we know, for the load record and for
`--format`, which insists on one. A file without a header names its columns with --columns.
"""

import re
from dataclasses import dataclass

from marketdata.loader.errors import shown
from marketdata.models import Interval
from marketdata.symbols import index_code

REQUIRED = ("date", "open", "high", "low", "close", "volume")
OPTIONAL = ("hour", "symbol", "interval")
PRICES = ("open", "high", "low", "close")
VALUES = (*PRICES, "volume")

# The names each role goes by, lower case, the likelier first.
ROLE_NAMES = {
    "date": ("date", "날짜", "일자", "stck_bsop_date", "datetime", "time"),
    "hour": ("stck_cntg_hour",),
    "symbol": ("symbol", "code", "ticker", "종목코드"),
    "interval": ("interval_type",),
    "open": ("open", "시가", "stck_oprc"),
    "high": ("high", "고가", "stck_hgpr"),
    "low": ("low", "저가", "stck_lwpr"),
    "close": ("close", "종가", "stck_clpr", "stck_prpr", "체결가"),
    "volume": ("volume", "거래량", "acml_vol", "cntg_vol"),
}


@dataclass(frozen=True)
class Format:
    """A source we know: the column each role has there, and columns that mark it."""

    name: str
    columns: dict[str, str]
    marks: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.name}: {', '.join(self.columns.values())}"


def _ohlcv(*names) -> dict[str, str]:
    return dict(zip(("date", *VALUES), names, strict=True))


# The first whose columns (and marks) a header has names the file.
FORMATS = [
    Format(
        "qb",
        {**_ohlcv("time", *VALUES), "symbol": "symbol", "interval": "interval_type"},
    ),
    Format(
        "kis-minute",
        {
            **_ohlcv(
                "stck_bsop_date", "stck_oprc", "stck_hgpr", "stck_lwpr", "stck_prpr", "cntg_vol"
            ),
            "hour": "stck_cntg_hour",
        },
    ),
    Format(
        "kis-daily",
        _ohlcv("stck_bsop_date", "stck_oprc", "stck_hgpr", "stck_lwpr", "stck_clpr", "acml_vol"),
    ),
    Format("krx-portal", _ohlcv("일자", "시가", "고가", "저가", "종가", "거래량"), ("대비",)),
    Format("pykrx", _ohlcv("날짜", "시가", "고가", "저가", "종가", "거래량")),
    Format(
        "marcap",
        {**_ohlcv("date", "open", "high", "low", "close", "volume"), "symbol": "ticker"},
        ("marcap",),
    ),
    Format("yahoo", _ohlcv("Date", "Open", "High", "Low", "Close", "Volume"), ("Adj Close",)),
    Format("fdr", _ohlcv("Date", "Open", "High", "Low", "Close", "Volume")),
]
BY_NAME = {f.name: f for f in FORMATS}
GENERIC = "generic"
COLUMNS = "columns"  # a file without a header, its columns named by --columns


class FormatError(ValueError):
    pass


@dataclass(frozen=True)
class Layout:
    """Where each role is in the rows of one file."""

    format: str
    names: tuple[str, ...]  # each column's name, as the header (or --columns) gives it
    position: dict[str, int]  # role -> column index
    has_header: bool = True

    def has(self, role: str) -> bool:
        return role in self.position

    def name(self, role: str) -> str:
        """The column of `role` as messages name it."""
        return self.names[self.position[role]] or f"column {self.position[role] + 1}"


def normal(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _find(role: str, names: list[str], position: dict[str, int]) -> None:
    for candidate in ROLE_NAMES[role]:
        if candidate in names:
            position[role] = names.index(candidate)
            return


def detect(header: list[str], forced: str = "auto") -> Layout:
    """The layout of a file with this header; `forced` names a format it must have."""
    names = [normal(c) for c in header]
    present = set(names)
    if forced != "auto":
        fmt = BY_NAME[forced]
        missing = [c for c in fmt.columns.values() if c.lower() not in present]
        if missing:
            raise FormatError(
                f"the header has no {', '.join(missing)} column, which format {forced} needs "
                f"({fmt.describe()})"
            )
        position = {role: names.index(c.lower()) for role, c in fmt.columns.items()}
        label = forced
    else:
        position = {}
        for role in REQUIRED:
            _find(role, names, position)
        missing = [r for r in REQUIRED if r not in position]
        if missing:
            raise FormatError(_missing_message(header, position, missing))
        label = next(
            (
                f.name
                for f in FORMATS
                if all(c.lower() in present for c in (*f.columns.values(), *f.marks))
            ),
            GENERIC,
        )
    for role in OPTIONAL:
        if role not in position:
            _find(role, names, position)
    return Layout(format=label, names=tuple(c.strip() for c in header), position=position)


def _looks_like_data(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9][0-9./:\- T+]*", value.strip().lstrip("\ufeff")))


def _missing_message(header: list[str], found: dict[str, int], missing: list[str]) -> str:
    if header and _looks_like_data(header[0]):
        return (
            f"the first line is data, not a header ({shown(','.join(header))}); name the "
            "columns with --columns, such as --columns date,open,high,low,close,volume"
        )
    looked = "; ".join(f"{role}: {', '.join(ROLE_NAMES[role])}" for role in missing)
    got = ", ".join(shown(c.strip()) or "(empty)" for c in header)
    message = f"the header has no {', '.join(missing)} column (looked for {looked}; found {got})"
    if "date" in found and "close" in found:
        message += (
            ". A file with closes only, such as Naver Finance's index pages, cannot make OHLCV bars"
        )
    else:
        message += (
            ". Case and surrounding spaces do not matter; a file without a header needs --columns"
        )
    return message


def from_columns(spec: str) -> Layout:
    """The layout --columns gives a file without a header: one role per column, in order;
    any other word (or -) marks a column to ignore."""
    names = tuple(normal(c) for c in spec.split(","))
    position = {}
    for i, name in enumerate(names):
        role = {"time": "date"}.get(name, name)
        if role in ROLE_NAMES:
            if role in position:
                raise FormatError(f"--columns names {name} twice")
            position[role] = i
    missing = [r for r in REQUIRED if r not in position]
    if missing:
        raise FormatError(
            f"--columns {shown(spec)}: no {', '.join(missing)}; name every column in order, "
            "such as date,open,high,low,close,volume,- (- or any other word: ignored)"
        )
    return Layout(format=COLUMNS, names=names, position=position, has_header=False)


# A file named 005930.csv, 005930_1d.csv.gz, 005930_daily.csv, 1001.csv or KOSPI.csv says its
# symbol; a suffix that is an interval (_1d, _15m) says that too.
FILE_NAME = re.compile(r"^(?P<stem>[^_.]+)(?:_(?P<suffix>[^.]*))?\.(csv|txt)(\.gz)?$", re.I)
_CODE = re.compile(r"^([0-9]{4}[0-9A-Z]{2}|[0-9]{4})$")


def from_file_name(name: str) -> tuple[str | None, str | None]:
    """(symbol, interval) that a file's name gives, each None when it gives none."""
    match = FILE_NAME.match(name)
    if not match:
        return None, None
    stem = match["stem"]
    symbol = stem if _CODE.match(stem) else index_code(stem)
    interval = match["suffix"] if match["suffix"] in Interval.values else None
    return symbol, interval
