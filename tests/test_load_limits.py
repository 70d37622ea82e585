"""What load_marketdata does with files that are not what they seem: a line of a gigabyte,
a named pipe, a header without rows, values too long to echo."""

import io
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.loader import sources
from marketdata.models import MarketData
from tests.commands import manage

pytestmark = pytest.mark.django_db

QB = "time,symbol,interval_type,open,high,low,close,volume\n"
GOOD = "2024-01-02,005930,1d,71000,72000,70000,71500,1000\n"


def load_error(path, *args):
    with pytest.raises(CommandError) as caught:
        call_command("load_marketdata", str(path), *args, stdout=StringIO(), stderr=StringIO())
    return str(caught.value)


class EndlessLine(io.RawIOBase):
    """A stream of one line that never ends, counting what is read of it."""

    def __init__(self, start=b""):
        self.start = start
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = (self.start + b"9" * len(buffer))[: len(buffer)]
        self.start = self.start[len(chunk) :]
        buffer[: len(chunk)] = chunk
        self.read_bytes += len(chunk)
        return len(chunk)


def test_a_line_longer_than_a_megabyte_is_an_error_naming_it(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_bytes((QB + GOOD * 3).encode() + b"2024-01-03," + b"9" * 3_000_000 + b"\n")

    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:5: the line is longer than 1 MB, the limit for a line of bars"
    )
    assert not MarketData.objects.exists()


def test_a_header_longer_than_a_megabyte_is_an_error_naming_line_one(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_bytes(b"time" + b"," * 2_000_000 + b"\n" + GOOD.encode())
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:1: the line is longer than 1 MB, the limit for a line of bars"
    )


def test_the_reader_stops_a_megabyte_into_an_endless_line():
    stream = EndlessLine(b"2024-01-02,005930,1d,1,1,1,1,1\n")
    head = sources.Head(start=b"", header=QB.encode(), data_offset=0, first_line=2)
    reader = sources.LineReader(stream, head=head)

    handed = []
    while chunk := reader.read(sources.CHUNK):
        handed.append(chunk)

    assert handed == [b"2024-01-02,005930,1d,1,1,1,1,1\n"]
    assert reader.too_long_at == 3
    # Memory stays flat: never more than the limit and one chunk is held.
    assert stream.read_bytes <= sources.MAX_LINE + 2 * sources.CHUNK


# A child process writes to the database outside the test's transaction: flush after.
@pytest.mark.django_db(transaction=True)
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "bars.csv"
    os.mkfifo(fifo)

    done = manage("load_marketdata", fifo, timeout=30)

    assert done.returncode == 1
    assert done.stderr == (
        f"CommandError: Nothing was loaded.\n{fifo}: is a named pipe, not a file; to load from "
        "a pipe, give - and pipe it in\n"
    )


def test_a_directory_is_refused(tmp_path):
    assert load_error(tmp_path) == (
        f"Nothing was loaded.\n{tmp_path}: is a directory, not a file; to load from a pipe, "
        "give - and pipe it in"
    )


@pytest.mark.django_db(transaction=True)
def test_standard_input_is_still_read_when_it_is_a_pipe():
    done = manage("load_marketdata", "-", stdin=QB + GOOD)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("inserted 1,")


@pytest.mark.parametrize("text", [QB, QB + "\n\n", "# a comment\n" + QB])
def test_a_file_with_a_header_and_no_rows_says_so(tmp_path, text):
    path = tmp_path / "bars.csv"
    path.write_text(text)
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}: the file has a header line but no rows"
    )


def test_values_in_messages_are_cut_to_a_readable_length(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(QB + "2024-01-02,005930,1d,71000," + "7" * 5000 + "x,70000,71500,1000\n")
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:2: high: 7777777777777777777777777777777777777... is "
        "not a number"
    )


def test_a_number_too_long_for_postgresql_is_named_with_its_line(tmp_path):
    # PostgreSQL's numeric overflows past 131,072 digits: the load must not end in an
    # error without a line.
    path = tmp_path / "bars.csv"
    path.write_text(
        QB + GOOD + "2024-01-03,005930,1d,71000,72000,70000,71500," + "1" * 200_000 + "\n"
    )
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:3: volume: 1111111111111111111111111111111111111... has "
        "more than 100 digits"
    )
