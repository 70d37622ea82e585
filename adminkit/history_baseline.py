"""A baseline history row for every row, however it was inserted.

django-simple-history writes a history row when Django saves a model (or when a caller uses
its `bulk_create_with_history`). Rows that arrive another way, such as raw SQL, a plain
`bulk_create`, or COPY, have no history at all, so the first correction made in the admin
would be the row's first version and the original value would be lost. A statement-level
trigger AFTER INSERT on each audited table gives every inserted row a "+" history row
(`BASELINE_REASON`, no user, the transaction's time). This is the only way to catch the
engine's own writes as well.

Bulk writers that write the history themselves go through `bulk_create_with_history` here,
which sets `qb.history_written` for its transaction so that neither trigger runs. When a
Django path otherwise writes its own "+" row for an object (a save), a second trigger on the
history table removes the baseline it replaces. That leaves exactly one "+" row, the one with
the user and the reason. The baseline is removed only when it is the object's row just
before Django's, so an older baseline of a re-used id is kept.

The SQL is generated here from the historical model's columns and frozen in migrations
(`trading/migrations/0013_history_baselines.py`, `marketdata/migrations/0010_...`). The
migrations test checks that the frozen text still matches the models. When a field is added
to an audited model, write a migration that replaces the trigger with `create_sql(model)`.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from simple_history import utils as simple_history_utils

BASELINE_REASON = "inserted outside the admin"
# Set (for the transaction) by code that writes the history of its inserts itself.
SETTING = "qb.history_written"


@contextmanager
def history_written(using=DEFAULT_DB_ALIAS):
    """Inserts inside write their own history: the baseline triggers stand aside."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [SETTING])
        yield
        # After an error the savepoint's rollback undoes the setting by itself.
        cursor.execute("SELECT set_config(%s, '', true)", [SETTING])


def bulk_create_with_history(objs, model, **kwargs):
    """django-simple-history's `bulk_create_with_history`, without baselines to replace."""
    with history_written():
        return simple_history_utils.bulk_create_with_history(objs, model, **kwargs)


_HISTORY_COLUMNS = ("history_id", "history_date", "history_change_reason", "history_type")
_HISTORY_USER = "history_user_id"


def _names(model):
    table = model._meta.db_table
    history_table = model.history.model._meta.db_table
    return table, history_table, model._meta.pk.column


def tracked_columns(model):
    """The history table's copies of the model's columns, in the history table's order."""
    return [
        f.column
        for f in model.history.model._meta.concrete_fields
        if f.column not in _HISTORY_COLUMNS and f.column != _HISTORY_USER
    ]


def create_sql(model):
    """The functions and triggers that give `model`'s table its baseline history rows."""
    table, history, pk = _names(model)
    columns = ", ".join(tracked_columns(model))
    return f"""
CREATE OR REPLACE FUNCTION {table}_history_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{SETTING}', true) = 'on' THEN
        RETURN NULL;  -- the caller writes the history itself (history_written())
    END IF;
    INSERT INTO {history} ({columns},
        history_date, history_change_reason, history_type, history_user_id)
    SELECT {columns}, now(), '{BASELINE_REASON}', '+', NULL FROM inserted_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER {table}_history_baseline AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_history_baseline();

CREATE OR REPLACE FUNCTION {history}_replaces_baseline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{SETTING}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- Most inserts are the baselines themselves, or Django's rows of objects it created:
    -- the first have nothing to replace and return at once.
    IF NOT EXISTS (
        SELECT 1 FROM added_rows
        WHERE history_type = '+' AND history_change_reason IS DISTINCT FROM '{BASELINE_REASON}'
    ) THEN
        RETURN NULL;
    END IF;
    -- The object's baseline just before the row added (no row of the object between).
    DELETE FROM {history} AS baseline USING added_rows AS added
    WHERE added.history_type = '+'
      AND added.history_change_reason IS DISTINCT FROM '{BASELINE_REASON}'
      AND baseline.{pk} = added.{pk}
      AND baseline.history_type = '+'
      AND baseline.history_change_reason = '{BASELINE_REASON}'
      AND baseline.history_user_id IS NULL
      AND baseline.history_id < added.history_id
      AND NOT EXISTS (
          SELECT 1 FROM {history} AS later
          WHERE later.{pk} = added.{pk}
            AND later.history_id > baseline.history_id
            AND later.history_id < added.history_id
      );
    RETURN NULL;
END
$$;
CREATE TRIGGER {history}_replaces_baseline AFTER INSERT ON {history}
    REFERENCING NEW TABLE AS added_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {history}_replaces_baseline();
"""


def drop_sql(model):
    table, history, _pk = _names(model)
    return f"""
DROP TRIGGER IF EXISTS {history}_replaces_baseline ON {history};
DROP FUNCTION IF EXISTS {history}_replaces_baseline();
DROP TRIGGER IF EXISTS {table}_history_baseline ON {table};
DROP FUNCTION IF EXISTS {table}_history_baseline();
"""


def frozen_part(sql: str, table: str) -> str:
    """The part of a migration's frozen `create_sql` text (several tables' in a row) that
    is `table`'s: from its function to the trigger of its history table."""
    start = sql.index(f"\nCREATE OR REPLACE FUNCTION {table}_history_baseline()")
    following = sql.find("\nCREATE OR REPLACE FUNCTION ", sql.index("_replaces_baseline();", start))
    return sql[start:] if following < 0 else sql[start:following]


def drop_triggers_sql(table: str, history: str) -> str:
    """Drop `table`'s two triggers, leaving the functions (replaced by what follows)."""
    return (
        f"\nDROP TRIGGER IF EXISTS {history}_replaces_baseline ON {history};"
        f"\nDROP TRIGGER IF EXISTS {table}_history_baseline ON {table};\n"
    )
