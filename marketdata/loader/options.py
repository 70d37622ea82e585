"""What the options and a file's name say before the file is read: the options checked
together, the layout --columns gives a headerless file, and the symbol and interval of a
file without columns for them."""

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marketdata.loader import date_forms, formats, layouts, mapping
from marketdata.loader.errors import LoadError
from marketdata.loader.results import BAR_TIMES, Options
from marketdata.models import Interval
from marketdata.symbols import symbol_named


def columns_layout(opts: Options) -> formats.Layout | None:
    if opts.columns is None:
        return None
    try:
        return formats.from_columns(opts.columns)
    except formats.FormatError as e:
        raise LoadError([str(e)]) from e


def symbol_and_interval(layout, name: str, opts: Options) -> tuple[str | None, str | None]:
    """The symbol and interval of every bar, where the file has no column for them."""
    named_symbol, named_interval = formats.from_file_name(Path(name).name)
    symbol = (opts.symbol and symbol_named(opts.symbol)) or named_symbol
    interval = opts.interval or named_interval
    problems = []
    if layout.has("symbol"):
        if opts.symbol:
            problems.append(
                f"{name}: --symbol {opts.symbol}: the file has its own symbol column "
                f"({layout.name('symbol')})"
            )
        symbol = None
    elif symbol is None:
        problems.append(
            f"{name}: no symbol: the file has no symbol column; pass --symbol or name the "
            "file like 005930.csv"
        )
    if layout.has("interval"):
        if opts.interval:
            problems.append(
                f"{name}: --interval {opts.interval}: the file has its own interval column "
                f"({layout.name('interval')})"
            )
        interval = None
    if problems:
        raise LoadError(problems)
    return symbol, interval


def check(opts: Options) -> None:
    problems = []
    if opts.symbol and not symbol_named(opts.symbol):
        problems.append(
            f"--symbol {opts.symbol}: not a KRX code (six characters, such as 005930) or an "
            "index (1001 or KOSPI, 1028 or KOSPI 200, 2001 or KOSDAQ, 2203 or KOSDAQ 150)"
        )
    if opts.interval and opts.interval not in Interval.values:
        problems.append(f"--interval {opts.interval}: not one of {', '.join(Interval.values)}")
    if opts.bar_time not in (None, *BAR_TIMES):
        problems.append(f"--bar-time {opts.bar_time}: not start or end")
    try:
        ZoneInfo(opts.tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"--tz {opts.tz}: not a time zone name such as Asia/Seoul")
    columns_layout(opts)
    try:
        mapping.parse_map(opts.maps)
        date_forms.parse(opts.date_format)
    except (mapping.MappingError, date_forms.DateFormError) as e:
        problems.append(str(e))
    problems += layouts.check_name(opts.save_layout)
    if problems:
        raise LoadError(problems)
