"""adminkit/history_baseline.py and its migrations: a row inserted any way at all has exactly
one "+" history row, so the first correction in the admin keeps the original value."""

import datetime as dt
import importlib
import io
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from simple_history.models import registered_models
from simple_history.utils import bulk_create_with_history as library_bulk_create_with_history

from adminkit.history_baseline import (
    BASELINE_REASON,
    bulk_create_with_history,
    create_sql,
    frozen_part,
)
from marketdata.models import StockMetadata
from tests import factories
from trading.models import Account, Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))
COLUMNS = (
    "id, account_id, venue, symbol, side, quantity, price, commission, tax, strategy, "
    "broker_order_id, executed_at"
)


def raw_trade(price="80000"):
    account = factories.account()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO trades ({COLUMNS}, created_at, charges_differ) "
            "VALUES (gen_random_uuid(), %s, 'KRX', '005930', 'BUY', 10, %s, 120, 0, 'engine', '', "
            "%s, now(), false) "
            "RETURNING id",
            [account.pk, Decimal(price), dt.datetime(2026, 3, 4, 10, tzinfo=KST)],
        )
        return Trade.objects.get(pk=cursor.fetchone()[0])


def cells(row):
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("<td>")[1:]]


def history(trade):
    return list(
        trade.history.order_by("history_id").values_list(
            "history_type", "history_change_reason", "history_user__username", "price"
        )
    )


def test_a_trade_inserted_with_raw_sql_gets_one_baseline_row():
    trade = raw_trade()
    assert history(trade) == [("+", BASELINE_REASON, None, Decimal("80000.00"))]


def test_trades_inserted_with_bulk_create_get_one_baseline_row_each():
    made = Trade.objects.bulk_create([factories.trade(price=Decimal(p)) for p in (70000, 71000)])
    assert [history(t) for t in made] == [
        [("+", BASELINE_REASON, None, Decimal("70000.00"))],
        [("+", BASELINE_REASON, None, Decimal("71000.00"))],
    ]


def test_a_trade_copied_in_gets_one_baseline_row():
    account = factories.account()
    line = (
        f"{uuid.uuid4()},{account.pk},KRX,005930,SELL,5,81000,0,1458,engine,"
        '"",2026-03-04 10:00:00+09,2026-03-04 10:00:01+09,false\n'
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY trades ({COLUMNS}, created_at, charges_differ) FROM STDIN WITH (FORMAT csv)",
            io.StringIO(line),
        )
    assert history(Trade.objects.get()) == [("+", BASELINE_REASON, None, Decimal("81000.00"))]


def test_a_trade_saved_by_django_keeps_its_one_history_row():
    trade = factories.trade()
    trade.save()
    assert history(trade) == [("+", None, None, Decimal("72000.00"))]


def test_the_library_s_bulk_create_with_history_keeps_its_own_rows_only():
    made = library_bulk_create_with_history(
        [factories.trade(), factories.trade(symbol="000660")],
        Trade,
        default_change_reason="imported",
    )
    assert [history(t) for t in made] == [[("+", "imported", None, Decimal("72000.00"))]] * 2


def test_our_bulk_create_with_history_writes_no_baseline_and_stands_aside_only_inside():
    made = bulk_create_with_history([factories.trade()], Trade, default_change_reason="imported")
    assert history(made[0]) == [("+", "imported", None, Decimal("72000.00"))]
    # The setting ends with the call: the next raw insert of the transaction has its baseline.
    assert history(raw_trade()) == [("+", BASELINE_REASON, None, Decimal("80000.00"))]


def test_a_trade_added_in_the_admin_keeps_its_one_history_row(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:trading_trade_add"),
        {
            "account": factories.account().pk,
            "venue": "KRX",
            "symbol": "005930",
            "side": "BUY",
            "quantity": "10",
            "price": "72000",
            "commission": "108",
            "tax": "0",
            "strategy": "manual",
            "broker_order_id": "",
            "fill_seq": "1",
            "execution_id": "",
            "executed_at_0": "2026-03-04",
            "executed_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    assert history(Trade.objects.get()) == [("+", None, "admin", Decimal("72000.00"))]


def test_an_older_baseline_of_a_reused_id_is_kept():
    trade = raw_trade()
    trade.quantity = 11
    trade.save()
    pk = trade.pk
    trade.delete()
    again = factories.trade(id=pk)
    again.save()
    assert [row[:2] for row in history(again)] == [
        ("+", BASELINE_REASON),
        ("~", None),
        ("-", None),
        ("+", None),
    ]


def test_the_first_admin_correction_of_a_raw_sql_trade_shows_the_original_price(admin_client):
    trade = raw_trade(price="80000")
    form = {
        "account": trade.account_id,
        "venue": "KRX",
        "symbol": "005930",
        "side": "BUY",
        "quantity": "10",
        "price": "80100",
        "commission": "120",
        "tax": "0",
        "strategy": "engine",
        "broker_order_id": "",
        "fill_seq": "1",
        "execution_id": "",
        "executed_at_0": "2026-03-04",
        "executed_at_1": "10:00:00",
    }
    assert (
        admin_client.post(reverse("admin:trading_trade_change", args=[trade.pk]), form).status_code
        == 302
    )

    page = admin_client.get(reverse("admin:trading_trade_history", args=[trade.pk]))
    changes = page.text.split("<strong>Price:</strong>")[1].split("</li>")[0].split()
    assert changes == ["80,000", "&nbsp;&rarr;&nbsp;&nbsp;80,100"]
    rows = page.text.split('id="change-history"')[1].split("<tbody>")[1].split("</tr>")
    assert [cells(row)[1:4] for row in rows[:2]] == [
        ["Buy", "10", "80,100"],
        ["Buy", "10", "80,000"],
    ]
    headings = page.text.split('id="change-history"')[1].split("</thead>")[0]
    assert re.findall(r'<th scope="col">([^<]+)</th>', headings)[1:4] == [
        "Side",
        "Quantity",
        "Price",
    ]
    assert cells(rows[1])[-4:-1] == ["Created", "-", BASELINE_REASON]
    assert [row[3] for row in history(trade)] == [Decimal("80000.00"), Decimal("80100.00")]


def test_accounts_and_stocks_inserted_outside_django_get_baselines_too():
    Account.objects.bulk_create([factories.new_account()])
    StockMetadata.objects.bulk_create([factories.stock()])
    assert list(
        Account.history.filter(code="SWING").values_list("history_change_reason", flat=True)
    ) == [BASELINE_REASON]
    assert list(StockMetadata.history.values_list("history_change_reason", flat=True)) == [
        BASELINE_REASON
    ]


def test_every_audited_table_has_its_trigger():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%%_history_baseline'")
        found = {name for (name,) in cursor.fetchall()}
    assert found == {f"{m._meta.db_table}_history_baseline" for m in registered_models.values()}


def frozen_triggers():
    """Per audited table, the newest migration that froze its baseline trigger's SQL."""
    newest = {}
    for app in ("marketdata", "trading"):
        folder = Path(importlib.import_module(f"{app}.migrations").__file__).parent
        for path in sorted(folder.glob("[0-9]*.py")):
            module = importlib.import_module(f"{app}.migrations.{path.stem}")
            forward = getattr(module, "FORWARD", "")
            for table in re.findall(r"CREATE TRIGGER (\w+)_history_baseline AFTER INSERT", forward):
                newest[table] = (path.stem, frozen_part(forward, table))
    return newest


def test_every_audited_table_has_a_frozen_trigger():
    assert set(frozen_triggers()) == {m._meta.db_table for m in registered_models.values()}


@pytest.mark.parametrize(
    "model",
    sorted(registered_models.values(), key=lambda m: m._meta.db_table),
    ids=lambda m: m._meta.db_table,
)
def test_the_newest_frozen_trigger_of_each_table_matches_its_model(model):
    # When this fails, a field was added to an audited model: write a migration that
    # replaces the trigger with create_sql(model), or raw inserts will miss the column.
    migration, frozen = frozen_triggers()[model._meta.db_table]
    assert frozen == create_sql(model), migration
