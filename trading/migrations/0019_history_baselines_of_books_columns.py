"""Baseline history for accounts and cash movements again: each gained a column in 0018 (the
dividend tax rate; the corporate action that paid a movement). The SQL of
adminkit.history_baseline.create_sql() frozen here as it was when this migration was written;
tests/test_history_baseline.py checks that the newest frozen SQL of each table matches the
models. Back: the functions as 0016 and 0017 froze them.
"""

import importlib

from django.db import migrations

from adminkit.history_baseline import drop_triggers_sql, frozen_part

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO accounts_history (id, code, name, broker, number, is_active, dividend_tax_rate, created_at,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, code, name, broker, number, is_active, dividend_tax_rate, created_at, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_history_baseline AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_history_baseline();

CREATE OR REPLACE FUNCTION accounts_history_replaces_baseline() RETURNS trigger
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
    DELETE FROM accounts_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM accounts_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_history_replaces_baseline AFTER INSERT ON accounts_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_history_replaces_baseline();

CREATE OR REPLACE FUNCTION cash_movements_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO cash_movements_history (id, kind, amount, trade_date, settles_on, source, note, import_key, created_at, account_id, corporate_action_id,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, kind, amount, trade_date, settles_on, source, note, import_key, created_at, account_id, corporate_action_id, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER cash_movements_history_baseline AFTER INSERT ON cash_movements
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cash_movements_history_baseline();

CREATE OR REPLACE FUNCTION cash_movements_history_replaces_baseline() RETURNS trigger
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
    DELETE FROM cash_movements_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM cash_movements_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER cash_movements_history_replaces_baseline AFTER INSERT ON cash_movements_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION cash_movements_history_replaces_baseline();
"""

DROP = drop_triggers_sql("accounts", "accounts_history") + drop_triggers_sql(
    "cash_movements", "cash_movements_history"
)


def _before():
    first = importlib.import_module("trading.migrations.0016_history_baselines").FORWARD
    second = importlib.import_module("trading.migrations.0017_books_history_baselines").FORWARD
    return frozen_part(first, "accounts") + frozen_part(second, "cash_movements")


class Migration(migrations.Migration):
    dependencies = [("trading", "0018_books_corporate_actions")]

    operations = [
        migrations.RunSQL(DROP + FORWARD, DROP + _before()),
    ]
