"""The per-day bar counts on plain PostgreSQL: kept by triggers whoever writes, recounted by
--rebuild, and kept by their writers where triggers cannot be had."""

import datetime as dt
import io
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketdata.loader import undo
from marketdata.models import Load, MarketData
from marketdata.timescale import day_counts, pruning
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.datetime(2024, 3, 4, tzinfo=KST)


def minutes(day, *offsets, symbol="005930"):
    MarketData.objects.bulk_create(
        factories.bar(
            symbol=symbol, interval_type="1m", time=day + dt.timedelta(minutes=9 * 60 + m)
        )
        for m in offsets
    )


def counts(using=connection):
    with using.cursor() as cursor:
        cursor.execute(
            "SELECT symbol, interval_type, day, bars, first, last FROM market_data_days "
            "ORDER BY 1, 2, 3"
        )
        return [
            (
                s,
                i,
                d.astimezone(KST).date().isoformat(),
                n,
                f"{a.astimezone(KST):%H:%M}",
                f"{b.astimezone(KST):%H:%M}",
            )
            for s, i, d, n, a, b in cursor.fetchall()
        ]


def coverage(*args):
    out, err = StringIO(), StringIO()
    call_command("marketdata_coverage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_inserts_are_counted_per_series_and_korean_day():
    minutes(DAY, 0, 1, 2)
    minutes(DAY + dt.timedelta(days=1), 5)
    factories.bar(time=DAY).save()
    assert day_counts.kind() == day_counts.TRIGGERS
    assert counts() == [
        ("005930", "1d", "2024-03-04", 1, "00:00", "00:00"),
        ("005930", "1m", "2024-03-04", 3, "09:00", "09:02"),
        ("005930", "1m", "2024-03-05", 1, "09:05", "09:05"),
    ]


def test_an_upsert_counts_only_the_bars_it_inserted():
    minutes(DAY, 0, 1)
    MarketData.objects.bulk_create(
        [
            factories.bar(
                interval_type="1m", time=DAY + dt.timedelta(hours=9), close=Decimal(72900)
            ),
            factories.bar(interval_type="1m", time=DAY + dt.timedelta(hours=9, minutes=2)),
        ],
        update_conflicts=True,
        unique_fields=["time", "symbol", "interval_type"],
        update_fields=["close"],
    )
    assert counts() == [("005930", "1m", "2024-03-04", 3, "09:00", "09:02")]


def test_copy_is_counted_like_any_insert():
    data = "".join(f"2024-03-04 09:{m:02d}:00+09,000660,1m,100,110,90,105,7\n" for m in range(10))
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY market_data (time, symbol, interval_type, open, high, low, close, volume) "
            "FROM STDIN WITH (FORMAT csv)",
            io.StringIO(data),
        )
    assert counts() == [("000660", "1m", "2024-03-04", 10, "09:00", "09:09")]


def test_deletes_shrink_the_day_and_its_first_and_last_and_an_empty_day_goes():
    minutes(DAY, 0, 1, 2, 3)
    minutes(DAY + dt.timedelta(days=1), 0)
    MarketData.objects.filter(
        time__in=[DAY + dt.timedelta(hours=9, minutes=m) for m in (0, 3)]
    ).delete()
    MarketData.objects.filter(time__gte=DAY + dt.timedelta(days=1)).delete()
    assert counts() == [("005930", "1m", "2024-03-04", 2, "09:01", "09:02")]


def test_a_bar_moved_to_another_day_or_symbol_moves_its_count():
    minutes(DAY, 0, 1)
    MarketData.objects.filter(time=DAY + dt.timedelta(hours=9)).update(
        time=DAY + dt.timedelta(days=1, hours=9)
    )
    MarketData.objects.filter(time=DAY + dt.timedelta(hours=9, minutes=1)).update(symbol="000660")
    assert counts() == [
        ("000660", "1m", "2024-03-04", 1, "09:01", "09:01"),
        ("005930", "1m", "2024-03-05", 1, "09:00", "09:00"),
    ]


def test_a_truncate_empties_the_counts():
    minutes(DAY, 0, 1)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE market_data")
    assert counts() == []


def test_rebuild_counts_every_bar_again():
    minutes(DAY, 0, 1, 2)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE market_data_days SET bars = 99")
    output, notes = coverage("--rebuild")
    assert notes == "Counted every bar again (triggers).\n"
    assert output.splitlines()[1].split()[2:3] == ["3"]
    assert counts() == [("005930", "1m", "2024-03-04", 3, "09:00", "09:02")]


def test_the_coverage_page_reads_the_counts_not_the_bars(admin_client):
    minutes(DAY, *range(380))
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(reverse("admin:marketdata_coverage"))
    assert page.status_code == 200
    assert [r.bars for r in page.context["rows"]] == [380]
    bar_reads = [
        q["sql"] for q in queries if "market_data " in q["sql"].replace("market_data_days", "")
    ]
    assert bar_reads == []


def test_the_coverage_page_pages_series_and_reports_one_series_gaps(admin_client, monkeypatch):
    monkeypatch.setattr("marketdata.admin.views.COVERAGE_PAGE", 2)
    for symbol in ("000660", "005930", "035720"):
        minutes(DAY, *[m for m in range(380) if m not in (13, 14)], symbol=symbol)
    url = reverse("admin:marketdata_coverage")
    first = admin_client.get(url)
    assert [(r.symbol, r.missing) for r in first.context["rows"]] == [("000660", 2), ("005930", 2)]
    assert "page 1 of 2" in first.text
    second = admin_client.get(url, {"page": 2})
    assert [r.symbol for r in second.context["rows"]] == ["035720"]
    one = admin_client.get(url, {"symbol": "035720", "interval": "1m"})
    assert one.context["report"].gaps == ["2024-03-04 09:13-09:14"]
    assert "035720 1 minute: 2 bars missing" in one.text


def test_the_coverage_page_refuses_absurd_filters_with_a_form_error(admin_client):
    page = admin_client.get(
        reverse("admin:marketdata_coverage"), {"symbol": "00x5930", "interval": "9y"}
    )
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"symbol", "interval"}
    assert page.context["rows"] == []
    # A NUL character is refused before any page reads it.
    nul = admin_client.get(reverse("admin:marketdata_coverage"), {"symbol": "00\x005930"})
    assert nul.status_code == 400


# --- where triggers cannot be had (TimescaleDB's Apache edition): writers recount -------


@pytest.fixture
def without_triggers():
    day_counts.detach_triggers(connection)
    assert day_counts.kind() == day_counts.REFRESHED


def test_without_triggers_the_admin_range_delete_recounts_its_days(admin_client, without_triggers):
    minutes(DAY, 0, 1, 2)
    day_counts.rebuild()
    admin_client.post(
        reverse("admin:marketdata_delete"),
        {
            "symbol": "005930",
            "interval": "1m",
            "start": "2024-03-04",
            "end": "2024-03-04",
            "confirm": "yes",
        },
    )
    assert MarketData.objects.count() == 0
    assert counts() == []


def test_without_triggers_prune_recounts_what_it_removed(without_triggers):
    minutes(DAY, 0, 1)
    minutes(dt.datetime.now(KST).replace(hour=0, minute=0, second=0, microsecond=0), 0)
    day_counts.rebuild()
    pruning.prune(older_than="30 days")
    assert [c[1:4] for c in counts()] == [("1m", dt.datetime.now(KST).date().isoformat(), 1)]


def test_without_triggers_a_load_recounts_the_days_of_its_series(without_triggers, tmp_path):
    minutes(DAY, 0)
    day_counts.rebuild()
    bars = tmp_path / "bars.csv"
    bars.write_text(
        "time,symbol,interval_type,open,high,low,close,volume\n"
        + "".join(
            f"2024-03-04 09:{m:02d}:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
            for m in range(1, 5)
        )
        + "2024-03-05 09:00:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
    )
    call_command("load_marketdata", str(bars), stdout=StringIO(), stderr=StringIO())
    assert counts() == [
        ("005930", "1m", "2024-03-04", 5, "09:00", "09:04"),
        ("005930", "1m", "2024-03-05", 1, "09:00", "09:00"),
    ]


def test_without_triggers_an_undo_recounts_the_days_of_its_series(without_triggers, tmp_path):
    minutes(DAY, 0, 1)
    day_counts.rebuild()
    bars = tmp_path / "bars.csv"
    bars.write_text(
        "time,symbol,interval_type,open,high,low,close,volume\n"
        # Replaces 09:01, adds 09:02 and a bar the next day.
        "2024-03-04 09:01:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
        "2024-03-04 09:02:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
        "2024-03-05 09:00:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
    )
    call_command("load_marketdata", str(bars), stdout=StringIO(), stderr=StringIO())
    assert [c[2:4] for c in counts()] == [("2024-03-04", 3), ("2024-03-05", 1)]
    staff = User.objects.create_user("ops", is_staff=True)
    undo.undo(Load.objects.latest("id").pk, user=staff)
    assert counts() == [("005930", "1m", "2024-03-04", 2, "09:00", "09:01")]


def test_without_triggers_refresh_since_counts_what_others_wrote(without_triggers):
    minutes(DAY, 0)
    day_counts.rebuild()
    minutes(DAY, 1, 2)  # written by the trading engine, say
    assert counts()[0][3] == 1
    _, notes = coverage("--refresh-since", "2024-03-04")
    assert notes == "Counted again the bars from 2024-03-04 on (refreshed by writers).\n"
    assert counts()[0][3] == 3


# --- concurrent writers ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_the_same_days_both_count():
    errors = []

    def load(offsets):
        try:
            with transaction.atomic():
                minutes(DAY, *offsets)
                minutes(DAY + dt.timedelta(days=1), *offsets)
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=load, args=(range(n, 380, 4),)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [c[3] for c in counts()] == [380, 380]
