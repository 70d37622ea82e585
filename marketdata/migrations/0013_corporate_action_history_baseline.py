"""Baseline history rows for the audited tables added since 0012/0016 (as in those), the SQL
of adminkit.history_baseline.create_sql() frozen here as it was when this migration was
written; tests/test_history_baseline.py checks that it still matches the models.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION corporate_actions_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO corporate_actions_history (id, symbol, kind, record_date, ex_date, pay_date, ratio, amount, new_symbol, fraction_price, note, created_at,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, symbol, kind, record_date, ex_date, pay_date, ratio, amount, new_symbol, fraction_price, note, created_at, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER corporate_actions_history_baseline AFTER INSERT ON corporate_actions
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_history_baseline();

CREATE OR REPLACE FUNCTION corporate_actions_history_replaces_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- Most inserts are the baselines themselves, or Django's rows of objects it created:
    -- the first have nothing to replace and return at once.
    IF NOT EXISTS (
        SELECT 1 FROM added_rows
        WHERE history_type = '+' AND history_change_reason IS DISTINCT FROM 'inserted outside the admin'
    ) THEN
        RETURN NULL;
    END IF;
    -- The object's baseline just before the row added (no row of the object between).
    DELETE FROM corporate_actions_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM corporate_actions_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER corporate_actions_history_replaces_baseline AFTER INSERT ON corporate_actions_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION corporate_actions_history_replaces_baseline();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS corporate_actions_history_replaces_baseline ON corporate_actions_history;
DROP FUNCTION IF EXISTS corporate_actions_history_replaces_baseline();
DROP TRIGGER IF EXISTS corporate_actions_history_baseline ON corporate_actions;
DROP FUNCTION IF EXISTS corporate_actions_history_baseline();
"""


class Migration(migrations.Migration):
    dependencies = [("marketdata", "0012_history_baselines")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
