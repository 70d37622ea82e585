"""Load market data files into `market_data` at close to COPY speed.

A FileLoad takes one file from its head to its write:
1. Python reads the head only (marketdata/loader/sources.py): comment lines, the header, a sample
   for the encoding. The header gives the layout (marketdata/loader/formats.py); the options or
   the file's name give what the file does not hold (symbol, interval).
2. The ways in are tried in order (WAYS), each in a savepoint, so that one that cannot take
   the file leaves nothing behind; each streams the file through COPY:
   - direct_way, for our canonical layout: its times checked in a staging table, then the
     file COPYed straight into market_data;
   - typed_way: into typed columns, counted by one set-based query, the rules enforced by
     the write;
   - text_way: into text columns, parsed in SQL, every bad row named with its line, column
     and value.
3. Nothing fixing the interval, the spacing of the times gives it (marketdata/loader/intervals.py).
4. The write of the typed and text ways: a plain INSERT when none of the file's series
   overlap stored bars, else one INSERT ... ON CONFLICT in key order, so that loaders
   running at once never deadlock.
Memory does not grow with the file, nor the number of queries with its rows.
"""

import contextlib
import datetime as dt
import functools
import itertools
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import (
    DatabaseError,
    connection,
    transaction,
)
from django.utils import timezone
from psycopg2 import sql
from psycopg2.errors import DeadlockDetected, UniqueViolation

from marketdata.loader import bar_queries, formats, intervals, staging
from marketdata.loader import history as load_history
from marketdata.loader.errors import LoadError
from marketdata.loader.results import (
    BAR_TIMES,
    MAX_ERRORS_SHOWN,
    MAX_LINES_SHOWN,
    ON_CONFLICT,
    NotThisWay,
    Options,
    Result,
    Series,
    SeriesCount,
    Summary,
    inserted,
)
from marketdata.loader.sources import CHUNK, TOO_LONG, LineReader, Source, read_head
from marketdata.loader.ways import WAYS
from marketdata.models import Interval, StockMetadata
from marketdata.symbols import is_symbol, symbol_named
from marketdata.timescale import day_counts
from marketdata.timescale import hypertable as timescale

__all__ = ["BAR_TIMES", "ON_CONFLICT", "LoadError", "Options", "Result", "load"]


_counter = itertools.count()


class FileLoad:
    """One file: its head, its layout, then the ways in, tried in order."""

    def __init__(self, source: Source, opts: Options, progress=None):
        self.source = source
        self.name = source.name
        self.opts = opts
        self.progress = progress and functools.partial(
            progress, self.name, total=source.readable_size
        )
        layout = _columns_layout(opts)
        self.head = read_head(source, has_header=layout is None)
        self.encoding = self.head.encoding(opts.encoding, self.name)
        if layout is None:
            header = self.head.header_names(self.encoding, self.name)
            try:
                layout = formats.detect(header, opts.format)
            except formats.FormatError as e:
                raise LoadError([f"{self.name}:{self.head.first_line - 1}: {e}"]) from e
        self.layout = layout
        self.symbol, self.interval = _symbol_and_interval(layout, self.name, opts)
        self.stage = staging.Stage(
            layout=layout,
            symbol=self.symbol,
            interval=self.interval,
            tz=opts.tz,
            repair=opts.repair,
            first_line=self.head.first_line,
            n=next(_counter),
        )
        self.cursor = None
        self.load_id = None  # the record of this load, once it has one

    def run(self) -> Result:
        """Try each way in, in order, until one takes the file. A way that fails rolls back
        its savepoint, staging tables included; the one that succeeds drops them."""
        with connection.cursor() as cursor:
            self.cursor = cursor
            for way in WAYS:
                try:
                    with transaction.atomic():
                        result = way(self)
                        self.execute(*self.stage.drop())
                        return result
                except NotThisWay:
                    continue
        raise AssertionError("the text way takes every file")  # pragma: no cover

    # --- steps the ways share -------------------------------------------------------------

    def render(self, statement: sql.Composable) -> str:
        """The text of a statement, as Django's query log wants it."""
        return statement.as_string(self.cursor.cursor)

    def execute(self, *statements):
        for statement in statements:
            self.cursor.execute(self.render(statement))

    def fetch(self, statement, params=None) -> list[tuple]:
        self.cursor.execute(self.render(statement), params)
        return self.cursor.fetchall()

    def copy(self, statement, admit: bytes | None = None) -> LineReader:
        """COPY the file's rows with `statement`; the reader says whether it stopped early."""
        with self.source.open_at(self.head.data_offset) as stream:
            reader = LineReader(
                stream,
                head=self.head,
                admit=admit and re.compile(admit),
                progress=self.progress,
            )
            # copy_expert is psycopg2's own: map its errors to Django's, as execute() does.
            with connection.wrap_database_errors:
                self.cursor.copy_expert(self.render(statement), reader, CHUNK)
        if reader.too_long_at:
            raise LoadError([f"{self.name}:{reader.too_long_at}: {TOO_LONG}"])
        if reader.failure:
            raise LoadError([f"{self.name}: cannot read: {reader.failure}"])
        return reader

    @contextlib.contextmanager
    def naive_times_in_tz(self):
        """Naive times that COPY reads into timestamptz are in --tz while it runs. The way
        runs in a savepoint: if COPY fails, rolling it back restores the zone too."""
        zone = sql.SQL("SELECT set_config('TimeZone', {}, true)")
        self.execute(zone.format(sql.Literal(self.opts.tz)))
        yield
        self.execute(zone.format(sql.Literal(connection.timezone_name)))

    def summarize(self, bars) -> Summary:
        """Count the staged rows by series. A series whose symbol or interval is not one we
        keep counts as bad rows: the text way names each of them."""
        spacing = self.interval is None and not self.layout.has("interval")
        series, skipped, bad, repaired, intraday, between = [], 0, 0, 0, 0, []
        for symbol, iv, n, first, last, s, b, r, i, line in self.fetch(
            bar_queries.summary(bars, spacing=spacing)
        ):
            skipped, bad = skipped + s, bad + b
            if not n:
                continue
            known_interval = iv in Interval.values or not self.layout.has("interval")
            if not is_symbol(symbol or "") or not known_interval:
                bad += n
                continue
            series.append(SeriesCount(symbol, iv, n, first, last))
            repaired, intraday = repaired + r, intraday + (i or 0)
            if line:
                between.append(line)
        return Summary(series, skipped, bad, repaired, intraday, min(between, default=None))

    def resolve_interval(self, bars, summary: Summary) -> tuple[str | None, int, bool]:
        """(the interval of every bar, None when a column gives each its own; minutes to
        move the times back by, for bars stamped with their end; whether every bar sits on
        the interval's grid)."""
        if self.layout.has("interval"):
            if self.opts.bar_time == "end":
                raise LoadError(
                    [f"{self.name}: --bar-time end needs one interval; this file has a column"]
                )
            return None, 0, True
        interval, minutes, aligned = self.interval, None, True
        if summary.intraday or (interval and intervals.is_intraday(interval)):
            if summary.between_minutes:
                raise LoadError(
                    [
                        f"{self.name}:{summary.between_minutes}: {self.layout.name('date')}: "
                        "a bar cannot start between whole minutes"
                    ]
                )
            minutes = [m for (m,) in self.fetch(bar_queries.minutes_of_day(bars))]
        if interval is None:
            if minutes is None:
                spans = [
                    intervals.SeriesSpan(s.bars, (s.last - s.first).total_seconds() / 86400)
                    for s in summary.series
                ]
                interval = intervals.daily_interval(spans, self.name)
            else:
                interval = intervals.minute_interval(minutes, self.name)
                size = intervals.MINUTES[interval]
                aligned = all(m % size == 0 for m in minutes)
        shift = 0
        if intervals.is_intraday(interval):
            if self.opts.bar_time is None and intervals.looks_end_stamped(minutes or [], interval):
                raise LoadError(
                    [
                        f"{self.name}: the {interval} bars run from "
                        f"{_hhmm(min(minutes))} to {_hhmm(max(minutes))} KST: stamped with "
                        "their end, it seems. Pass --bar-time end to move each back to its "
                        "start, or --bar-time start to load them as they are"
                    ]
                )
            if self.opts.bar_time == "end":
                shift = intervals.MINUTES[interval]
        elif self.opts.bar_time == "end":
            raise LoadError(
                [f"{self.name}: --bar-time end is for minute bars; these are {interval} bars"]
            )
        return interval, shift, aligned

    def write(
        self,
        bars: sql.Composable,
        summary: Summary,
        *,
        interval: str | None,
        shift: int,
        enforce: bool,
    ) -> Result:
        """Write the good rows of `bars` and count what happened. `enforce`: the rows were
        not checked, the write enforces the rules (staging.good_rows)."""
        opts = self.opts
        result = self.counted(summary, interval)
        if summary.repaired:
            result.repaired_lines = self._lines(bars, sql.SQL("ok AND repaired"))
        good = bar_queries.good_rows(
            bars, interval=interval, shift=shift, load_id=self.load_id, enforce=enforce
        )
        if opts.on_conflict == "error":
            self._refuse_stored(good)
        ranges = self.ranges(summary, interval, shift)
        result.compressed_chunks = self._allow_decompression(ranges)
        result.write = "merge" if ranges and self.overlap(ranges) else "insert"
        if result.write == "insert":
            try:
                with transaction.atomic():
                    self.execute(bar_queries.insert(good))
                result.series = inserted(ranges, summary)
            except DatabaseError as e:
                # Another loader wrote some of these bars meanwhile, or the file repeats a
                # bar (which the merge reports): merge instead.
                if not isinstance(e.__cause__, (UniqueViolation, DeadlockDetected)):
                    raise
                result.write = "merge"
        if result.write == "merge":
            keep_phantoms = opts.on_conflict == "update" and not opts.replace_phantoms
            if keep_phantoms:
                ((result.phantoms, lines),) = self.fetch(
                    bar_queries.phantoms(good, MAX_LINES_SHOWN)
                )
                result.phantom_lines = lines or []
            rows = self.fetch(
                bar_queries.merge(good, on_conflict=opts.on_conflict, keep_phantoms=keep_phantoms)
            )
            result.series = [Series(*row) for row in rows]
        return self.finished(result, summary)

    def counted(self, summary: Summary, interval: str | None) -> Result:
        """A result with what the summary counted."""
        return Result(
            file=self.name,
            format=self.layout.format,
            encoding=self.encoding,
            interval=interval or ", ".join(sorted({s.interval for s in summary.series})),
            rows=summary.rows,
            skipped=summary.skipped,
            repaired=summary.repaired,
        )

    def ranges(self, summary: Summary, interval: str | None, shift: int) -> list[tuple]:
        """(symbol, interval, first, last) of each series, the bars' start times."""
        move = dt.timedelta(minutes=shift)
        return [
            (s.symbol, interval or s.interval, s.first - move, s.last - move)
            for s in summary.series
        ]

    def finished(self, result: Result, summary: Summary) -> Result:
        """`result` with its totals, and the symbols without stock metadata."""
        result.inserted = sum(s.inserted for s in result.series)
        result.updated = sum(s.updated for s in result.series)
        result.unchanged = summary.bars - result.inserted - result.updated - result.phantoms
        symbols = {s.symbol for s in result.series}
        known = StockMetadata.objects.filter(symbol__in=symbols).values_list("symbol", flat=True)
        result.without_metadata = sorted(symbols - set(known))
        return result

    @contextlib.contextmanager
    def marking_bars(self):
        """Bars that COPY writes straight into market_data take their load_id from the
        table's default, which reads this transaction-local setting (migration 0008)."""
        mark = sql.SQL("SELECT set_config('qb.load_id', {}, true)")
        self.execute(mark.format(sql.Literal(str(self.load_id or ""))))
        yield
        self.execute(mark.format(sql.Literal("")))

    def _allow_decompression(self, ranges) -> int:
        """A write into compressed chunks decompresses what it touches, and a TimescaleDB
        server limits how much one transaction may decompress. Backfills are what the
        loader is for: it lifts the limit for its own transaction, and counts the compressed
        chunks it writes into."""
        chunks = timescale.compressed_chunks_holding(connection, [r[2:] for r in ranges])
        if chunks:
            timescale.lift_decompression_limit(connection)
        return chunks

    def _lines(self, bars, condition) -> list[int]:
        rows = self.fetch(bar_queries.lines_where(bars, condition, MAX_LINES_SHOWN))
        return [line for (line,) in rows]

    def overlap(self, ranges) -> bool:
        symbols, ivs, firsts, lasts = map(list, zip(*ranges, strict=True))
        ((overlap,),) = self.fetch(bar_queries.overlaps(), [symbols, ivs, firsts, lasts])
        return overlap

    def _refuse_stored(self, good):
        clashes = self.fetch(bar_queries.conflicts(good, MAX_ERRORS_SHOWN))
        if clashes:
            raise LoadError(
                [
                    f"{self.name}:{line}: {self.layout.name('date')}: the bar of {symbol} {iv} at "
                    f"{when.astimezone(ZoneInfo(self.opts.tz)):%Y-%m-%d %H:%M:%S%z} is already "
                    "stored (--on-conflict error)"
                    for line, when, symbol, iv in clashes
                ]
            )

    def copy_error(self, e: DatabaseError) -> LoadError:
        """COPY's own errors (column count, encoding) as "file:line: message"."""
        e = e.__cause__ or e
        context = getattr(e.diag, "context", None) or ""
        match = re.search(r"line (\d+)", context)
        where = self.name
        if match:
            where += f":{self.head.first_line + int(match.group(1)) - 1}"
        message = e.diag.message_primary or str(e).splitlines()[0]
        if "invalid byte sequence" in message or "has no equivalent" in message:
            message += "; pass --encoding (utf-8, utf-8-sig or cp949)"
        return LoadError([f"{where}: {message}"])


# --- the ways in, fastest first -----------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _columns_layout(opts: Options) -> formats.Layout | None:
    if opts.columns is None:
        return None
    try:
        return formats.from_columns(opts.columns)
    except formats.FormatError as e:
        raise LoadError([str(e)]) from e


def _symbol_and_interval(layout, name: str, opts: Options) -> tuple[str | None, str | None]:
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


def check_options(opts: Options) -> None:
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
    _columns_layout(opts)
    if problems:
        raise LoadError(problems)


def load_file(path: str, opts: Options, *, progress=None, user=None, os_user="") -> Result:
    """Load one file inside the caller's transaction and record the load. Raises LoadError,
    writing nothing. `progress(name, bytes read, total=bytes or None)` is called as COPY
    reads the file; `user` (a staff user) or `os_user` ran it."""
    started, clock = timezone.now(), time.monotonic()
    source = Source(path)
    try:
        file_load = FileLoad(source, opts, progress)
        record = load_history.begin(
            source=source,
            layout_format=file_load.layout.format,
            encoding=file_load.encoding,
            opts=opts,
            user=user,
            os_user=os_user,
            started=started,
        )
        file_load.load_id = record.pk
        result = file_load.run()
        load_history.finish(record, result, seconds=time.monotonic() - clock)
        day_counts.changed(
            [day_counts.Change(s.symbol, s.interval, s.first, s.last) for s in result.series]
        )
        result.load_id = record.pk
        return result
    finally:
        source.close()


def load(paths, opts: Options, *, progress=None, user=None, os_user="") -> list[Result]:
    """Load every file: all in one transaction, or each file in its own with skip_invalid.
    A dry run does the same work and rolls it back."""
    check_options(opts)
    run = functools.partial(load_file, opts=opts, progress=progress, user=user, os_user=os_user)
    results = []
    if opts.skip_invalid and not opts.dry_run:
        for path in paths:
            with transaction.atomic():
                results.append(run(path))
        return results
    with transaction.atomic():
        for path in paths:
            results.append(run(path))
        if opts.dry_run:
            transaction.set_rollback(True)
    return results
