"""What a load is asked (Options) and what it did (Result, Summary, Series): the
record the command prints, the admin shows and the load history keeps."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

ON_CONFLICT = ("update", "skip", "error")
BAR_TIMES = ("start", "end")
MAX_ERRORS_SHOWN = 50
MAX_LINES_SHOWN = 20


@dataclass
class Options:
    symbol: str | None = None
    interval: str | None = None
    format: str = "auto"
    columns: str | None = None  # the roles of a headerless file's columns, in order
    tz: str = "Asia/Seoul"
    encoding: str = "auto"
    bar_time: str | None = None  # start or end; None: start, unless the times say end
    on_conflict: str = "update"
    repair: bool = False  # widen high and low that miss open or close by one tick at most
    replace_phantoms: bool = False
    skip_invalid: bool = False
    rejects_dir: str | None = None  # where PATH.rejects.csv goes; beside the file by default
    dry_run: bool = False


@dataclass
class Series:
    """The bars one load wrote of one symbol and interval."""

    symbol: str
    interval: str
    first: dt.datetime
    last: dt.datetime
    inserted: int = 0
    updated: int = 0

    @property
    def bars(self) -> int:
        return self.inserted + self.updated


@dataclass
class Result:
    file: str
    format: str = ""
    encoding: str = ""
    way: str = ""  # direct, typed or text: how the rows came in
    write: str = ""  # insert or merge: how they went into market_data
    interval: str = ""
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    repaired: int = 0
    phantoms: int = 0
    errors: list[str] = field(default_factory=list)
    repaired_lines: list[int] = field(default_factory=list)
    phantom_lines: list[int] = field(default_factory=list)
    rejects_path: Path | None = None
    series: list[Series] = field(default_factory=list)
    without_metadata: list[str] = field(default_factory=list)
    compressed_chunks: int = 0
    load_id: int | None = None

    def summary(self) -> str:
        return (
            f"inserted {self.inserted:,}, updated {self.updated:,}, unchanged {self.unchanged:,}, "
            f"skipped {self.skipped:,} (no trading), rejected {self.rejected:,}"
        )


def inserted(ranges: list[tuple], summary: "Summary") -> list[Series]:
    """The series of a write that inserted every bar counted."""
    return [Series(*r, inserted=s.bars) for r, s in zip(ranges, summary.series, strict=True)]


class NotThisWay(Exception):
    """This way in cannot take the file; the next one will."""


@dataclass
class SeriesCount:
    symbol: str | None
    interval: str | None
    bars: int
    first: dt.datetime | None
    last: dt.datetime | None


@dataclass
class Summary:
    """What one query found in the staged rows."""

    series: list[SeriesCount]
    skipped: int
    bad: int
    repaired: int
    intraday: int  # good bars not at 00:00 KST
    between_minutes: int | None  # the first line of a good bar not on a whole minute

    @property
    def bars(self) -> int:
        return sum(s.bars for s in self.series)

    @property
    def rows(self) -> int:
        return self.bars + self.skipped + self.bad
