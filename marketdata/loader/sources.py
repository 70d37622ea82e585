"""Reading a market data file for COPY: where it comes from, its head, and its lines.

A source is a regular file (plain or .gz) or standard input, which is spooled to a temporary
file first so that it can be read more than once. Python reads only the head: comment lines
(yfinance writes `# ...` above its header), the header and a sample to guess the encoding
from. Everything after goes to PostgreSQL's COPY through a LineReader, which hands over
whole lines only and stops, rather than fail inside COPY, at a line longer than MAX_LINE,
at a line a fast way in cannot vouch for, or when the file cannot be read. Memory stays flat
and time linear whatever the file holds.
"""

import csv
import gzip
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from marketdata import encodings
from marketdata.loader.errors import LoadError

MAX_LINE = 1 << 20  # bytes; no bar needs a longer line
CHUNK = 1 << 16
SAMPLE_BYTES = 1 << 16
BOM = b"\xef\xbb\xbf"
TOO_LONG = "the line is longer than 1 MB, the limit for a line of bars"

FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Source:
    """A file that can be read again from its start; `-` is standard input."""

    def __init__(self, path: str):
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self.compressed = path.endswith(".gz")
        self._spool = None
        if path == "-":
            with tempfile.NamedTemporaryFile(prefix="qb-stdin-", delete=False) as spool:
                shutil.copyfileobj(sys.stdin.buffer, spool, CHUNK * 16)
            self._spool = spool.name
            return
        try:
            mode = os.stat(path).st_mode
        except OSError as e:
            raise LoadError([f"{path}: cannot open: {e.strerror}"]) from e
        if not stat.S_ISREG(mode):
            # Opening a named pipe without a writer would wait forever.
            kind = next((k for test, k in FILE_KINDS if test(mode)), "not a regular file")
            raise LoadError(
                [f"{path}: is {kind}, not a file; to load from a pipe, give - and pipe it in"]
            )

    @property
    def _file(self) -> str:
        return self._spool or self.path

    @property
    def size(self) -> int:
        """Bytes of the file as given (compressed, for .gz)."""
        return os.stat(self._file).st_size

    @property
    def readable_size(self) -> int | None:
        """Bytes a LineReader will go through, when known without reading (not for .gz)."""
        return None if self.compressed else self.size

    def sha256(self) -> str:
        with open(self._file, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()

    def open_at(self, offset: int):
        """The file, read from byte `offset` of its (uncompressed) content."""
        stream = self.open()
        if stream.seekable():
            stream.seek(offset)
        else:
            while offset:
                offset -= len(stream.read(min(offset, CHUNK)))
        return stream

    def open(self):
        try:
            if self.compressed:
                return gzip.open(self._file, "rb")
            return open(self._file, "rb")
        except OSError as e:
            raise LoadError([f"{self.name}: cannot open: {e.strerror}"]) from e

    def close(self):
        if self._spool:
            Path(self._spool).unlink(missing_ok=True)


@dataclass(frozen=True)
class Head:
    start: bytes  # the file from its first byte to the end of the sample: the encoding's clue
    header: bytes | None  # None for a file without a header line
    data_offset: int  # where the first data line starts (in the uncompressed stream)
    first_line: int  # the line number of the first data line

    def encoding(self, asked: str, name: str) -> str:
        """`asked`, or the one the start of the file is in: a BOM, else UTF-8, else CP949."""
        if asked != "auto":
            return asked
        try:
            return encodings.guess(self.start)
        except encodings.EncodingUnknown as e:
            raise LoadError([f"{name}: {e}"]) from e

    def header_names(self, encoding: str, name: str) -> list[str]:
        line = self.first_line - 1
        try:
            return next(csv.reader([self.header.decode(encoding)]))
        except UnicodeDecodeError as e:
            raise LoadError([f"{name}:{line}: the header is not {encoding}: {e.reason}"]) from e
        except csv.Error as e:
            raise LoadError([f"{name}:{line}: the header is not CSV: {e}"]) from e


def read_head(source: Source, *, has_header: bool) -> Head:
    """Comment lines, the header line (if the file has one) and a sample of the data."""
    with source.open() as stream:
        try:
            return _read_head(stream, source.name, has_header)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise LoadError([f"{source.name}: cannot read: {e}"]) from e


def _read_head(stream, name: str, has_header: bool) -> Head:
    read, number = [], 0

    def line():
        nonlocal number
        number += 1
        text = stream.readline(MAX_LINE + 1)
        if len(text) > MAX_LINE:
            raise LoadError([f"{name}:{number}: {TOO_LONG}"])
        read.append(text)
        return text

    text = line()
    while text.removeprefix(BOM).startswith(b"#"):
        text = line()
    if not text.strip():
        raise LoadError([f"{name}: the file is empty; a header line is expected"])
    offset = sum(len(t) for t in read)
    header = None
    if has_header:
        header = text
    else:
        # The data starts on this line, after the BOM if it has one.
        offset -= len(text) - (3 if text.startswith(BOM) else 0)
        number -= 1
    sample = stream.read(SAMPLE_BYTES)
    sample += stream.readline(MAX_LINE)  # finish the sample's last line so that it decodes
    if has_header and not sample.strip():
        raise LoadError([f"{name}: the file has a header line but no rows"])
    return Head(
        start=b"".join(read) + sample,
        header=header,
        data_offset=offset,
        first_line=number + 1,
    )


class LineReader:
    """The stream COPY reads: the file from its first data line, in whole lines.

    It ends the data early (COPY then sees the end of the file, and the caller the reason)
    at a line longer than MAX_LINE (`too_long_at`), at the first line that `admit` does not
    match from start to end (`refused_at`), or when the file cannot be read (`failure`).
    `progress(bytes)` is told how far into the file it is.
    """

    def __init__(self, stream, *, head: Head, admit: re.Pattern | None = None, progress=None):
        self._stream = stream
        self._admit = admit
        self._progress = progress
        self._tail = bytearray()  # the start of a line whose end has not been read yet
        self._lines = 0  # whole lines handed over so far
        self._first_line = head.first_line
        self._position = head.data_offset
        self._ended = False
        self.too_long_at: int | None = None
        self.refused_at: int | None = None
        self.failure: Exception | None = None

    @property
    def stopped(self) -> bool:
        return bool(self.too_long_at or self.refused_at or self.failure)

    def _stop(self, **why) -> bytes:
        for attribute, value in why.items():
            setattr(self, attribute, value)
        self._ended = True
        return b""

    def read(self, size: int = CHUNK) -> bytes:
        while not self._ended:
            try:
                chunk = self._stream.read(size)
            except (OSError, EOFError, gzip.BadGzipFile) as e:
                return self._stop(failure=e)
            self._position += len(chunk)
            if self._progress:
                self._progress(self._position)
            cut = chunk.rfind(b"\n") + 1
            if chunk and not cut:
                self._tail += chunk
                if len(self._tail) > MAX_LINE:
                    return self._stop(too_long_at=self._first_line + self._lines)
                continue
            if not chunk:  # the end: the last line may lack its newline
                self._ended, cut = True, 0
                whole = bytes(self._tail)
            else:
                first_end = len(self._tail) + chunk.find(b"\n")
                if first_end > MAX_LINE:
                    return self._stop(too_long_at=self._first_line + self._lines)
                whole = bytes(self._tail) + chunk[:cut]
            self._tail = bytearray(chunk[cut:])
            if not whole:
                continue
            if self._admit and not self._admitted(whole):
                return b""
            self._lines += whole.count(b"\n")
            return whole
        return b""

    def _admitted(self, lines: bytes) -> bool:
        checked = lines if lines.endswith(b"\n") else lines + b"\n"
        match = self._admit.match(checked)
        if match.end() == len(checked):
            return True
        good = checked.count(b"\n", 0, match.end())
        self._stop(refused_at=self._first_line + self._lines + good)
        return False


def rejects_path(path: str, rejects_dir: str | None) -> Path:
    """Where the rejected rows of `path` go: PATH.rejects.csv, in `rejects_dir` if given."""
    target = Path("stdin.rejects.csv" if path == "-" else f"{path}.rejects.csv")
    return Path(rejects_dir) / target.name if rejects_dir else target
