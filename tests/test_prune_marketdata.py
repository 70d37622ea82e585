import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from marketdata.models import MarketData
from tests import factories

pytestmark = pytest.mark.django_db


def prune(*args):
    out = StringIO()
    call_command("prune_marketdata", *args, stdout=out)
    return out.getvalue().strip()


def bars_days_ago(*days, **fields):
    now = timezone.now()
    MarketData.objects.bulk_create(
        factories.bar(time=now - dt.timedelta(days=d), **fields) for d in days
    )


def test_a_plain_table_deletes_exactly_the_rows_before_the_cutoff():
    bars_days_ago(10, 40, 400, 800)

    assert prune("--older-than", "1 year", "--dry-run") == "Would remove 2 bars older than 1 year."
    assert MarketData.objects.count() == 4
    assert prune("--older-than", "1 year") == "Removed 2 bars older than 1 year."
    assert MarketData.objects.count() == 2


def test_filters_delete_only_that_symbol_and_interval():
    bars_days_ago(400, symbol="005930")
    bars_days_ago(400, symbol="000660")
    bars_days_ago(400, symbol="000660", interval_type="1w")

    assert prune("--older-than", "30 days", "--symbol", "000660", "--interval", "1d") == (
        "Removed 1 bars older than 30 days."
    )
    assert sorted(MarketData.objects.values_list("symbol", "interval_type")) == [
        ("000660", "1w"),
        ("005930", "1d"),
    ]


def test_a_bad_interval_is_refused_before_any_sql():
    with pytest.raises(CommandError, match="--older-than '1 year; drop table trades': not an"):
        prune("--older-than", "1 year; drop table trades")
