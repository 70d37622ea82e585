# A corporate action changes the positions of its stock (and, for a merger or a symbol
# change, of the new symbol): statement-level triggers on corporate_actions mark every
# (account, symbol) with fills in either as stale, like the triggers on trades (0009) do,
# whoever wrote the action (the admin, an import, SQL).

from django.db import migrations

MARK = """
CREATE FUNCTION corporate_actions_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO trade_changes (account_id, symbol, changed_at)
        SELECT account_id, symbol, now() FROM positions
        ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO trade_changes (account_id, symbol, changed_at)
        SELECT DISTINCT t.account_id, t.symbol, now() FROM trades t
        WHERE t.symbol IN (SELECT symbol FROM new_rows UNION SELECT new_symbol FROM new_rows)
        ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO trade_changes (account_id, symbol, changed_at)
        SELECT DISTINCT t.account_id, t.symbol, now() FROM trades t
        WHERE t.symbol IN (SELECT symbol FROM old_rows UNION SELECT new_symbol FROM old_rows)
        ON CONFLICT (account_id, symbol) DO UPDATE SET changed_at = excluded.changed_at;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER corporate_actions_mark_inserted AFTER INSERT ON corporate_actions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_changed();
CREATE TRIGGER corporate_actions_mark_updated AFTER UPDATE ON corporate_actions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_changed();
CREATE TRIGGER corporate_actions_mark_deleted AFTER DELETE ON corporate_actions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_changed();
CREATE TRIGGER corporate_actions_mark_truncated AFTER TRUNCATE ON corporate_actions
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_mark_changed();
"""

UNMARK = """
DROP TRIGGER IF EXISTS corporate_actions_mark_truncated ON corporate_actions;
DROP TRIGGER IF EXISTS corporate_actions_mark_deleted ON corporate_actions;
DROP TRIGGER IF EXISTS corporate_actions_mark_updated ON corporate_actions;
DROP TRIGGER IF EXISTS corporate_actions_mark_inserted ON corporate_actions;
DROP FUNCTION IF EXISTS corporate_actions_mark_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0013_constraint_messages_percent_escaped"),
        ("marketdata", "0011_corporate_actions"),
    ]

    operations = [migrations.RunSQL(MARK, UNMARK)]
