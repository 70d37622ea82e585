"""The ways into `market_data`, tried in order (WAYS) by a FileLoad (loading.py), each in
a savepoint: direct_way for the canonical layout, typed_way into typed columns, text_way
into text columns parsed in SQL with every bad row named. One that cannot take the file
raises NotThisWay and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    connection,
    transaction,
)
from psycopg2.errors import CardinalityViolation, DeadlockDetected

from marketdata.loader import bar_queries, date_forms, formats, holidays
from marketdata.loader.errors import LoadError
from marketdata.loader.results import (
    MAX_ERRORS_SHOWN,
    MAX_LINES_SHOWN,
    NotThisWay,
    Result,
    SeriesCount,
    Summary,
    inserted,
)
from marketdata.loader.sources import rejects_path
from marketdata.models import Interval
from marketdata.sessions import KST
from marketdata.symbols import is_symbol
from marketdata.timescale import day_counts

if TYPE_CHECKING:
    from marketdata.loader.loading import FileLoad

CANONICAL_ROLES = {"date", "symbol", "interval", *formats.VALUES}


def _stage_for_a_fast_way(load: FileLoad, kind: str) -> None:
    """COPY the file into a staging table of `kind` ("times", "typed"). A value COPY
    cannot read, or a line the admission refuses: NotThisWay, the next way takes the file."""
    stage = load.stage
    if stage.date_form:  # a form the text way reads
        raise NotThisWay
    load.execute(*stage.create(kind))
    admit = stage.admit(dates_are_korean=ZoneInfo(load.opts.tz) == KST)
    try:
        with load.naive_times_in_tz():
            reader = load.copy(stage.copy(load.encoding), admit)
    except DataError as e:
        raise NotThisWay from e
    if reader.refused_at:
        raise NotThisWay


def direct_way(load: FileLoad) -> Result:
    """For our canonical layout, whose columns are market_data's: check the file in a
    staging table that types only its times (symbols, intervals, times that start their
    bars), then COPY it again straight into market_data. PostgreSQL writes rows from COPY
    in batches, several times faster than INSERT ... SELECT. Bars already stored, a row the
    table refuses, anything but a plain new load: the next way takes the file."""
    layout, opts, stage = load.layout, load.opts, load.stage
    if set(layout.position) != CANONICAL_ROLES or len(layout.names) != len(CANONICAL_ROLES):
        raise NotThisWay
    if opts.repair or opts.bar_time == "end" or layout.factors:
        raise NotThisWay
    if day_counts.kind() == day_counts.TRIGGERS:
        return _direct_counted_by_the_trigger(load)
    _stage_for_a_fast_way(load, "times")
    summary = load.summarize(stage.time_bars())
    ranges = load.ranges(summary, None, 0)
    if summary.bad or not ranges or load.overlap(ranges):
        raise NotThisWay
    result = load.counted(summary, None)
    result.compressed_chunks = load._allow_decompression(ranges)
    try:
        with transaction.atomic(), load.naive_times_in_tz(), load.marking_bars():
            load.copy(stage.copy_into_market_data(load.encoding))
    except (IntegrityError, DataError) as e:
        # A value or row the table refuses, or bars another loader wrote meanwhile.
        raise NotThisWay from e
    except DatabaseError as e:
        if isinstance(e.__cause__, DeadlockDetected):
            raise NotThisWay from e
        raise
    result.series = inserted(ranges, summary)
    result.way, result.write = "direct", "insert"
    return load.finished(result, summary)


def _direct_counted_by_the_trigger(load: FileLoad) -> Result:
    """The direct way where triggers keep the per-day counts (plain PostgreSQL): one COPY
    straight into market_data, no staging table. COPY's WHERE checks the times
    (bar_queries.copied_bar_check), the table the rest, and the insert trigger, which
    counts the bars per day anyway, hands the load its own counts, from which its series
    come (day_counts.hand_counts). A row that breaks a rule, bars already stored, a file
    of no bars: the next way takes the file, and names what is wrong."""
    stage = load.stage
    admit = stage.admit(dates_are_korean=ZoneInfo(load.opts.tz) == KST)
    copy = stage.copy_into_market_data(load.encoding, bar_queries.copied_bar_check())
    try:
        with transaction.atomic():
            day_counts.hand_counts()
            with load.naive_times_in_tz(), load.marking_bars():
                reader = load.copy(copy, admit)
            if reader.refused_at:
                raise NotThisWay
            # Read in the connection's own time zone, which Django's times assume.
            counts = day_counts.handed_series()
            if not counts or not all(is_symbol(symbol) for symbol, *_ in counts):
                raise NotThisWay
    except (IntegrityError, DataError) as e:
        raise NotThisWay from e
    except DatabaseError as e:
        if isinstance(e.__cause__, DeadlockDetected):
            raise NotThisWay from e
        raise
    summary = Summary([SeriesCount(*row) for row in counts], 0, 0, 0, 0, None)
    result = load.counted(summary, None)
    result.series = inserted(load.ranges(summary, None, 0), summary)
    result.way, result.write = "direct", "insert"
    return load.finished(result, summary)


def typed_way(load: FileLoad) -> Result:
    """COPY into typed columns, count the rows by series with one query, write them,
    enforcing every rule in the write. A value COPY cannot read, a date form PostgreSQL
    might read otherwise than the text way, a row that breaks a rule or a constraint, a
    repeated bar: the file goes the text way, which names them."""
    stage, opts = load.stage, load.opts
    _stage_for_a_fast_way(load, "typed")
    bars = stage.typed_bars()
    summary = load.summarize(bars)
    if summary.bad:
        raise NotThisWay
    interval, shift, aligned = load.resolve_interval(bars, summary)
    if not aligned or _holiday_copies(load, bars, interval):
        raise NotThisWay
    # A bar given twice goes the text way, which tells identical rows (one bar) from rows
    # that contradict each other (an error). Into an empty range DO UPDATE itself refuses
    # it (cardinality violation), at no cost; over stored bars it does not when one of the
    # rows equals the stored bar, and the other modes never do: they must look.
    good = bar_queries.good_rows(bars, interval=interval, shift=0)
    overlap = bool(summary.series) and load.overlap(load.ranges(summary, interval, shift))
    if (opts.on_conflict != "update" or overlap) and load.fetch(bar_queries.has_repeats(good)):
        raise NotThisWay
    try:
        with transaction.atomic():
            result = load.write(bars, summary, interval=interval, shift=shift, enforce=True)
    except (IntegrityError, DataError) as e:
        # A row that breaks a rule or a constraint, a price too large for the table: the
        # text way names each.
        raise NotThisWay from e
    except DatabaseError as e:
        # A bar given twice to DO UPDATE: the text way names both lines.
        if isinstance(e.__cause__, CardinalityViolation):
            raise NotThisWay from e
        raise
    result.way = "typed"
    return result


def text_way(load: FileLoad) -> Result:
    """COPY into text columns, parse every value in SQL and name every bad row."""
    stage, opts = load.stage, load.opts
    load.execute(*stage.create("text"))
    try:
        with transaction.atomic():
            load.copy(stage.copy(load.encoding))
    except DatabaseError as e:
        raise load.copy_error(e) from e
    load.execute(stage.drop_blank_rows())
    if stage.date_form is None:
        ((present, iso),) = load.fetch(stage.date_form_query(candidates=False))
        if iso < present:
            (counts,) = load.fetch(stage.date_form_query(candidates=True))
            stage.date_form = date_forms.choose(counts, load.name, load.layout.name("date"))
    if stage.date_form:
        load.execute(*stage.map_dates())
    load.execute(stage.parse(), stage.mark_contradictions())
    ((duplicates, duplicate_lines),) = load.fetch(stage.drop_duplicates(MAX_LINES_SHOWN))
    load.execute(stage.analyze_parsed())
    bars = stage.text_bars()
    summary = load.summarize(bars)
    interval, shift, aligned = load.resolve_interval(bars, summary)
    holidays = _holiday_copies(load, bars, interval)
    if holidays:
        load.cursor.execute(load.render(stage.drop_lines()), [holidays])
        summary = load.summarize(bars)
    if not aligned:
        load.execute(stage.mark_misaligned(interval))
        summary = load.summarize(bars)
    rejects = None
    if summary.bad:
        errors = [
            f"{load.name}:{line}: {column}: {message}"
            for line, column, message in load.fetch(stage.errors(MAX_ERRORS_SHOWN))
        ]
        if not opts.skip_invalid:
            target = rejects_path(load.source.path, opts.rejects_dir)
            raise LoadError(
                errors,
                total=summary.bad,
                hint=f"--skip-invalid loads the other rows and writes these to {target}",
            )
        rejects = (errors, _write_rejects(load, stage))
    result = load.write(bars, summary, interval=interval, shift=shift, enforce=False)
    result.way = "text"
    result.duplicates, result.duplicate_lines = duplicates, duplicate_lines
    result.holidays, result.holiday_lines = len(holidays), holidays[:MAX_LINES_SHOWN]
    result.rows += duplicates + len(holidays)
    if rejects:
        result.rejected = summary.bad
        result.errors, result.rejects_path = rejects
    return result


WAYS = (direct_way, typed_way, text_way)


def _holiday_copies(load: FileLoad, bars, interval: str | None) -> list[int]:
    """The lines of daily rows on days KRX was closed that copy the day before (holidays.py),
    found once per file: the text way reuses what the typed way found."""
    if interval != Interval.DAY:
        return []
    if load.holiday_lines is None:
        load.holiday_lines = holidays.holiday_lines(load.fetch(holidays.copies(bars)))
    return load.holiday_lines


def _write_rejects(load: FileLoad, stage) -> Path:
    target = rejects_path(load.source.path, load.opts.rejects_dir)
    try:
        with target.open("w", encoding="utf-8", newline="") as out, connection.wrap_database_errors:
            load.cursor.copy_expert(load.render(stage.rejects()), out)
    except OSError as e:
        raise LoadError([f"{target}: cannot write the rejected rows: {e.strerror}"]) from e
    return target


# --- options -------------------------------------------------------------------------------
