import datetime as dt
from decimal import Decimal
from io import StringIO

import numpy
import pytest
from django.core.management import call_command

from marketdata.models import MarketData
from tests import factories
from trading.models import RiskMetric

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2024, 1, 1, tzinfo=KST)
# 100 daily returns: -5.0%, -4.9%, ..., +4.9%, in a shuffled but fixed order.
RETURNS = [((k * 37) % 100 - 50) / 1000 for k in range(100)]


@pytest.fixture
def history():
    price, bars = Decimal(1_000_000), []
    closes = [price]
    for r in RETURNS:
        price = (price * (1 + Decimal(str(r)))).quantize(Decimal("0.01"))
        closes.append(price)
    for n, close in enumerate(closes):
        bars.append(
            factories.bar(
                time=START + dt.timedelta(days=n), open=close, high=close, low=close, close=close
            )
        )
    MarketData.objects.bulk_create(bars)
    factories.trade(quantity=10, price=900_000, executed_at=START).save()
    return closes


def risk(*args):
    out = StringIO()
    call_command("compute_risk", *args, stdout=out)
    return out.getvalue().strip()


def test_historical_var_has_the_quantiles_of_the_constructed_returns(history):
    risk("--as-of", "2024-04-30", "--lookback", "100", "--cash", "5000000")

    metric = RiskMetric.objects.get()
    value = 10 * history[-1]
    # Sorted returns are -0.050, -0.049, ...: the 5% quantile lies 0.95 of the way from
    # -0.046 to -0.045, the 1% quantile 0.99 of the way from -0.050 to -0.049.
    assert float(metric.var_95) == pytest.approx(float(value) * 0.04505, abs=1)
    assert float(metric.var_99) == pytest.approx(float(value) * 0.04901, abs=1)
    # The same with numpy on the stored closes.
    pnl = float(value) * (
        numpy.diff([float(c) for c in history]) / [float(c) for c in history[:-1]]
    )
    assert float(metric.var_95) == pytest.approx(-numpy.quantile(pnl, 0.05), abs=0.01)
    assert float(metric.var_99) == pytest.approx(-numpy.quantile(pnl, 0.01), abs=0.01)

    assert metric.portfolio_value == value + 5_000_000
    assert metric.gross_exposure == value
    assert metric.cash == 5_000_000
    series = [5_000_000 + 10 * float(c) for c in history]
    peaks = numpy.maximum.accumulate(series)
    assert float(metric.max_drawdown) == pytest.approx(max((peaks - series) / peaks), abs=1e-6)


def test_a_shorter_lookback_uses_only_the_latest_returns(history):
    risk("--as-of", "2024-04-30", "--lookback", "10", "--cash", "0")
    metric = RiskMetric.objects.get()
    value = float(10 * history[-1])
    last = [float(b) / float(a) - 1 for a, b in zip(history[-11:-1], history[-10:], strict=True)]
    assert float(metric.var_95) == pytest.approx(
        -numpy.quantile([value * r for r in last], 0.05), abs=0.01
    )


def test_cash_falls_back_to_the_latest_risk_row_and_says_so(history):
    factories.risk(timestamp=START, cash=Decimal(7_000_000)).save()
    output = risk("--as-of", "2024-04-30", "--lookback", "20")
    assert "(cash 7,000,000 from the latest risk metric)" in output


def test_running_it_twice_at_the_same_moment_keeps_one_row(history):
    risk("--as-of", "2024-04-30", "--lookback", "20", "--cash", "0")
    first = list(RiskMetric.objects.values_list())
    risk("--as-of", "2024-04-30", "--lookback", "20", "--cash", "0")
    assert list(RiskMetric.objects.values_list()) == first
