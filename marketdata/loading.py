"""Load market data files into `market_data` at close to COPY speed.

How: Python reads only the header (to recognise the format and the encoding); PostgreSQL's
COPY streams the rest, and set-based SQL checks and merges it (marketdata/staging.py).
A clean canonical file of new bars goes straight into market_data; otherwise a typed
staging table and one INSERT ... ON CONFLICT in key order, so that loaders running at once
never deadlock; a file with bad rows goes through text staging, where every bad row gets
its error with line, column and value. Each way in runs in a savepoint, so a way that
cannot take the file leaves nothing behind. Memory does not grow with the file.
"""

import contextlib
import csv
import functools
import gzip
import itertools
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)
from psycopg2.errors import CardinalityViolation, DeadlockDetected

from marketdata import encodings, staging
from marketdata.formats import FILE_NAME, FormatError, detect
from marketdata.models import Interval
from marketdata.symbols import is_symbol

ON_CONFLICT = ("update", "skip", "error")
MAX_ERRORS_SHOWN = 50
SAMPLE_BYTES = 1 << 16


class LoadError(Exception):
    """The run failed; `errors` are complete lines for the user ("file:line: ...")."""

    def __init__(self, errors, total=None):
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__("\n".join(self.errors))


@dataclass
class Options:
    symbol: str | None = None
    interval: str | None = None
    format: str = "auto"
    tz: str = "Asia/Seoul"
    encoding: str = "auto"
    on_conflict: str = "update"
    skip_invalid: bool = False
    dry_run: bool = False


@dataclass
class Result:
    file: str
    format: str = ""
    encoding: str = ""
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    halted: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    rejects_path: Path | None = None

    def summary(self) -> str:
        return (
            f"inserted {self.inserted:,}, updated {self.updated:,}, unchanged {self.unchanged:,}, "
            f"skipped {self.halted:,} (halted), rejected {self.rejected:,}"
        )


class _Reader:
    """A binary stream that reports progress as COPY reads it and, for the fast ways in,
    refuses (with _Fallback) a line that `admit` does not match from start to end."""

    def __init__(self, stream, progress=None, admit=None):
        self._stream = stream
        self._progress = progress
        self._admit = admit
        self._partial = b""
        self.read_bytes = 0
        self.refused = False

    def read(self, size=-1):
        chunk = self._stream.read(size)
        self.read_bytes += len(chunk)
        if self._progress:
            self._progress(self.read_bytes)
        if self._admit:
            self._check(chunk)
        return chunk

    def _check(self, chunk):
        # One C-level match over every whole line of the chunk: no per-row Python.
        data = self._partial + chunk
        cut = data.rfind(b"\n") + 1 if chunk else len(data)
        if chunk and not cut:
            self._partial = data
            return
        whole, self._partial = data[:cut], data[cut:]
        if not chunk and whole and not whole.endswith(b"\n"):
            whole += b"\n"
        if self._admit.fullmatch(whole) is None:
            self.refused = True
            raise _Fallback  # psycopg2 aborts the COPY with its own error


class _Source:
    """A file that can be read again from its start. Standard input is spooled to a
    temporary file first (on disk, so memory stays flat); .gz files are read directly."""

    def __init__(self, path: str):
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self._spool = None
        if path == "-":
            with tempfile.NamedTemporaryFile(prefix="qb-stdin-", delete=False) as spool:
                shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
            self._spool = spool.name

    def open(self):
        try:
            if self._spool:
                return open(self._spool, "rb")
            if self.path.endswith(".gz"):
                return gzip.open(self.path, "rb")
            return open(self.path, "rb")
        except OSError as e:
            raise LoadError([f"{self.path}: cannot open: {e.strerror}"]) from e

    def close(self):
        if self._spool:
            Path(self._spool).unlink(missing_ok=True)


def _read_head(stream, name) -> tuple[bytes, bytes]:
    """The header line and a sample of what follows it."""
    try:
        header = stream.readline()
        sample = stream.read(SAMPLE_BYTES)
        # Finish the sample's last line so that it decodes whole.
        sample += stream.readline()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise LoadError([f"{name}: cannot read: {e}"]) from e
    if not header.strip():
        raise LoadError([f"{name}: the file is empty; a header line is expected"])
    return header, sample


def _encoding(header: bytes, sample: bytes, asked: str, name: str) -> str:
    if asked != "auto":
        return asked
    try:
        return encodings.guess(header + sample)
    except encodings.EncodingUnknown as e:
        raise LoadError([f"{name}:1: {e}"]) from e


def _header(raw: bytes, encoding: str, name: str) -> list[str]:
    try:
        text = raw.decode(encoding)
        return [c.strip().lstrip("\ufeff") for c in next(csv.reader([text]))]
    except UnicodeDecodeError as e:
        raise LoadError([f"{name}:1: the header is not {encoding}: {e.reason}"]) from e
    except csv.Error as e:
        raise LoadError([f"{name}:1: the header is not CSV: {e}"]) from e


def _symbol_and_interval(fmt, name: str, opts: Options) -> tuple[str | None, str | None]:
    match = FILE_NAME.match(Path(name).name)
    symbol = opts.symbol or (match and match["symbol"]) or None
    interval = opts.interval or (match and match["interval"]) or fmt.default_interval
    problems = []
    if fmt.symbol is None and symbol is None:
        problems.append(
            f"{name}: no symbol: format {fmt.name} has no symbol column; pass --symbol or "
            "name the file like 005930.csv"
        )
    if fmt.interval is None and interval is None:
        problems.append(f"{name}: no interval: pass --interval")
    if problems:
        raise LoadError(problems)
    return (None if fmt.symbol else symbol), (None if fmt.interval else interval)


_counter = itertools.count()


def _copy_error(e, name) -> LoadError:
    """COPY's own errors (column count, encoding) as "file:line: message"."""
    e = e.__cause__ or e
    context = getattr(e.diag, "context", None) or ""
    match = re.search(r"line (\d+)", context)
    where = f"{name}:{int(match.group(1)) + 1}" if match else name
    message = e.diag.message_primary or str(e).splitlines()[0]
    if "invalid byte sequence" in message or "has no equivalent" in message:
        message += "; pass --encoding (utf-8, utf-8-sig or cp949)"
    return LoadError([f"{where}: {message}"])


class _Fallback(Exception):
    """This way in cannot take the file; the next one will."""


def _copy(cursor, sql, source, progress, admit=None):
    """COPY the file after its header line (which holds the BOM, if any) with `sql`."""
    with source.open() as stream:
        stream.readline()
        reader = _Reader(stream, progress, admit)
        try:
            # copy_expert is psycopg2's own: map its errors to Django's like execute() does.
            with connection.wrap_database_errors, _quiet_excepthook():
                cursor.copy_expert(sql, reader, 1 << 16)
        except DatabaseError:
            if reader.refused:
                raise _Fallback from None
            raise
    return cursor.rowcount


@contextlib.contextmanager
def _quiet_excepthook():
    """When the server goes away in the middle of a COPY, psycopg2 prints the pending error
    through sys.excepthook before raising it; the caller reports it once, cleanly."""
    previous = sys.excepthook
    sys.excepthook = lambda *exc: None
    try:
        yield
    finally:
        sys.excepthook = previous


@contextlib.contextmanager
def _zone(cursor, tz):
    """Naive timestamps read by COPY are in `tz` while it runs. Callers run in a
    savepoint: if COPY fails, rolling it back restores the zone too."""
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [tz])
    yield
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [connection.timezone_name])


def _attempt(step):
    """Run `step` in a savepoint; False (and nothing written) if it raised _Fallback or
    the database refused it."""
    try:
        with transaction.atomic():
            step()
        return True
    except (_Fallback, DataError, IntegrityError):
        return False
    except (OperationalError, ProgrammingError) as e:
        # A bar given twice to DO UPDATE, or a deadlock between direct COPYs of two
        # loaders: the next way in reports the one and avoids the other.
        if isinstance(e.__cause__, (CardinalityViolation, DeadlockDetected)):
            return False
        raise


def _merge(cursor, result, source_sql, source_with_line, opts, name, fmt):
    if opts.on_conflict == "error":
        cursor.execute(staging.conflicts(source_with_line, MAX_ERRORS_SHOWN))
        clashes = cursor.fetchall()
        if clashes:
            raise LoadError(
                [
                    f"{name}:{line}: {fmt.date}: the bar of {symbol} {iv} at "
                    f"{when.astimezone(ZoneInfo(opts.tz)):%Y-%m-%d %H:%M:%S%z} is already "
                    "stored (--on-conflict error)"
                    for line, when, symbol, iv in clashes
                ]
            )
    cursor.execute(staging.merge(source_sql, opts.on_conflict))
    result.inserted, result.updated = cursor.fetchone()
    result.unchanged = (
        result.rows - result.halted - result.rejected - result.inserted - result.updated
    )


def load_file(path: str, opts: Options, progress=None) -> Result:
    """Load one file inside the caller's transaction. Raises LoadError, writing nothing.
    `progress(name, bytes read, total bytes or None)` is called as COPY reads the file."""
    source = _Source(path)
    name = source.name
    if progress:
        plain = path != "-" and not path.endswith(".gz") and Path(path).is_file()
        total = Path(path).stat().st_size if plain else None
        progress = functools.partial(progress, name, total=total)
    try:
        with source.open() as stream:
            header_bytes, sample = _read_head(stream, name)
        encoding = _encoding(header_bytes, sample, opts.encoding, name)
        header = _header(header_bytes, encoding, name)
        try:
            fmt = detect(header, opts.format)
        except FormatError as e:
            raise LoadError([f"{name}:1: {e}"]) from e
        symbol, interval = _symbol_and_interval(fmt, name, opts)
        result = Result(file=name, format=fmt.name, encoding=encoding)
        stage = staging.Staging(
            header=header,
            fmt=fmt,
            symbol=symbol,
            interval=interval,
            tz=opts.tz,
            n=next(_counter),
        )
        with connection.cursor() as cursor:
            try:
                _load_fast(cursor, result, stage, source, encoding, opts, progress) or _load_text(
                    cursor, result, stage, source, encoding, opts, progress, path
                )
            finally:
                if not connection.needs_rollback:
                    for sql in stage.drop():
                        cursor.execute(sql)
    finally:
        source.close()
    return result


def _load_fast(cursor, result, stage, source, encoding, opts, progress) -> bool:
    """The direct, then the typed way in; False when the file needs the text way."""
    if sorted(stage.header) == sorted(staging.CANONICAL):

        def direct():
            with _zone(cursor, opts.tz):
                result.rows = _copy(
                    cursor,
                    staging.copy_direct(stage.header, encoding),
                    source,
                    progress,
                    stage.admit(),
                )
            result.inserted = result.rows

        if _attempt(direct):
            return True

    def typed():
        for sql in stage.create(typed=True):
            cursor.execute(sql)
        with _zone(cursor, opts.tz):
            _copy(cursor, stage.copy(encoding), source, progress, stage.admit())
        cursor.execute(stage.typed_counts())
        result.rows, result.halted, bad = cursor.fetchone()
        if bad:
            raise _Fallback
        if opts.on_conflict != "update":
            # With DO UPDATE, PostgreSQL itself refuses a bar given twice (cardinality
            # violation), at no cost; the other modes must look.
            cursor.execute(staging.has_repeats(stage.typed_good()))
            if cursor.fetchone():
                raise _Fallback
        _merge(
            cursor,
            result,
            stage.typed_good(),
            stage.typed_good(with_line=True),
            opts,
            source.name,
            stage.fmt,
        )

    return _attempt(typed)


def _load_text(cursor, result, stage, source, encoding, opts, progress, path):
    """The text way in: every row parsed and checked in SQL, with its error."""
    name = source.name
    for sql in stage.create(typed=False):
        cursor.execute(sql)
    try:
        with transaction.atomic():
            _copy(cursor, stage.copy(encoding), source, progress)
    except DatabaseError as e:
        raise _copy_error(e, name) from e
    cursor.execute(stage.parse())
    cursor.execute(stage.parsed_counts())
    result.rows, result.halted, bad = cursor.fetchone()
    cursor.execute(staging.has_repeats(stage.parsed_good()))
    if cursor.fetchone():
        cursor.execute(stage.mark_repeats())
        bad += cursor.rowcount
    if bad:
        cursor.execute(stage.errors(MAX_ERRORS_SHOWN))
        errors = [
            f"{name}:{line}: {column}: {message}" for line, column, message in cursor.fetchall()
        ]
        if not opts.skip_invalid:
            raise LoadError(errors, total=bad)
        result.rejected, result.errors = bad, errors
        result.rejects_path = _write_rejects(cursor, stage, path)
    _merge(
        cursor,
        result,
        stage.parsed_good(),
        stage.parsed_good(with_line=True),
        opts,
        name,
        stage.fmt,
    )


def _write_rejects(cursor, stage, path) -> Path:
    target = Path("stdin.rejects.csv" if path == "-" else f"{path}.rejects.csv")
    try:
        with target.open("w", encoding="utf-8", newline="") as out, connection.wrap_database_errors:
            cursor.copy_expert(stage.rejects(), out)
    except OSError as e:
        raise LoadError([f"{target}: cannot write the rejected rows: {e.strerror}"]) from e
    return target


def check_options(opts: Options) -> None:
    problems = []
    if opts.symbol and not is_symbol(opts.symbol):
        problems.append(f"--symbol {opts.symbol}: not a KRX code (six characters, such as 005930)")
    if opts.interval and opts.interval not in Interval.values:
        problems.append(f"--interval {opts.interval}: not one of {', '.join(Interval.values)}")
    try:
        ZoneInfo(opts.tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"--tz {opts.tz}: not a time zone name such as Asia/Seoul")
    if problems:
        raise LoadError(problems)


def load(paths, opts: Options, progress=None) -> list[Result]:
    """Load every file: all in one transaction, or each file in its own with skip_invalid.
    A dry run does the same work and rolls it back."""
    check_options(opts)
    results = []
    if opts.skip_invalid and not opts.dry_run:
        for path in paths:
            with transaction.atomic():
                results.append(load_file(path, opts, progress))
        return results
    with transaction.atomic():
        for path in paths:
            results.append(load_file(path, opts, progress))
        if opts.dry_run:
            transaction.set_rollback(True)
    return results
