"""Distinct values of a column or columns by a loose index scan: one index probe per
distinct value, instead of SELECT DISTINCT over the whole table.

Needs an index that starts with `columns`, in that order; the columns of `equal` narrow
each probe. Used by the admin's filter choices and the market data facts.
"""

from psycopg2 import sql


def distinct(connection, *, table: str, columns: list[str], equal: dict | None = None) -> list:
    """Distinct `columns` of `table` in index order, where each column of `equal` has its
    value. One column gives a list of values; several give tuples."""
    equal = equal or {}
    filters = [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in equal]
    where = sql.SQL(" AND ").join(filters) if filters else sql.SQL("TRUE")
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    row = sql.SQL("({})").format(names) if len(columns) > 1 else names
    query = sql.SQL(
        """
        WITH RECURSIVE found AS (
            (SELECT {names} FROM {table} WHERE {where} ORDER BY {names} LIMIT 1)
            UNION ALL
            SELECT next.* FROM found CROSS JOIN LATERAL (
                SELECT {names} FROM {table}
                WHERE {where} AND {row} > ({previous})
                ORDER BY {names} LIMIT 1
            ) AS next
        )
        SELECT {names} FROM found
        """
    ).format(
        names=names,
        table=sql.Identifier(table),
        where=where,
        row=row,
        previous=sql.SQL(", ").join(sql.SQL("found.{}").format(sql.Identifier(c)) for c in columns),
    )
    values = list(equal.values())
    with connection.cursor() as cursor:
        cursor.execute(query, values + values)
        rows = cursor.fetchall()
    return rows if len(columns) > 1 else [value for (value,) in rows if value is not None]
