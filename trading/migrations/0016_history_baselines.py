"""Every row inserted outside Django (raw SQL, bulk_create, COPY) gets a baseline history row.

The SQL is adminkit.history_baseline.create_sql() for this app's audited models, frozen here
as it was when this migration was written; tests/test_history_baseline.py checks that it still
matches the models.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO accounts_history (id, code, name, broker, number, is_active, created_at,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, code, name, broker, number, is_active, created_at, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
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

CREATE OR REPLACE FUNCTION commission_schedules_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO commission_schedules_history (id, venue, valid_from, rate, minimum, note, account_id,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, venue, valid_from, rate, minimum, note, account_id, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER commission_schedules_history_baseline AFTER INSERT ON commission_schedules
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commission_schedules_history_baseline();

CREATE OR REPLACE FUNCTION commission_schedules_history_replaces_baseline() RETURNS trigger
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
    DELETE FROM commission_schedules_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM commission_schedules_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER commission_schedules_history_replaces_baseline AFTER INSERT ON commission_schedules_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commission_schedules_history_replaces_baseline();

CREATE OR REPLACE FUNCTION positions_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO positions_history (id, symbol, quantity, average_price, last_price, market_value, realized_pnl, unrealized_pnl, updated_at, account_id,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, symbol, quantity, average_price, last_price, market_value, realized_pnl, unrealized_pnl, updated_at, account_id, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER positions_history_baseline AFTER INSERT ON positions
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION positions_history_baseline();

CREATE OR REPLACE FUNCTION positions_history_replaces_baseline() RETURNS trigger
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
    DELETE FROM positions_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM positions_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER positions_history_replaces_baseline AFTER INSERT ON positions_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION positions_history_replaces_baseline();

CREATE OR REPLACE FUNCTION reconciliation_differences_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO reconciliation_differences_history (id, kind, broker_order_id, symbol, broker, ours, trades, status, note, run_id,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, kind, broker_order_id, symbol, broker, ours, trades, status, note, run_id, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER reconciliation_differences_history_baseline AFTER INSERT ON reconciliation_differences
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_differences_history_baseline();

CREATE OR REPLACE FUNCTION reconciliation_differences_history_replaces_baseline() RETURNS trigger
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
    DELETE FROM reconciliation_differences_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM reconciliation_differences_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER reconciliation_differences_history_replaces_baseline AFTER INSERT ON reconciliation_differences_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_differences_history_replaces_baseline();

CREATE OR REPLACE FUNCTION trades_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('qb.history_written', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO trades_history (id, venue, symbol, side, quantity, price, commission, tax, strategy, broker_order_id, fill_seq, execution_id, executed_at, created_at, account_id, reconstructed_by_id,
        history_date, history_change_reason, history_type, history_user_id)
    SELECT id, venue, symbol, side, quantity, price, commission, tax, strategy, broker_order_id, fill_seq, execution_id, executed_at, created_at, account_id, reconstructed_by_id, now(), 'inserted outside the admin', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER trades_history_baseline AFTER INSERT ON trades
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_history_baseline();

CREATE OR REPLACE FUNCTION trades_history_replaces_baseline() RETURNS trigger
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
    DELETE FROM trades_history AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM 'inserted outside the admin'
      AND baseline.id = added.id
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = 'inserted outside the admin'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM trades_history AS later
          WHERE later.id = added.id
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER trades_history_replaces_baseline AFTER INSERT ON trades_history
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trades_history_replaces_baseline();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_history_replaces_baseline ON accounts_history;
DROP FUNCTION IF EXISTS accounts_history_replaces_baseline();
DROP TRIGGER IF EXISTS accounts_history_baseline ON accounts;
DROP FUNCTION IF EXISTS accounts_history_baseline();

DROP TRIGGER IF EXISTS commission_schedules_history_replaces_baseline ON commission_schedules_history;
DROP FUNCTION IF EXISTS commission_schedules_history_replaces_baseline();
DROP TRIGGER IF EXISTS commission_schedules_history_baseline ON commission_schedules;
DROP FUNCTION IF EXISTS commission_schedules_history_baseline();

DROP TRIGGER IF EXISTS positions_history_replaces_baseline ON positions_history;
DROP FUNCTION IF EXISTS positions_history_replaces_baseline();
DROP TRIGGER IF EXISTS positions_history_baseline ON positions;
DROP FUNCTION IF EXISTS positions_history_baseline();

DROP TRIGGER IF EXISTS reconciliation_differences_history_replaces_baseline ON reconciliation_differences_history;
DROP FUNCTION IF EXISTS reconciliation_differences_history_replaces_baseline();
DROP TRIGGER IF EXISTS reconciliation_differences_history_baseline ON reconciliation_differences;
DROP FUNCTION IF EXISTS reconciliation_differences_history_baseline();

DROP TRIGGER IF EXISTS trades_history_replaces_baseline ON trades_history;
DROP FUNCTION IF EXISTS trades_history_replaces_baseline();
DROP TRIGGER IF EXISTS trades_history_baseline ON trades;
DROP FUNCTION IF EXISTS trades_history_baseline();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0015_books"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
