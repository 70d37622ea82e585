"""Every command refuses absurd input, and a database that is down, with a CommandError,
a non-zero exit and nothing written."""

import datetime as dt
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from marketdata.models import MarketData, StockMetadata
from tests import factories
from trading.models import Position, RiskMetric, StrategyPerformance, Trade

KST = dt.timezone(dt.timedelta(hours=9))
TOMORROW = (dt.datetime.now(KST).date() + dt.timedelta(days=1)).isoformat()

HOSTILE = [
    ("compute_performance", "--to", "9999-12-31"),
    ("compute_performance", "--to", TOMORROW),
    ("compute_performance", "--from", "0001-01-01"),
    ("compute_performance", "--from", "1955-12-31"),
    ("compute_performance", "--from", "2024-02-30"),
    ("compute_performance", "--capital", "NaN"),
    ("compute_performance", "--capital", "Infinity"),
    ("compute_performance", "--capital", "-Infinity"),
    ("compute_performance", "--capital", "1e400"),
    ("compute_performance", "--capital", "0"),
    ("compute_performance", "--strategy", "a\x00b"),
    ("compute_performance", "--from", "2024-03-05", "--to", "2024-03-04"),
    ("compute_risk", "--as-of", "9999-12-31"),
    ("compute_risk", "--as-of", "0001-01-01T00:00:00+05:00"),
    ("compute_risk", "--lookback", "0"),
    ("compute_risk", "--lookback", "1000000000"),
    ("compute_risk", "--cash", "NaN"),
    ("compute_risk", "--cash", "1e400"),
    ("compute_risk", "--cash", "-1"),
    ("rebuild_positions", "--as-of", "9999-12-31"),
    ("rebuild_positions", "--symbol", "005930\x00"),
    ("marketdata_coverage", "--refresh-since", "9999-12-31"),
    ("marketdata_coverage", "--symbol", "\x00"),
    ("prune_marketdata", "--older-than", "99999999999 years"),
    ("prune_marketdata", "--older-than", "NaN days"),
    ("prune_marketdata", "--older-than", "1 day", "--symbol", "\x00"),
    ("timescale", "decompress", "--from", "0001-01-01", "--to", "9999-12-31"),
    ("timescale", "compress", "--older-than", "1e999 days"),
    ("rebuild_positions", "--account", "NOPE"),
    ("compute_risk", "--account", "NOPE\x00"),
    ("assess_fills", "--from", "9999-12-31"),
    ("assess_fills", "--to", "0001-01-01"),
    ("assess_fills", "--account", "NOPE"),
    ("import_trades", "/nonexistent/trades.csv"),
    ("reconcile", "--account", "DEFAULT", "--date", "9999-12-31", "--orders", "/dev/null"),
    ("reconcile", "--account", "NOPE", "--date", "2024-03-04", "--orders", "/dev/null"),
    ("reconcile", "--account", "DEFAULT", "--date", "2024-03-04", "--orders", "/nonexistent"),
    ("reconcile", "--account", "DEFAULT", "--date", "2024-03-04", "--orders", "/dev/null",
     "--profit", "/nonexistent"),
    ("import_cash", "/nonexistent/cash.csv"),
    ("compute_nav", "--account", "NOPE"),
    ("compute_nav", "--account", "DEFAULT\x00"),
    ("compute_nav", "--all", "--from", "9999-12-31"),
    ("compute_nav", "--all", "--to", "0001-01-01"),
    ("compute_nav", "--all", "--from", "2024-03-05", "--to", "2024-03-04"),
    ("account_returns", "--account", "NOPE"),
    ("account_returns", "--from", "9999-12-31"),
    ("account_returns", "--benchmark", "KOSPI\x00"),
    ("account_returns", "--account", "DEFAULT"),  # no NAV stored
]  # fmt: skip


def stored():
    return [
        m.objects.count()
        for m in (MarketData, StockMetadata, Trade, Position, StrategyPerformance, RiskMetric)
    ]


@pytest.fixture
def book(settings):
    settings.QB_STRATEGY_CAPITAL = {"momentum": 100_000_000}
    factories.trade(executed_at=dt.datetime(2024, 3, 4, 10, tzinfo=KST)).save()
    factories.bar().save()


@pytest.mark.django_db
@pytest.mark.parametrize("args", HOSTILE, ids=lambda a: " ".join(a).replace("\x00", "NUL"))
def test_absurd_values_end_in_a_command_error_and_write_nothing(book, args):
    before = stored()
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    assert "Traceback" not in str(raised.value)
    assert stored() == before


DOWN = [
    ("compute_performance",),
    ("compute_risk",),
    ("rebuild_positions",),
    ("marketdata_coverage",),
    ("prune_marketdata", "--older-than", "1 year"),
    ("timescale", "status"),
    ("seed_demo",),
    ("assess_fills",),
    ("rebuild_positions", "--account", "DEFAULT"),
    ("reconcile", "--account", "DEFAULT", "--date", "2024-03-04", "--orders", "/dev/null"),
    ("compute_nav", "--all"),
    ("account_returns",),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("args", DOWN, ids=" ".join)
def test_a_database_that_is_down_ends_in_a_command_error(settings, args):
    settings.QB_STRATEGY_CAPITAL = {"momentum": 100_000_000}
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"
    try:
        with pytest.raises(CommandError) as raised:
            call_command(*args, stdout=StringIO(), stderr=StringIO())
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert "could not connect" in str(raised.value) or "Connection refused" in str(raised.value)


def test_on_the_command_line_it_is_usage_and_one_line_saying_why():
    done = subprocess.run(
        [sys.executable, "manage.py", "compute_performance", "--capital", "NaN"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "manage.py compute_performance: error: argument --capital: NaN is not an amount in "
        "KRW more than 0 and at most 1,000,000,000,000,000"
    )
