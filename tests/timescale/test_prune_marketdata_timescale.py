import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from marketdata.models import MarketData
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def prune(*args):
    out = StringIO()
    call_command("prune_marketdata", *args, stdout=out)
    return out.getvalue().strip()


def chunk_count():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM show_chunks('market_data')")
        return cursor.fetchone()[0]


def test_the_whole_table_is_pruned_by_dropping_chunks_that_end_before_the_cutoff():
    now = timezone.now()
    MarketData.objects.bulk_create(
        factories.bar(time=now - dt.timedelta(days=d)) for d in (1, 2, 60, 61, 62, 120)
    )
    before = chunk_count()

    dry = prune("--older-than", "30 days", "--dry-run")
    assert dry.startswith("Would remove 4 bars in ")
    assert MarketData.objects.count() == 6

    assert prune("--older-than", "30 days") == dry.replace("Would remove", "Removed")
    assert MarketData.objects.count() == 2
    assert chunk_count() < before


def test_a_filtered_prune_deletes_rows_even_in_a_hypertable():
    now = timezone.now()
    MarketData.objects.bulk_create(
        [factories.bar(time=now - dt.timedelta(days=90), symbol=s) for s in ("005930", "000660")]
    )
    assert prune("--older-than", "30 days", "--symbol", "005930") == (
        "Removed 1 bars older than 30 days."
    )
    assert list(MarketData.objects.values_list("symbol", flat=True)) == ["000660"]
