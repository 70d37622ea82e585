"""A model's database constraints checked for many unsaved rows at once.

Django's `full_clean()` checks each constraint of each row with a query of its own: six
check constraints cost six queries a row, so a file of 10,000 rows costs 60,000. Here the
rows travel as a set named like the table (one array a column, only the columns a query
reads), and every check constraint's condition (compiled by Django, so it is the same SQL
the database enforces) is evaluated for all of them in one query; unique constraints are
checked within the rows and against the table in one query each. Used by the admin's
imports (adminkit/resources.py).
"""

import json
import re
from collections.abc import Sequence
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections
from django.db.models import CheckConstraint, Model, Q, UniqueConstraint
from django.db.models.sql import Query
from django.utils.translation import gettext as _
from psycopg2.extras import Json


def _column_type(field, connection) -> str:
    # The bare type: a cast to numeric(12, 2) could fail on a value that field validation
    # has already reported, while numeric takes it.
    return re.sub(r"\(.*\)", "", field.db_type(connection))


def _array_literal(values) -> str:
    """PostgreSQL's text form of an array: parsed as one value, far faster than a VALUES
    list of as many parameters."""
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
            continue
        if isinstance(value, Json):
            value = value.dumps(value.adapted)
        elif isinstance(value, dict | list):
            value = json.dumps(value)
        text = str(value)
        if "\\" in text or '"' in text:
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        items.append('"' + text + '"')
    return "{" + ",".join(items) + "}"


class _RowSet:
    """The rows as a set named like the table: `unnest(...)` of a row number and the
    columns one query needs, each column sent as one array and made once."""

    def __init__(self, rows: Sequence[Model], table: str, connection):
        self.rows, self.table, self.connection = rows, table, connection
        self._arrays = {"n": ("integer", _array_literal(range(len(rows))))}

    def _array(self, field):
        if field.column not in self._arrays:
            prep = field.get_db_prep_value
            column = [prep(getattr(row, field.attname), self.connection) for row in self.rows]
            self._arrays[field.column] = (
                _column_type(field, self.connection),
                _array_literal(column),
            )
        return self._arrays[field.column]

    def sql(self, fields):
        """(`unnest(...) AS table ("n", columns)` SQL, params) for `fields`."""
        columns = {f.column: f for f in fields}
        arrays = [self._arrays["n"], *(self._array(f) for f in columns.values())]
        names = ", ".join(self.connection.ops.quote_name(name) for name in ["n", *columns])
        casts = ", ".join(f"%s::{t}[]" for t, _ in arrays)
        return f"unnest({casts}) AS {self.table} ({names})", [literal for _, literal in arrays]


def _fields(model, condition: Q | None):
    if condition is None:
        return []
    return [model._meta.get_field(name) for name in sorted(condition.referenced_base_fields)]


def _condition_sql(model, condition: Q, connection):
    query = Query(model)
    where = query.build_where(condition)
    return where.as_sql(query.get_compiler(connection=connection), connection)


class UniqueRule(NamedTuple):
    fields: tuple
    condition: Q | None
    message: str | None  # None: Django's "... with this ... already exists."
    against_table: bool  # False for the primary key, which the import looks up itself


def _unique_rules(model) -> list[UniqueRule]:
    opts = model._meta
    rules = [UniqueRule((opts.pk,), None, None, False)]
    rules += [
        UniqueRule((f,), None, None, True)
        for f in opts.local_fields
        if f.unique and not f.primary_key
    ]
    rules += [
        UniqueRule(tuple(opts.get_field(name) for name in together), None, None, True)
        for together in opts.unique_together
    ]
    for constraint in opts.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields:
            custom = (
                constraint.violation_error_message != constraint.default_violation_error_message
            )
            rules.append(
                UniqueRule(
                    tuple(opts.get_field(name) for name in constraint.fields),
                    constraint.condition,
                    constraint.get_violation_error_message() if custom else None,
                    True,
                )
            )
    return rules


def violations(
    model, rows: Sequence[Model], *, numbers: Sequence[int] = (), using: str = "default"
) -> dict[int, ValidationError]:
    """The rows (by position in `rows`) that break a constraint of `model`, with the
    constraint's message. Rows are unsaved or changed instances; nothing is written.
    `numbers` are the rows' numbers in the file, for the message about a repeated key."""
    if not rows:
        return {}
    connection = connections[using]
    opts = model._meta
    table = connection.ops.quote_name(opts.db_table)
    rows_set = _RowSet(rows, table, connection)
    errors: dict[int, list[str]] = {}

    checks = [c for c in opts.constraints if isinstance(c, CheckConstraint)]
    if checks:
        tests, test_params, needed = [], [], []
        for constraint in checks:
            sql, condition_params = _condition_sql(model, constraint.condition, connection)
            # As Django's own check: a condition that is NULL passes.
            tests.append(f"NOT COALESCE(({sql}), true)")
            test_params.extend(condition_params)
            needed += _fields(model, constraint.condition)
        rows_sql, params = rows_set.sql(needed)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT n, ARRAY[{', '.join(tests)}] FROM {rows_sql} WHERE {' OR '.join(tests)}",
                [*test_params, *params, *test_params],
            )
            for n, failed in cursor.fetchall():
                for constraint, broken in zip(checks, failed, strict=True):
                    if broken:
                        errors.setdefault(n, []).append(constraint.get_violation_error_message())

    pk_column = connection.ops.quote_name(opts.pk.column)
    for rule in _unique_rules(model):
        key = [f"{table}.{connection.ops.quote_name(f.column)}" for f in rule.fields]
        where, where_params = " AND ".join(f"{k} IS NOT NULL" for k in key), []
        if rule.condition is not None:
            sql, where_params = _condition_sql(model, rule.condition, connection)
            where += f" AND {sql}"
        rows_sql, params = rows_set.sql([*rule.fields, *_fields(model, rule.condition), opts.pk])
        with connection.cursor() as cursor:
            # Twice in the file: every row after the first of its key.
            cursor.execute(
                f"SELECT n, first FROM (SELECT n, min(n) OVER (PARTITION BY {', '.join(key)}) "
                f"AS first FROM {rows_sql} WHERE {where}) "
                "AS keyed WHERE n <> first",
                [*params, *where_params],
            )
            for n, first in cursor.fetchall():
                errors.setdefault(n, []).append(
                    _("%(fields)s %(values)s repeats row %(row)s.")
                    % {
                        "fields": ", ".join(str(f.verbose_name) for f in rule.fields),
                        "values": " ".join(str(getattr(rows[n], f.attname)) for f in rule.fields),
                        "row": numbers[first] if numbers else first + 1,
                    }
                )
            if not rule.against_table:
                continue
            # Already in the table, on another row. Inside the subquery the table's name
            # means the table; outside it, the file's rows.
            join = " AND ".join(
                f"stored.{connection.ops.quote_name(f.column)} = {k}"
                for f, k in zip(rule.fields, key, strict=True)
            )
            cursor.execute(
                f"SELECT n FROM {rows_sql} "
                f"JOIN (SELECT * FROM {table} WHERE {where}) AS stored ON {join} "
                f"WHERE {where} AND stored.{pk_column} IS DISTINCT FROM {table}.{pk_column}",
                [*params, *where_params, *where_params],
            )
            for (n,) in cursor.fetchall():
                errors.setdefault(n, []).append(
                    rule.message
                    or rows[n].unique_error_message(model, [f.name for f in rule.fields])
                )

    return {n: ValidationError({NON_FIELD_ERRORS: messages}) for n, messages in errors.items()}
