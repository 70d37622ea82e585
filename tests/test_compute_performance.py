import datetime as dt
import math
import statistics
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import MarketData
from tests import factories
from trading.models import StrategyPerformance

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
CAPITAL = 10_000_000


def at(day, hour=0):
    return dt.datetime(2024, 3, day, hour, tzinfo=KST)


@pytest.fixture
def history():
    # Sessions 4-7 March 2024 (1 March was a holiday). Daily closes:
    for day, close in [(4, 70000), (5, 71000), (6, 69500), (7, 72000)]:
        MarketData.objects.create(
            time=at(day),
            symbol="005930",
            interval_type="1d",
            open=close,
            high=close + 500,
            low=close - 2000,
            close=close,
            volume=1000,
        )
    # One round trip of strategy s1 and an unrelated fill of s2.
    for strategy, side, quantity, price, commission, tax, day in [
        ("s1", "BUY", 100, 69800, 1047, 0, 4),
        ("s1", "SELL", 40, 71200, 427, 5126, 5),
        ("s1", "SELL", 60, 71900, 647, 7765, 7),
        ("s2", "BUY", 1, 70000, 0, 0, 4),
    ]:
        factories.trade(
            strategy=strategy,
            side=side,
            quantity=quantity,
            price=price,
            commission=commission,
            tax=tax,
            executed_at=at(day, 10),
        ).save()


# Worked by hand:
# 4 Mar: realized -1,047 (fee); unrealized (70,000 - 69,800) x 100 = 20,000; PnL 18,953
# 5 Mar: realized (71,200 - 69,800) x 40 - 427 - 5,126 = 50,447;
#        unrealized (71,000 - 69,800) x 60 = 72,000; PnL 50,447 + 72,000 - 20,000 = 102,447
# 6 Mar: unrealized (69,500 - 69,800) x 60 = -18,000; PnL -18,000 - 72,000 = -90,000
# 7 Mar: realized (71,900 - 69,800) x 60 - 647 - 7,765 = 117,588; flat; PnL 117,588 + 18,000
#        = 135,588; the round trip closes with 166,988 (a win).
PNL = [Decimal(18953), Decimal(102447), Decimal(-90000), Decimal(135588)]


def compute(*args):
    out = StringIO()
    call_command("compute_performance", *args, stdout=out)
    return out.getvalue().strip()


def test_daily_figures_match_the_hand_worked_example(history):
    output = compute(
        "--strategy", "s1", "--from", "2024-03-04", "--to", "2024-03-07", "--capital", str(CAPITAL)
    )

    rows = list(StrategyPerformance.objects.filter(strategy="s1").order_by("date"))
    assert [r.date.day for r in rows] == [4, 5, 6, 7]
    assert [r.pnl for r in rows] == PNL
    assert [r.trade_count for r in rows] == [1, 1, 0, 1]
    assert [r.win_rate for r in rows] == [None, None, None, Decimal(1)]
    assert [r.daily_return for r in rows] == [(p / CAPITAL).quantize(Decimal("1e-8")) for p in PNL]

    # Sharpe and drawdown, computed independently from the same series.
    returns = [float(p) / CAPITAL for p in PNL]
    for n, row in enumerate(rows, start=1):
        if n == 1:
            assert row.sharpe_ratio is None
        else:
            window = returns[:n]
            expected = statistics.mean(window) / statistics.stdev(window) * math.sqrt(252)
            assert float(row.sharpe_ratio) == pytest.approx(expected, abs=1e-4)
    equity = [CAPITAL + sum(PNL[:n]) for n in range(1, 5)]
    worst = max((max(equity[: n + 1]) - e) / max(equity[: n + 1]) for n, e in enumerate(equity))
    assert float(rows[-1].max_drawdown) == pytest.approx(float(worst), abs=1e-6)

    assert output == (
        "s1 (capital 10,000,000 KRW from --capital): 4 days 2024-03-04..2024-03-07 stored, "
        f"PnL +166,988, Sharpe {rows[-1].sharpe_ratio:.2f}, max drawdown 0.89% "
        "(2024-03-05 to 2024-03-06), 1 round trips, profit factor n/a, expectancy +166,988."
    )


def test_running_it_again_changes_nothing(history):
    args = ("--strategy", "s1", "--from", "2024-03-04", "--to", "2024-03-07", "--capital", "1e7")
    compute(*args)
    first = list(StrategyPerformance.objects.values_list())
    compute(*args)
    assert list(StrategyPerformance.objects.values_list()) == first


def test_each_strategy_is_computed_on_its_own_trades(history):
    output = compute("--from", "2024-03-04", "--to", "2024-03-07", "--capital", "1e7")
    assert [line.split(" ")[0] for line in output.splitlines()] == ["s1", "s2"]
    s2 = StrategyPerformance.objects.filter(strategy="s2").order_by("date")
    # s2 bought 1 at 70,000 on 4 Mar and holds: PnL follows the close.
    assert [r.pnl for r in s2] == [0, 1000, -1500, 2500]


def test_the_capital_comes_from_the_setting_and_is_named(history, settings):
    settings.QB_STRATEGY_CAPITAL = {"s1": Decimal(20_000_000)}
    output = compute("--strategy", "s1", "--from", "2024-03-04", "--to", "2024-03-04")
    assert output.startswith("s1 (capital 20,000,000 KRW from QB_STRATEGY_CAPITAL)")


def test_a_strategy_without_capital_is_refused(history, settings):
    settings.QB_STRATEGY_CAPITAL = {}
    with pytest.raises(CommandError, match="No capital for strategy 's1': pass --capital"):
        compute("--strategy", "s1")
