"""The layouts of the market data files people keep, recognised by their header.

A bar needs a date (or a full time), open, high, low, close and volume. A file may also hold
the time of day in a column of its own (KIS minute bars), the symbol (a code column, one or
many symbols) and the interval (our canonical export). Each of these roles is found under
one of the names its sources print (ROLE_NAMES), ignoring case and surrounding spaces; other
columns are ignored. FORMATS names the sources we know, for the load record and for
`--format`, which insists on one. A file without a header names its columns with --columns.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from marketdata.loader.errors import shown
from marketdata.loader.mapping import SCALED, split_unit
from marketdata.models import Interval
from marketdata.symbols import index_code

REQUIRED = ("date", "open", "high", "low", "close", "volume")
OPTIONAL = ("hour", "symbol", "interval", "amount")
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
    # Investing.com calls the close Price (its files have Open, High and Low beside it).
    "close": ("close", "종가", "stck_clpr", "stck_prpr", "체결가", "price"),
    "volume": ("volume", "거래량", "acml_vol", "cntg_vol", "vol.", "vol"),
    "amount": ("amount", "거래대금", "acml_tr_pbmn"),
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
MAPPED = "mapped"  # roles given by --map
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
    # role -> the factor its values are multiplied by (units: 천주 1000), where not 1
    factors: dict[str, Decimal] = field(default_factory=dict, compare=False)

    def has(self, role: str) -> bool:
        return role in self.position

    def name(self, role: str) -> str:
        """The column of `role` as messages name it."""
        return self.names[self.position[role]] or f"column {self.position[role] + 1}"


def normal(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _find(role: str, names: list[str], position: dict[str, int]) -> None:
    taken = set(position.values())
    for candidate in ROLE_NAMES[role]:
        for i, name in enumerate(names):
            if name == candidate and i not in taken:
                position[role] = i
                return


def _mapped(header: list[str], mapped: dict) -> dict[str, int]:
    """The column of each mapped role: the header as written, or without its unit."""
    names = [normal(c) for c in header]
    bases = [normal(split_unit(c)[0]) for c in header]
    position, missing = {}, []
    for role, (wanted, _factor) in mapped.items():
        want = normal(wanted)
        found = next((i for i, n in enumerate(names) if n == want), None)
        if found is None:
            found = next((i for i, n in enumerate(bases) if n == want), None)
        if found is None:
            missing.append(wanted)
        else:
            position[role] = found
    if missing:
        got = ", ".join(shown(c.strip()) or "(empty)" for c in header)
        raise FormatError(
            f"--map: the header has no {', '.join(map(shown, missing))} column (found {got})"
        )
    return position


def _factors(header: list[str], position: dict[str, int], mapped: dict) -> dict[str, Decimal]:
    factors = {}
    for role, i in position.items():
        if role not in SCALED:
            continue
        factor = (mapped.get(role) or (None, None))[1] or split_unit(header[i].strip())[1]
        if factor is not None and factor != 1:
            factors[role] = factor
    return factors


def detect(header: list[str], forced: str = "auto", mapped: dict | None = None) -> Layout:
    """The layout of a file with this header; `forced` names a format it must have;
    `mapped` ({role: (header, factor)}, from --map) gives roles the header does not name
    as we know them. Units after a name (거래량(천주)) become factors."""
    mapped = mapped or {}
    names = [normal(split_unit(c)[0]) for c in header]
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
        position = _mapped(header, mapped)
        for role in REQUIRED:
            if role not in position:
                _find(role, names, position)
        missing = [r for r in REQUIRED if r not in position]
        if missing:
            raise FormatError(_missing_message(header, position, missing))
        label = (
            MAPPED
            if mapped
            else next(
                (
                    f.name
                    for f in FORMATS
                    if all(c.lower() in present for c in (*f.columns.values(), *f.marks))
                ),
                GENERIC,
            )
        )
    for role in OPTIONAL:
        if role not in position:
            _find(role, names, position)
    return Layout(
        format=label,
        names=tuple(c.strip() for c in header),
        position=position,
        factors=_factors(header, position, mapped),
    )


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
    mapping = " --map ".join(f"{role}=HEADER" for role in missing[:3])
    if "date" in found and "close" in found:
        # The file may hold them under names we do not know: never say it has closes only.
        message += (
            f". If the file holds them under other names, name them: --map {mapping}. "
            "A file with closes only, such as Naver Finance's index pages, cannot make OHLCV bars"
        )
    else:
        message += (
            f". Case and surrounding spaces do not matter; name a column we do not know with "
            f"--map, such as --map {mapping}; a file without a header needs --columns"
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
# symbol; a suffix that is an interval (_1d, _15m) says that too. Brokers write the code
# with a letter before it (A005930, Cybos and KIS), Yahoo with the exchange after it
# (005930.KS, 035720.KQ): the code inside is the symbol.
FILE_NAME = re.compile(
    r"^(?P<stem>[^_.]+)(?:\.(?:KS|KQ|KRX|KN))?(?:_(?P<suffix>[^.]*))?\.(csv|txt|xlsx)(\.gz)?$",
    re.I,
)
_CODE = re.compile(r"^[A-Z]?(?P<code>[0-9]{4}[0-9A-Z]{2}|[0-9]{4})$")


def from_file_name(name: str) -> tuple[str | None, str | None]:
    """(symbol, interval) that a file's name gives, each None when it gives none."""
    match = FILE_NAME.match(name)
    if not match:
        return None, None
    stem = match["stem"]
    code = _CODE.match(stem)
    symbol = code["code"] if code else index_code(stem)
    interval = match["suffix"] if match["suffix"] in Interval.values else None
    return symbol, interval
