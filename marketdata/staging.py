"""The SQL of the loader: staging tables, parsing and validation, the merge.

Three ways in, fastest first (marketdata/loading.py picks):
- direct: COPY straight into market_data. Only for canonical files; any bad value, broken
  rule or existing bar fails it, and the loader falls back.
- typed: COPY into a staging table whose columns have the target types, a set-based check
  that every row is valid, and the merge. Any bad value or broken rule falls back.
- text: COPY into text columns, then one SQL pass parses every value and gives every
  invalid row its first error, naming the column and the value as the file has them.
"""

import re

from marketdata.formats import Format
from marketdata.models import Interval
from marketdata.symbols import SYMBOL_PATTERN

NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
WHOLE = r"^\+?[0-9]{1,18}(\.0*)?$"
# After 20240102 and 2024.01.02 have become 2024-01-02.
TIMESTAMP = (
    r"^(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}"
    r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"
)
HAS_ZONE = r"[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
HHMMSS = r"^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$"
MAX_PRICE = "9999999999.99"
PRICES = ("open", "high", "low", "close")
VALUES = (*PRICES, "volume")
CANONICAL = ("time", "symbol", "interval_type", *VALUES)
# What the fast ways let PostgreSQL's own timestamp input read: the forms on which it agrees
# with the text way (no words such as 'yesterday', no hour 24). Anything else falls back.
FAST_DATE = rb"[0-9]{4}(?:-[0-9]{2}-[0-9]{2}|[0-9]{4})"
FAST_TIME = (
    rb"(?:[ T](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    rb"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
PG_ENCODING = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp949": "UHC"}
INTERVALS = "ARRAY[" + ", ".join(f"'{i}'" for i in Interval.values) + "]"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def copy_options(encoding: str) -> str:
    return f"WITH (FORMAT csv, ENCODING '{PG_ENCODING[encoding]}')"


def copy_direct(header, encoding) -> str:
    return f"COPY market_data ({', '.join(header)}) FROM STDIN {copy_options(encoding)}"


def merge(source: str, on_conflict: str) -> str:
    """Merge `source` (a SELECT of time, symbol, interval, OHLCV) into market_data; the
    statement returns (inserted, updated)."""
    insert = (
        "INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, volume) "
        f"SELECT * FROM ({source}) s "
        # Key order: two loaders on overlapping data lock rows in the same order.
        "ORDER BY 1, 2, 3 "
    )
    if on_conflict == "update":
        current = ", ".join(f"market_data.{v}" for v in VALUES)
        incoming = ", ".join(f"EXCLUDED.{v}" for v in VALUES)
        insert += (
            "ON CONFLICT (time, symbol, interval_type) DO UPDATE SET "
            + ", ".join(f"{v} = EXCLUDED.{v}" for v in VALUES)
            + f" WHERE ({current}) IS DISTINCT FROM ({incoming})"
        )
    elif on_conflict == "skip":
        insert += "ON CONFLICT (time, symbol, interval_type) DO NOTHING"
    # xmax is 0 on a freshly inserted row and set on one updated by ON CONFLICT.
    return (
        f"WITH merged AS ({insert} RETURNING (xmax = 0) AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
        "FROM merged"
    )


def conflicts(source: str, limit: int) -> str:
    """Rows of `source` (with a `line` column) whose bar is already stored."""
    return (
        f"SELECT s.line, s.time, s.symbol, s.iv FROM ({source}) s JOIN market_data m "
        "ON m.time = s.time AND m.symbol = s.symbol AND m.interval_type = s.iv "
        f"ORDER BY s.line LIMIT {limit}"
    )


def has_repeats(source: str) -> str:
    return f"SELECT 1 FROM ({source}) s GROUP BY time, symbol, iv HAVING count(*) > 1 LIMIT 1"


class Staging:
    """Staging SQL for one file of format `fmt` with columns `header`."""

    def __init__(self, *, header: list[str], fmt: Format, symbol, interval, tz: str, n: int):
        self.header = header
        self.fmt = fmt
        self.symbol = symbol
        self.interval = interval
        self.tz = tz
        self.stage = f"qb_load_stage_{n}"
        self.parsed = f"qb_load_parsed_{n}"
        self.seq = f"qb_load_line_{n}"
        self.position = {c: i for i, c in reversed(list(enumerate(header)))}

    def admit(self) -> re.Pattern:
        """Whole lines whose date column has a form the fast ways may hand to PostgreSQL."""
        date = FAST_DATE if self.fmt.hour else FAST_DATE + FAST_TIME
        before = rb"(?:[^,\n]*,)" + b"{%d}" % self.position[self.fmt.date]
        return re.compile(rb"(?:" + before + date + rb"(?:,[^\n]*)?\n)*")

    def _c(self, column: str) -> str:
        return f"c{self.position[column]}"

    def _constant_or_column(self, column, value) -> str:
        return f"btrim({self._c(column)})" if column else literal(value)

    def drop(self) -> list[str]:
        return [
            f"DROP TABLE IF EXISTS {self.stage}, {self.parsed}",
            f"DROP SEQUENCE IF EXISTS {self.seq}",
        ]

    def create(self, typed: bool) -> list[str]:
        types = {}
        if typed:
            fmt = self.fmt
            types = {self.position[fmt.columns[r]]: "numeric" for r in PRICES}
            types[self.position[fmt.columns["volume"]]] = "bigint"
            types[self.position[fmt.date]] = "date" if fmt.hour else "timestamptz"
        cols = ", ".join(f"c{i} {types.get(i, 'text')}" for i in range(len(self.header)))
        return [
            *self.drop(),
            f"CREATE TEMP SEQUENCE {self.seq}",
            # The header is line 1, so the first row is line 2.
            f"CREATE TEMP TABLE {self.stage} "
            f"(line bigint DEFAULT nextval('{self.seq}') + 1, {cols})",
        ]

    def copy(self, encoding: str) -> str:
        cols = ", ".join(f"c{i}" for i in range(len(self.header)))
        return f"COPY {self.stage} ({cols}) FROM STDIN {copy_options(encoding)}"

    # --- typed staging -------------------------------------------------------------

    def typed_rows(self) -> str:
        """Rows of the typed stage as (line, time, symbol, iv, OHLCV, halted, valid)."""
        fmt = self.fmt
        c = {r: self._c(col) for r, col in fmt.columns.items()}
        time = self._c(fmt.date)
        if fmt.hour:
            hour = f"btrim({self._c(fmt.hour)})"
            time = (
                f"CASE WHEN {hour} ~ '{HHMMSS}' THEN ({time} + ({hour})::time) "
                f"AT TIME ZONE {literal(self.tz)} END"
            )
        symbol = self._constant_or_column(fmt.symbol, self.symbol)
        iv = self._constant_or_column(fmt.interval, self.interval)
        halted = f"({c['open']} = 0 AND {c['high']} = 0 AND {c['low']} = 0 AND {c['volume']} = 0)"
        valid = " AND ".join(
            [
                "time IS NOT NULL",
                f"symbol ~ '{SYMBOL_PATTERN}'",
                f"iv = ANY({INTERVALS})",
                *(f"{r} > 0 AND {r} <= {MAX_PRICE}" for r in PRICES),
                "high >= low AND high >= open AND high >= close",
                "low <= open AND low <= close",
                "volume >= 0",
            ]
        )
        rows = (
            f"SELECT line, {time} AS time, {symbol} AS symbol, {iv} AS iv, "
            + ", ".join(f"{c[r]} AS {r}" for r in VALUES)
            + f", coalesce({halted}, false) AS halted FROM {self.stage}"
        )
        return f"SELECT r.*, coalesce({valid}, false) AS valid FROM ({rows}) r"

    def typed_counts(self) -> str:
        return (
            "SELECT count(*), count(*) FILTER (WHERE halted), "
            f"count(*) FILTER (WHERE NOT halted AND NOT valid) FROM ({self.typed_rows()}) t"
        )

    def typed_good(self, *, with_line=False) -> str:
        """The rows to merge, once typed_counts() found no invalid row (not checked again)."""
        line = "line, " if with_line else ""
        return (
            f"SELECT {line}time, symbol, iv, {', '.join(VALUES)} "
            f"FROM ({self.typed_rows()}) t WHERE NOT halted"
        )

    # --- text staging ------------------------------------------------------------------

    def parse(self) -> str:
        """CREATE the parsed table: one row per line, typed, with its first error as
        ARRAY[column, message] (NULL when the row is good or halted)."""
        fmt = self.fmt
        role = {r: f"btrim({self._c(col)})" for r, col in fmt.columns.items()}
        col = {r: literal(name) for r, name in fmt.columns.items()}
        date_col = literal(fmt.date)
        date = f"btrim({self._c(fmt.date)})"
        t = (
            f"regexp_replace(regexp_replace({date}, '^([0-9]{{4}})([0-9]{{2}})([0-9]{{2}})', "
            f"'\\1-\\2-\\3'), '^([0-9]{{4}})[./]([0-9]{{2}})[./]([0-9]{{2}})', '\\1-\\2-\\3')"
        )
        hour = f"btrim({self._c(fmt.hour)})" if fmt.hour else "NULL::text"
        if fmt.hour:
            t = (
                f"{t} || 'T' || substr({hour}, 1, 2) || ':' || substr({hour}, 3, 2) || ':' "
                f"|| substr({hour}, 5, 2)"
            )
        symbol = self._constant_or_column(fmt.symbol, self.symbol)
        iv = self._constant_or_column(fmt.interval, self.interval)
        raw = ", ".join(
            f"{role[r]} AS {r}_raw, replace(replace({role[r]}, ',', ''), ' ', '') AS {r}_txt"
            for r in VALUES
        )
        prices = ", ".join(
            f"CASE WHEN {r}_txt ~ '{NUMBER}' THEN {r}_txt::numeric END AS {r}" for r in PRICES
        )

        def number_checks(r):
            return (
                f"WHEN {r}_raw IS NULL OR {r}_raw = '' THEN ARRAY[{col[r]}, 'missing value'] "
                f"WHEN {r}_txt !~ '{NUMBER}' THEN ARRAY[{col[r]}, {r}_raw || ' is not a number'] "
            )

        def price_checks(r):
            return (
                f"WHEN {r} <= 0 THEN ARRAY[{col[r]}, {r}_raw || ' is not a positive price'] "
                f"WHEN {r} > {MAX_PRICE} "
                f"THEN ARRAY[{col[r]}, {r}_raw || ' is too large for a price'] "
            )

        # (column, comparison, other, words): "high: 69,800 is below low 70,100"
        order_checks = [
            f"WHEN {a} {op} {b} THEN ARRAY[{col[a]}, {a}_raw || ' is {words} {b} ' || {b}_raw] "
            for a, op, b, words in (
                ("high", "<", "low", "below"),
                ("high", "<", "open", "below"),
                ("high", "<", "close", "below"),
                ("low", ">", "open", "above"),
                ("low", ">", "close", "above"),
            )
        ]

        hour_check = (
            f"WHEN hour_raw IS NULL OR hour_raw !~ '{HHMMSS}' THEN ARRAY[{literal(fmt.hour)}, "
            "coalesce(hour_raw, '') || ' is not a time of day (HHMMSS)'] "
            if fmt.hour
            else ""
        )
        symbol_col = literal(fmt.symbol or "--symbol")
        interval_col = literal(fmt.interval or "--interval")
        # MATERIALIZED: each expression is computed once per row, not once per use.
        return f"""
        CREATE TEMP TABLE {self.parsed} AS
        WITH raw AS MATERIALIZED (
            SELECT line, {date} AS date_raw, {hour} AS hour_raw, {t} AS t,
                   {symbol} AS symbol, {iv} AS iv, {raw}
            FROM {self.stage}
        ), checked AS MATERIALIZED (
            SELECT raw.*,
                   t ~ '{TIMESTAMP}'
                   AND substr(t, 6, 2)::int BETWEEN 1 AND 12
                   AND substr(t, 9, 2)::int BETWEEN 1 AND extract(day from
                       make_date(substr(t, 1, 4)::int, substr(t, 6, 2)::int, 1)
                       + interval '1 month - 1 day')
                   AND (length(t) = 10 OR (substr(t, 12, 2) < '24' AND substr(t, 15, 2) < '60'
                        AND (length(t) < 19 OR substr(t, 18, 2) < '60'))) AS t_ok,
                   {prices},
                   CASE WHEN volume_txt ~ '{WHOLE}' THEN volume_txt::numeric::bigint END AS volume
            FROM raw
        ), parsed AS (
            SELECT checked.*,
                   CASE WHEN t_ok THEN
                       CASE WHEN t ~ '{HAS_ZONE}' THEN t::timestamptz
                       ELSE t::timestamp AT TIME ZONE {literal(self.tz)} END
                   END AS time,
                   open = 0 AND high = 0 AND low = 0 AND volume = 0 AS halted
            FROM checked
        )
        SELECT line, time, symbol, iv, open, high, low, close, volume, date_raw,
               coalesce(halted, false) AS halted,
               CASE
                 WHEN date_raw IS NULL OR date_raw = '' THEN ARRAY[{date_col}, 'missing value']
                 {hour_check}
                 WHEN NOT t_ok THEN ARRAY[{date_col},
                   date_raw || ' is not a date/time (YYYY-MM-DD, YYYYMMDD or ISO 8601)']
                 WHEN symbol IS NULL OR symbol !~ '{SYMBOL_PATTERN}' THEN ARRAY[{symbol_col},
                   coalesce(symbol, '') || ' is not a KRX code (six characters, such as 005930)']
                 WHEN iv IS NULL OR NOT iv = ANY({INTERVALS}) THEN ARRAY[{interval_col},
                   coalesce(iv, '') || ' is not a known interval ({", ".join(Interval.values)})']
                 {"".join(number_checks(r) for r in VALUES)}
                 WHEN volume IS NULL AND volume_txt ~ '^-' THEN ARRAY[{col["volume"]},
                   volume_raw || ' is negative']
                 WHEN volume IS NULL THEN ARRAY[{col["volume"]},
                   volume_raw || ' is not a whole number']
                 WHEN halted THEN NULL
                 {"".join(price_checks(r) for r in PRICES)}
                 {"".join(order_checks)}
               END AS err
        FROM parsed
        """

    def parsed_counts(self) -> str:
        return (
            "SELECT count(*), count(*) FILTER (WHERE halted), "
            f"count(*) FILTER (WHERE err IS NOT NULL) FROM {self.parsed}"
        )

    def parsed_good(self, *, with_line=False) -> str:
        line = "line, " if with_line else ""
        return (
            f"SELECT {line}time, symbol, iv, {', '.join(VALUES)} "
            f"FROM {self.parsed} WHERE err IS NULL AND NOT halted"
        )

    def mark_repeats(self) -> str:
        """Give every repeat of a (time, symbol, interval) inside the input an error."""
        return f"""
        UPDATE {self.parsed} p
        SET err = ARRAY[{literal(self.fmt.date)}, p.date_raw || ' repeats the bar of line '
                        || d.first || ' (' || p.symbol || ' ' || p.iv || ')']
        FROM (
            SELECT line, min(line) OVER (PARTITION BY time, symbol, iv) AS first
            FROM {self.parsed} WHERE err IS NULL AND NOT halted
        ) d
        WHERE p.line = d.line AND d.line <> d.first
        """

    def errors(self, limit: int) -> str:
        return (
            f"SELECT line, err[1], err[2] FROM {self.parsed} WHERE err IS NOT NULL "
            f"ORDER BY line LIMIT {limit}"
        )

    def rejects(self) -> str:
        cols = ", ".join(f"s.c{i} AS {quote(c)}" for i, c in enumerate(self.header))
        return (
            f"COPY (SELECT s.line, p.err[1] || ': ' || p.err[2] AS reason, {cols} "
            f"FROM {self.stage} s JOIN {self.parsed} p USING (line) WHERE p.err IS NOT NULL "
            "ORDER BY s.line) TO STDOUT WITH (FORMAT csv, HEADER)"
        )
