"""The market data file shapes the loader reads, recognised by their header.

Each format names, for each role a bar needs, the column that holds it. Files come from
pykrx and FinanceDataReader (`DataFrame.to_csv()`), the KIS REST API and our own export.
"""

import re
from dataclasses import dataclass, field

from marketdata.models import Interval

ROLES = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Format:
    name: str
    date: str  # column with the date or the full timestamp
    columns: dict[str, str]  # role -> column name, for ROLES
    hour: str | None = None  # column with HHMMSS, when the time is split from the date
    symbol: str | None = None  # column with the symbol, when the file has one
    interval: str | None = None  # column with the interval, when the file has one
    default_interval: str | None = None
    extra: tuple[str, ...] = field(default=())  # other columns it may carry, ignored

    @property
    def required(self) -> list[str]:
        named = [self.date, self.hour, self.symbol, self.interval, *self.columns.values()]
        return [c for c in named if c]

    def describe(self) -> str:
        return f"{self.name}: {', '.join(self.required)}"


FORMATS = [
    Format(
        "qb",
        date="time",
        symbol="symbol",
        interval="interval_type",
        columns={r: r for r in ROLES},
    ),
    Format(
        "kis-minute",
        date="stck_bsop_date",
        hour="stck_cntg_hour",
        columns={
            "open": "stck_oprc",
            "high": "stck_hgpr",
            "low": "stck_lwpr",
            "close": "stck_prpr",
            "volume": "cntg_vol",
        },
        default_interval=Interval.MIN_1,
    ),
    Format(
        "kis-daily",
        date="stck_bsop_date",
        columns={
            "open": "stck_oprc",
            "high": "stck_hgpr",
            "low": "stck_lwpr",
            "close": "stck_clpr",
            "volume": "acml_vol",
        },
        default_interval=Interval.DAY,
    ),
    Format(
        "pykrx",
        date="날짜",
        columns={
            "open": "시가",
            "high": "고가",
            "low": "저가",
            "close": "종가",
            "volume": "거래량",
        },
        default_interval=Interval.DAY,
    ),
    Format(
        "fdr",
        date="Date",
        columns={
            "open": "Open",
            "high": "High",
            "low": "Low",
            "close": "Close",
            "volume": "Volume",
        },
        default_interval=Interval.DAY,
    ),
]
BY_NAME = {f.name: f for f in FORMATS}

# A file named 005930.csv or 005930_1d.csv(.gz) says its symbol and interval.
FILE_NAME = re.compile(
    r"^(?P<symbol>[0-9]{4}[0-9A-Z]{2})(?:_(?P<interval>\d+[mdwM]))?\.(csv|txt)(\.gz)?$"
)


class FormatError(ValueError):
    pass


def unknown_header_message(header) -> str:
    formats = "; ".join(f.describe() for f in FORMATS)
    return f"unknown header {','.join(header)}. Known formats and the columns each needs: {formats}"


def detect(header: list[str], name: str = "auto") -> Format:
    """The format whose columns the header has (`name` forces one)."""
    present = set(header)
    if name != "auto":
        fmt = BY_NAME[name]
        missing = [c for c in fmt.required if c not in present]
        if missing:
            raise FormatError(
                f"the header has no {', '.join(missing)} column, which format {name} needs "
                f"({fmt.describe()})"
            )
        return fmt
    for fmt in FORMATS:
        if all(c in present for c in fmt.required):
            return fmt
    raise FormatError(unknown_header_message(header))
