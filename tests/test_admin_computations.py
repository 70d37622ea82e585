"""The admin actions that rebuild positions and recompute performance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from marketdata.models import MarketData
from tests import factories
from trading.models import Position, StrategyPerformance

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def book():
    MarketData.objects.create(
        time=dt.datetime(2024, 3, 4, tzinfo=KST),
        symbol="005930",
        interval_type="1d",
        open=72000,
        high=73000,
        low=71000,
        close=72000,
        volume=1,
    )
    factories.trade(
        quantity=10, price=70000, commission=0, executed_at=dt.datetime(2024, 3, 4, 10, tzinfo=KST)
    ).save()
    position = factories.position(quantity=7, average_price=69000)
    position.save()
    return position


def test_rebuilding_positions_shows_the_reconciliation_before_writing(admin_client, book):
    url = reverse("admin:trading_position_changelist")
    selected = {"action": "rebuild_selected", "_selected_action": [book.pk]}

    preview = admin_client.post(url, selected)

    assert preview.status_code == 200
    # Field names and figures as the list shows them, not column names and raw decimals.
    assert preview.context["differences"][0]["fields"][:2] == [
        ("quantity", "7", "10"),
        ("average price", "69,000", "70,000"),
    ]
    assert '<td class="qb-num">69,000</td><td class="qb-num">70,000</td>' in preview.text
    assert Position.objects.get().quantity == 7

    # The preview's button posts the positions to the rebuild page.
    done = admin_client.post(
        reverse("admin:trading_position_rebuild"),
        {"position": preview.context["keys"], "confirm": "yes"},
        follow=True,
    )

    assert "Rebuilt 1 positions: 1 changed, 0 unchanged." in done.text
    position = Position.objects.get()
    assert (position.quantity, position.last_price, position.unrealized_pnl) == (
        10,
        Decimal(72000),
        Decimal(20000),
    )


def test_recomputing_performance_updates_the_selected_days(admin_client, book, settings):
    settings.QB_STRATEGY_CAPITAL = {"momentum": Decimal(10_000_000)}
    row = factories.performance(date=dt.date(2024, 3, 4), pnl=1)
    row.save()

    response = admin_client.post(
        reverse("admin:trading_strategyperformance_changelist"),
        {"action": "recompute_selected", "_selected_action": [row.pk]},
        follow=True,
    )

    assert "Recomputed momentum (1 days, 2024-03-04 to 2024-03-04)." in response.text
    # Bought 10 at 70,000, closed at 72,000, no fees: +20,000 on the day.
    assert StrategyPerformance.objects.get().pnl == Decimal(20000)
