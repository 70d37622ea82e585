"""A file loads the same bars however it is laid out: its columns in another order, its
header renamed and given through --map, or saved as a workbook."""

import datetime as dt

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdata.loader import loading
from marketdata.models import MarketData

pytestmark = pytest.mark.django_db

ROLES = ("Date", "Open", "High", "Low", "Close", "Volume")
FIRST_DAY = dt.date(2023, 1, 2)


@st.composite
def bar_rows(draw):
    """Rows of daily bars on distinct weekdays, each a valid bar."""
    days = sorted(draw(st.sets(st.integers(0, 300), min_size=1, max_size=8)))
    rows = []
    for n in days:
        day = FIRST_DAY + dt.timedelta(days=n)
        if day.weekday() > 4:
            day -= dt.timedelta(days=day.weekday() - 4)
        prices = sorted(draw(st.lists(st.integers(100, 90000), min_size=4, max_size=4)))
        low, a, b, high = prices
        o, c = (a, b) if draw(st.booleans()) else (b, a)
        rows.append((day.isoformat(), o, high, low, c, draw(st.integers(1, 10**9))))
    return list({r[0]: r for r in rows}.values())


def csv_text(header, rows, order):
    lines = [",".join(header[i] for i in order)]
    lines += [",".join(str(row[i]) for i in order) for row in rows]
    return "\n".join(lines) + "\n"


def save_workbook(path, header, rows, order):
    """The rows as an Excel workbook would hold them: dates as dates, numbers as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([header[i] for i in order])
    for row in rows:
        cells = [dt.datetime.fromisoformat(row[0]), *row[1:]]
        sheet.append([cells[i] for i in order])
    book.save(path)


def stored():
    return list(
        MarketData.objects.order_by("time").values_list(
            "time", "symbol", "interval_type", "open", "high", "low", "close", "volume"
        )
    )


def load_bars(path, **options):
    MarketData.objects.all().delete()
    loading.load([str(path)], loading.Options(interval="1d", **options))
    return stored()


names = st.text(
    alphabet=st.characters(categories=["L", "N"], include_characters=" _"), min_size=1, max_size=12
).filter(lambda s: s.strip() and s.strip().lower() not in {r.lower() for r in ROLES})


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=bar_rows(),
    order=st.permutations(range(6)),
    renamed=st.lists(names, min_size=6, max_size=6, unique_by=lambda s: s.strip().lower()),
)
def test_reordered_renamed_and_workbook_files_load_the_same_bars(tmp_path, rows, order, renamed):
    plain = tmp_path / "005930.csv"
    plain.write_text(csv_text(ROLES, rows, range(6)))
    expected = load_bars(plain)
    assert len(expected) == len(rows)

    reordered = tmp_path / "005930_reordered.csv"
    reordered.write_text(csv_text(ROLES, rows, order))
    assert load_bars(reordered, symbol="005930") == expected

    mapped = tmp_path / "005930_mapped.csv"
    mapped.write_text(csv_text(renamed, rows, order))
    maps = [f"{role.lower()}={name}" for role, name in zip(ROLES, renamed, strict=True)]
    assert load_bars(mapped, symbol="005930", maps=maps) == expected

    workbook = tmp_path / "005930.xlsx"
    save_workbook(workbook, renamed, rows, order)
    assert load_bars(workbook, maps=maps) == expected
