# An update of trades marks a position stale only when it changes what the position is
# made of: the account, symbol, side, quantity, price, commission, tax or time of a fill, or
# its id or creation time (the order of fills at one moment). Checking charges and prices
# again (assess_fills: expected charges, settlement date, flags), a strategy's or a broker
# id's correction change no position. PostgreSQL refuses transition tables on a trigger
# with a column list (UPDATE OF ...), and a statement-level trigger has no WHEN on rows, so
# the function compares the rows before and after by id; a row whose id changed has no
# partner and marks both its positions.

from django.db import migrations

POSITION_COLUMNS = (
    "account_id",
    "symbol",
    "side",
    "quantity",
    "price",
    "commission",
    "tax",
    "executed_at",
    "created_at",
)
BEFORE = ", ".join(f"o.{c}" for c in POSITION_COLUMNS)
AFTER = ", ".join(f"n.{c}" for c in POSITION_COLUMNS)

MARK_UPDATED = f"""
CREATE FUNCTION trades_mark_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trade_changes (account_id, symbol, changed_at)
    SELECT DISTINCT k.account_id, k.symbol, now()
    FROM old_rows o
    FULL JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.account_id, o.symbol), (n.account_id, n.symbol))
        AS k(account_id, symbol)
    WHERE ({BEFORE}) IS DISTINCT FROM ({AFTER}) AND k.account_id IS NOT NULL
    ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
    RETURN NULL;
END
$$;
DROP TRIGGER trades_mark_updated ON trades;
CREATE TRIGGER trades_mark_updated AFTER UPDATE ON trades
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_mark_updated();
"""

MARK_EVERY_UPDATE = """
DROP TRIGGER trades_mark_updated ON trades;
CREATE TRIGGER trades_mark_updated AFTER UPDATE ON trades
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_mark_changed();
DROP FUNCTION trades_mark_updated();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0010_reconciliation"),
    ]

    operations = [migrations.RunSQL(MARK_UPDATED, MARK_EVERY_UPDATE)]
