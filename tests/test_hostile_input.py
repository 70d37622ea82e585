"""Random and mutated files fed to the parsers: a clean success or a clear error, never a
traceback. Hypothesis generates them; the examples that once failed are pinned below."""

import gzip
import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marketdata.loader import listing, loading

pytestmark = pytest.mark.django_db

GOOD_BARS = (
    "time,symbol,interval_type,open,high,low,close,volume\n"
    "2024-01-02 09:00:00,005930,1m,78200,78300,78100,78300,300000\n"
    "2024-01-02 09:01:00,005930,1m,78300,78400,78200,78200,120345\n"
)
GOOD_PYKRX = "날짜,시가,고가,저가,종가,거래량\n2024-01-02,78200,79800,78200,79600,17142847\n"
GOOD_LISTING = "Code,Name,Market,Marcap,Stocks,ISU_CD,Dept,Close\n005930,삼성전자,KOSPI,1,2,X,,3\n"
HOSTILE = [
    "\x00",
    "=cmd|' /C calc'!A0",
    "9" * 400,
    "-1e309",
    "NaN",
    "Infinity",
    "now",
    "'; DROP TABLE trades; --",
    '"',
    "\r",
    "\ufeff",
    "２０２４",
    "2024-13-45",
    "",
]


def mutate(text, data):
    """Apply a few random edits: replace a field, cut the text, insert hostile values."""
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["field", "truncate", "insert", "duplicate", "bytes"]))
        line = data.draw(st.integers(0, len(lines) - 1))
        if action == "field":
            fields = lines[line].rstrip("\n").split(",")
            column = data.draw(st.integers(0, len(fields) - 1))
            fields[column] = data.draw(st.sampled_from(HOSTILE) | st.text(max_size=12))
            lines[line] = ",".join(fields) + "\n"
        elif action == "truncate":
            lines[line] = lines[line][: data.draw(st.integers(0, len(lines[line])))]
        elif action == "insert":
            lines.insert(line, data.draw(st.text(max_size=40)) + "\n")
        elif action == "duplicate":
            lines.insert(line, lines[line])
        else:
            lines[line] = data.draw(st.text(alphabet=string.printable, max_size=30))
    return "".join(lines)


def load(tmp_path, content: bytes, name="005930.csv", **options):
    path = tmp_path / name
    path.write_bytes(content)
    try:
        loading.load([str(path)], loading.Options(**options))
    except loading.LoadError as e:
        assert e.errors, "an error must say what is wrong"
        for line in e.errors:
            assert line.startswith(str(path)), line


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data(), encoding=st.sampled_from(["utf-8", "cp949", "utf-8-sig"]))
@example(data=None, encoding="utf-8")
def test_mutated_canonical_files_load_or_fail_cleanly(tmp_path, data, encoding):
    text = GOOD_BARS if data is None else mutate(GOOD_BARS, data)
    load(tmp_path, text.encode(encoding, errors="replace"))


@FUZZ
@given(data=st.data())
def test_mutated_pykrx_files_load_or_fail_cleanly(tmp_path, data):
    content = mutate(GOOD_PYKRX, data).encode("cp949", errors="replace")
    load(tmp_path, content, skip_invalid=data.draw(st.booleans()))


@FUZZ
@given(content=st.binary(max_size=300))
@example(content=b"time,symbol\x00\n")
@example(content=b"\xff\xfe\x00t\x00i")
@example(content=gzip.compress(GOOD_BARS.encode()))
def test_random_bytes_fail_cleanly(tmp_path, content):
    load(tmp_path, content)


@FUZZ
@given(data=st.data())
def test_mutated_listings_parse_or_fail_cleanly(data):
    text = mutate(GOOD_LISTING, data)
    try:
        listing.parse(text, "listing.csv")
    except listing.ListingError as e:
        assert all(line.startswith("listing.csv") for line in e.errors)


@given(text=st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_random_text_listings_parse_or_fail_cleanly(text):
    try:
        listing.parse(text, "listing.csv")
    except listing.ListingError as e:
        assert e.errors
