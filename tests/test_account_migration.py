"""The accounts migration on a back office that already holds trades and positions."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from trading.models import Account, Position, Trade

pytestmark = pytest.mark.django_db(transaction=True)
KST = dt.timezone(dt.timedelta(hours=9))
BEFORE = [("trading", "0005_message_full_text_search")]
POSITION_FIELDS = (
    "symbol",
    "quantity",
    "average_price",
    "last_price",
    "market_value",
    "realized_pnl",
    "unrealized_pnl",
)


def migrate(targets):
    """Migrate the test database to `targets`; the models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def single_account_back_office():
    """Trades and positions as they were before accounts, then the migrations to date."""
    old = migrate(BEFORE)
    OldTrade, OldPosition = old.get_model("trading", "Trade"), old.get_model("trading", "Position")

    def fill(order, hour, minute, quantity=10):
        return OldTrade.objects.create(
            symbol="005930",
            side="BUY",
            quantity=quantity,
            price=Decimal(72000),
            commission=Decimal(108),
            strategy="momentum",
            broker_order_id=order,
            executed_at=dt.datetime(2024, 3, 4, hour, minute, tzinfo=KST),
        ).id

    # Order 0000000001 was filled three times; the second and third fills are equal.
    ids = {
        "second": fill("0000000001", 10, 0),
        "third": fill("0000000001", 10, 0),
        "first": fill("0000000001", 9, 30),
        "other order": fill("0000000002", 11, 0),
        "no order id": fill("", 12, 0),
    }
    OldPosition.objects.create(
        symbol="005930",
        quantity=40,
        average_price=Decimal("72000.0000"),
        last_price=Decimal(73000),
        market_value=Decimal(2920000),
        realized_pnl=Decimal("-540.00"),
        unrealized_pnl=Decimal(40000),
    )
    OldPosition.objects.create(symbol="000660", quantity=0, realized_pnl=Decimal(1234))
    before = list(OldPosition.objects.order_by("symbol").values(*POSITION_FIELDS))
    migrate(latest())
    yield ids, before
    migrate(latest())


def test_every_row_lands_in_one_default_account_and_positions_stay_as_they_were(
    single_account_back_office,
):
    _, before = single_account_back_office
    default = Account.objects.get()
    assert (default.code, default.name) == ("DEFAULT", "Default account")
    assert set(Trade.objects.values_list("account", flat=True)) == {default.pk}
    assert set(Position.objects.values_list("account", flat=True)) == {default.pk}
    assert list(Position.objects.order_by("symbol").values(*POSITION_FIELDS)) == before
    assert set(Trade.objects.values_list("venue", flat=True)) == {"KRX"}


def test_the_fills_of_each_order_are_numbered_in_execution_order(single_account_back_office):
    ids, _ = single_account_back_office
    numbers = {name: Trade.objects.get(id=pk).fill_seq for name, pk in ids.items()}
    assert numbers == {"first": 1, "second": 2, "third": 3, "other order": 1, "no order id": 1}


def test_a_writer_that_names_no_account_lands_in_the_default_account(single_account_back_office):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO trades (id, symbol, side, quantity, price, commission, tax, strategy,
                                broker_order_id, executed_at, created_at)
            VALUES (%s, '005930', 'SELL', 5, 73000, 55, 730, 'momentum', '0000000003',
                    now(), now())
            """,
            [uuid.uuid4()],
        )
    trade = Trade.objects.get(broker_order_id="0000000003")
    assert (trade.account.code, trade.venue, trade.fill_seq) == ("DEFAULT", "KRX", 1)


def test_the_migration_goes_back_and_forward_again(single_account_back_office):
    old = migrate(BEFORE)
    assert old.get_model("trading", "Trade").objects.count() == 5
    migrate(latest())
    assert Trade.objects.count() == 5
    assert Account.objects.get().code == "DEFAULT"
