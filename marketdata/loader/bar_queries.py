"""SQL over a bars relation (marketdata/loader/staging.py makes them): counting its rows by series,
the checks that look at stored bars, and the writes into market_data.

A bars relation has the columns line, time, symbol, iv, open, high, low, close, volume and
the flags skipped, repaired and ok.
"""

from psycopg2 import sql

from marketdata.loader.formats import VALUES
from marketdata.loader.stage_sql import (
    KEY,
    KST,
    MARKET_DATA,
    MAX_VOLUME,
    aligned,
    minute_of_day,
    on_grid,
    stored_time,
)


def summary(bars: sql.Composable, *, spacing: bool) -> sql.Composed:
    """Per (symbol, interval): good bars, their first and last time, skipped, bad and
    repaired rows; with `spacing`, for the interval's inference, good bars not at 00:00 KST
    and the first line of a good bar between whole minutes (else NULL)."""
    if spacing:
        times = sql.SQL(
            "count(*) FILTER (WHERE ok AND (time AT TIME ZONE {kst})::time <> '00:00'), "
            "min(line) FILTER (WHERE ok AND NOT {minute})"
        ).format(kst=KST, minute=on_grid(sql.SQL("time"), sql.Literal(60)))
    else:
        times = sql.SQL("NULL::bigint, NULL::bigint")
    return sql.SQL(
        "SELECT symbol, iv, count(*) FILTER (WHERE ok), min(time) FILTER (WHERE ok), "
        "max(time) FILTER (WHERE ok), count(*) FILTER (WHERE skipped), "
        "count(*) FILTER (WHERE NOT ok AND NOT skipped), count(*) FILTER (WHERE ok AND repaired), "
        "{times} FROM ({bars}) b GROUP BY symbol, iv"
    ).format(times=times, bars=bars)


def minutes_of_day(bars: sql.Composable) -> sql.Composed:
    return sql.SQL("SELECT DISTINCT {minute}::int FROM ({bars}) b WHERE ok ORDER BY 1").format(
        minute=minute_of_day(sql.SQL("time")), bars=bars
    )


def lines_where(bars: sql.Composable, condition: sql.Composable, limit: int) -> sql.Composed:
    return sql.SQL("SELECT line FROM ({}) b WHERE {} ORDER BY line LIMIT {}").format(
        bars, condition, sql.Literal(limit)
    )


def good_rows(
    bars: sql.Composable,
    *,
    interval: str | None,
    shift: int,
    load_id: int | None = None,
    enforce: bool = False,
) -> sql.Composed:
    """The rows to write, with the interval and the start time (`shift` minutes back).

    `enforce`: the rows were not checked (the typed way). The write enforces then what
    market_data's constraints do not: a time that cannot start a bar of the interval or is
    not one we store (stage_sql.stored_time), or a volume that is not whole, becomes NULL,
    which the table's NOT NULL refuses, so the write fails and the file goes the text way.
    Checking in the write costs no pass of its own."""
    time = sql.SQL("time")
    volume = sql.SQL("volume::bigint")
    iv = sql.SQL("iv") if interval is None else sql.SQL("{}::text").format(sql.Literal(interval))
    if enforce:
        rule = aligned(time, interval if interval is not None else sql.SQL("iv"))
        time = sql.SQL("CASE WHEN {} AND {} THEN time END").format(rule, stored_time(time))
        volume = sql.SQL(
            "CASE WHEN volume = trunc(volume) AND volume <= {} THEN volume::bigint END"
        ).format(MAX_VOLUME)
    if shift:
        time = sql.SQL("{} - {} * interval '1 minute'").format(time, sql.Literal(shift))
    return sql.SQL(
        "SELECT line, {time} AS time, symbol, {iv} AS iv, open, high, low, close, "
        "{volume} AS volume, {load}::bigint AS load_id FROM ({bars}) b WHERE ok"
    ).format(time=time, iv=iv, volume=volume, load=sql.Literal(load_id), bars=bars)


def copied_bar_check() -> sql.Composed:
    """The WHERE of a COPY straight into market_data: what the table's constraints do not
    check, a time that starts a bar of the row's interval and is one we store. A row that
    fails stops the COPY, with a DataError (its text cannot be read as a boolean; a
    constant would be read once when the COPY starts, so the text names the row): a
    COPY's WHERE skips the rows it does not keep, and the loader must know of them."""
    time, iv = sql.SQL("time"), sql.SQL("interval_type")
    return sql.SQL(
        "WHERE CASE WHEN {aligned} AND {stored} THEN true "
        "ELSE concat('not a bar to store: ', symbol, ' ', interval_type, ' ', time)::boolean END"
    ).format(aligned=aligned(time, iv), stored=stored_time(time))


def has_repeats(good: sql.Composable) -> sql.Composed:
    return sql.SQL(
        "SELECT 1 FROM ({}) g GROUP BY time, symbol, iv HAVING count(*) > 1 LIMIT 1"
    ).format(good)


def overlaps() -> sql.SQL:
    """Whether market_data holds any bar inside one of the ranges given as four arrays
    (symbols, intervals, firsts, lasts): one index probe per series."""
    return sql.SQL(
        "SELECT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::text[], %s::timestamptz[], "
        "%s::timestamptz[]) AS s(symbol, iv, first, last) WHERE EXISTS (SELECT 1 FROM "
        "market_data m WHERE m.symbol = s.symbol AND m.interval_type = s.iv "
        "AND m.time BETWEEN s.first AND s.last))"
    )


def conflicts(good: sql.Composable, limit: int) -> sql.Composed:
    """Rows of `good` whose bar is already stored."""
    return sql.SQL(
        "SELECT g.line, g.time, g.symbol, g.iv FROM ({good}) g JOIN {table} m "
        "ON m.time = g.time AND m.symbol = g.symbol AND m.interval_type = g.iv "
        "ORDER BY g.line LIMIT {limit}"
    ).format(good=good, table=MARKET_DATA, limit=sql.Literal(limit))


def phantoms(good: sql.Composable, limit: int) -> sql.Composed:
    """Phantom rows (open = high = low = close, volume 0) over a stored bar with volume:
    how many, and the first lines."""
    return sql.SQL(
        "SELECT count(*), (array_agg(g.line ORDER BY g.line))[1:{limit}] FROM ({good}) g "
        "JOIN {table} m ON m.time = g.time AND m.symbol = g.symbol AND m.interval_type = g.iv "
        "WHERE {phantom} AND m.volume > 0"
    ).format(good=good, table=MARKET_DATA, limit=sql.Literal(limit), phantom=_phantom("g"))


def _phantom(row: str) -> sql.Composed:
    r = sql.Identifier(row)
    return sql.SQL(
        "{r}.volume = 0 AND {r}.open = {r}.high AND {r}.high = {r}.low AND {r}.low = {r}.close"
    ).format(r=r)


_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, (*VALUES, "load_id")))


def insert(good: sql.Composable) -> sql.Composed:
    """A plain INSERT of `good` rows: for series that hold no stored bar yet."""
    return sql.SQL(
        "INSERT INTO {table} ({key}, {columns}) SELECT time, symbol, iv, {columns} FROM ({good}) g"
    ).format(table=MARKET_DATA, key=KEY, columns=_COLUMNS, good=good)


def merge(good: sql.Composable, *, on_conflict: str, keep_phantoms: bool) -> sql.Composed:
    """INSERT ... ON CONFLICT of `good` rows. Returns, per (symbol, interval), the first and
    last time written, and how many bars were inserted and updated: xmax is 0 on a freshly
    inserted row and set on one that ON CONFLICT updated."""
    # Key order: two loaders on overlapping data lock rows in the same order.
    statement = sql.SQL(
        "INSERT INTO {table} ({key}, {columns}) SELECT time, symbol, iv, {columns} "
        "FROM ({good}) g ORDER BY 1, 2, 3 ON CONFLICT ({key}) "
    ).format(table=MARKET_DATA, key=KEY, columns=_COLUMNS, good=good)
    if on_conflict == "skip":
        statement += sql.SQL("DO NOTHING")
    else:
        values = [sql.Identifier(v) for v in VALUES]
        stored = sql.SQL(", ").join(sql.SQL("market_data.{}").format(v) for v in values)
        incoming = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(v) for v in values)
        statement += sql.SQL(
            "DO UPDATE SET {sets} WHERE ({stored}) IS DISTINCT FROM ({incoming})"
        ).format(
            sets=sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(v)
                for v in (*values, sql.Identifier("load_id"))
            ),
            stored=stored,
            incoming=incoming,
        )
        if keep_phantoms:
            statement += sql.SQL(" AND NOT ({} AND market_data.volume > 0)").format(
                _phantom("excluded")
            )
    return sql.SQL(
        "WITH written AS ({statement} RETURNING symbol, interval_type, time, xmax = 0 AS new) "
        "SELECT symbol, interval_type, min(time), max(time), count(*) FILTER (WHERE new), "
        "count(*) FILTER (WHERE NOT new) FROM written GROUP BY 1, 2"
    ).format(statement=statement)
