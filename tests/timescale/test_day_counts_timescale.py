"""The per-day bar counts on TimescaleDB: a continuous aggregate, real-time for new bars,
refreshed after our own writers change older days, and by its policy."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from marketdata import coverage
from marketdata.models import Load, MarketData
from marketdata.timescale import day_counts
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
KST = dt.timezone(dt.timedelta(hours=9))


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def counts():
    return [
        (symbol, interval, day.astimezone(KST).date().isoformat(), bars)
        for symbol, interval, day, bars in sql(
            "SELECT symbol, interval_type, day, bars FROM market_data_days ORDER BY 1, 2, 3"
        )
    ]


def materialization():
    [(table,)] = sql(
        "SELECT format('%%I.%%I', materialization_hypertable_schema, "
        "materialization_hypertable_name) FROM timescaledb_information.continuous_aggregates "
        "WHERE view_name = 'market_data_days'"
    )
    return table


def materialized():
    """Rows the aggregate has materialized (not computed in real time)."""
    return sql(f"SELECT count(*) FROM {materialization()}")[0][0]  # name from the catalog


def minutes(day, count, symbol="005930"):
    MarketData.objects.bulk_create(
        factories.bar(symbol=symbol, interval_type="1m", time=day + dt.timedelta(minutes=m))
        for m in range(count)
    )


def refresh_job():
    [(job_id, start, end)] = sql(
        "SELECT job_id, config->>'start_offset', config->>'end_offset' "
        "FROM timescaledb_information.jobs WHERE hypertable_name = 'market_data_days' "
        "AND proc_name = 'policy_refresh_continuous_aggregate'"
    )
    return job_id, start, end


def test_the_counts_are_a_continuous_aggregate_with_a_refresh_policy():
    assert day_counts.kind() == day_counts.AGGREGATE
    _job, start, end = refresh_job()
    assert (start, end) == (None, "01:00:00")


def test_new_bars_count_at_once_in_real_time():
    day = dt.datetime(2024, 3, 4, 9, tzinfo=KST)
    minutes(day, 380)
    assert counts() == [("005930", "1m", "2024-03-04", 380)]
    [row] = coverage.gap_report()
    assert (row.bars, row.missing) == (380, 0)


def test_the_policy_materializes_and_an_admin_delete_of_old_days_is_counted(admin_client):
    day = dt.datetime(2024, 3, 4, 9, tzinfo=KST)
    minutes(day, 380)
    minutes(day + dt.timedelta(days=1), 380)
    job, _start, _end = refresh_job()
    sql(f"CALL run_job({int(job)})")
    assert materialized() == 2

    admin_client.post(
        reverse("admin:marketdata_delete"),
        {
            "symbol": "005930",
            "interval": "1m",
            "start": "2024-03-05",
            "end": "2024-03-05",
            "confirm": "yes",
        },
    )

    assert counts() == [("005930", "1m", "2024-03-04", 380)]
    assert materialized() == 1


def test_a_prune_by_dropping_chunks_forgets_their_days():
    now = timezone.now()
    MarketData.objects.bulk_create(
        factories.bar(time=now - dt.timedelta(days=d)) for d in (1, 60, 61, 120)
    )
    day_counts.rebuild()
    assert len(counts()) == 4

    call_command("prune_marketdata", "--older-than", "30 days", stdout=StringIO())

    assert [c[2] for c in counts()] == [
        (now - dt.timedelta(days=1)).astimezone(KST).date().isoformat()
    ]


def test_rebuild_recounts_what_a_refresh_would_not_see():
    day = dt.datetime(2024, 3, 4, 9, tzinfo=KST)
    minutes(day, 10)
    day_counts.rebuild()
    # Counts lost without the aggregate being told (no invalidation): a refresh would
    # find nothing to do.
    sql(f"DELETE FROM {materialization()}")  # name from the catalog
    assert counts() == []
    out = StringIO()
    call_command("marketdata_coverage", "--rebuild", stdout=out, stderr=StringIO())
    assert counts() == [("005930", "1m", "2024-03-04", 10)]
    assert out.getvalue().splitlines()[1].split()[2] == "10"


def test_coverage_and_freshness_read_series_from_the_aggregate(admin_client):
    day = dt.datetime(2024, 3, 4, 9, tzinfo=KST)
    minutes(day, 380, symbol="000660")
    minutes(day, 370, symbol="005930")
    page = admin_client.get(reverse("admin:marketdata_coverage"))
    assert [(r.symbol, r.missing) for r in page.context["rows"]] == [("000660", 0), ("005930", 10)]


def test_a_load_into_materialized_days_is_counted_once_it_commits(tmp_path):
    day = dt.datetime(2024, 3, 4, 9, tzinfo=KST)
    minutes(day, 10)
    job, _start, _end = refresh_job()
    sql(f"CALL run_job({int(job)})")
    assert materialized() == 1
    bars = tmp_path / "bars.csv"
    bars.write_text(
        "time,symbol,interval_type,open,high,low,close,volume\n"
        + "".join(
            f"2024-03-04 09:{m:02d}:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
            for m in range(10, 15)
        )
    )
    call_command("load_marketdata", str(bars), stdout=StringIO(), stderr=StringIO())
    assert counts() == [("005930", "1m", "2024-03-04", 15)]
    assert sql("SELECT count(*) FROM market_data_5m") == [(3,)]


def test_undoing_a_load_into_materialized_days_is_counted_once_it_commits(tmp_path):
    day = dt.datetime(2024, 3, 4, 9, tzinfo=KST)
    minutes(day, 10)
    bars = tmp_path / "bars.csv"
    bars.write_text(
        "time,symbol,interval_type,open,high,low,close,volume\n"
        + "".join(
            f"2024-03-04 09:{m:02d}:00+09:00,005930,1m,72000,73000,71500,72800,100\n"
            for m in range(5, 15)
        )
    )
    call_command("load_marketdata", str(bars), stdout=StringIO(), stderr=StringIO())
    job, _start, _end = refresh_job()
    sql(f"CALL run_job({int(job)})")
    assert counts() == [("005930", "1m", "2024-03-04", 15)]

    User.objects.create_user("ops", is_staff=True)
    call_command("undo_load", str(Load.objects.get().pk), "--user", "ops", stdout=StringIO())

    assert counts() == [("005930", "1m", "2024-03-04", 10)]
    assert sql("SELECT count(*) FROM market_data_5m") == [(2,)]
