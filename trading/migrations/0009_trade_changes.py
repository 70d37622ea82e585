# Positions go stale when their trades change after a rebuild. Statement-level triggers on
# trades keep, per (account, symbol), when its trades last changed, whoever wrote them (the
# admin, an import, the trading engine's own SQL); trading/positions.py consumes the marks
# of the positions it rebuilds. One statement costs one upsert of its distinct positions.

import django.db.models.deletion
from django.db import migrations, models

MARK = """
CREATE FUNCTION trades_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO trade_changes (account_id, symbol, changed_at)
        SELECT account_id, symbol, now() FROM positions
        ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO trade_changes (account_id, symbol, changed_at)
        SELECT DISTINCT account_id, symbol, now() FROM new_rows
        ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO trade_changes (account_id, symbol, changed_at)
        SELECT DISTINCT account_id, symbol, now() FROM old_rows
        ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER trades_mark_inserted AFTER INSERT ON trades
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_mark_changed();
CREATE TRIGGER trades_mark_updated AFTER UPDATE ON trades
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_mark_changed();
CREATE TRIGGER trades_mark_deleted AFTER DELETE ON trades
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_mark_changed();
CREATE TRIGGER trades_mark_truncated AFTER TRUNCATE ON trades
    FOR EACH STATEMENT EXECUTE FUNCTION trades_mark_changed();
"""

UNMARK = """
DROP TRIGGER IF EXISTS trades_mark_truncated ON trades;
DROP TRIGGER IF EXISTS trades_mark_deleted ON trades;
DROP TRIGGER IF EXISTS trades_mark_updated ON trades;
DROP TRIGGER IF EXISTS trades_mark_inserted ON trades;
DROP FUNCTION IF EXISTS trades_mark_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0008_account_required"),
    ]

    operations = [
        migrations.CreateModel(
            name="TradeChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("symbol", models.CharField(max_length=10, verbose_name="symbol")),
                ("changed_at", models.DateTimeField(verbose_name="trades changed at")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="trading.account",
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "trade change",
                "verbose_name_plural": "trade changes",
                "db_table": "trade_changes",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "symbol"), name="trade_changes_unique"
                    )
                ],
            },
        ),
        migrations.RunSQL(MARK, UNMARK),
    ]
