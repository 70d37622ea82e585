"""The staging SQL of the loader: a temporary table per file and per way in
(marketdata/loader/loading.py), and the rows of each as a "bars" relation:

- times (the direct way): the times typed, the rest as the file has it;
- typed: the values typed as well;
- text: every value as text, parsed in one SQL pass that gives each bad row its first
  error, naming the column and the value as the file has them.

A bars relation has the columns line, time, symbol, iv, open, high, low, close, volume and
the flags skipped (a day without trading: open, high, low and volume 0), repaired (high or
low widened by --repair-high-low) and ok (every rule holds, as far as the way checks them).
marketdata/loader/bar_queries.py counts and writes them. SQL is composed with psycopg2.sql.
"""

from psycopg2 import sql

from marketdata.loader import date_forms
from marketdata.loader.formats import VALUES, Layout
from marketdata.loader.row_errors import RowErrors
from marketdata.loader.stage_sql import (
    FAST_DATE,
    FAST_TIME,
    HAS_ZONE,
    HHMMSS,
    KST,
    MARKET_DATA,
    MAX_DIGITS,
    NUMBER,
    TIMESTAMP,
    aligned,
    alignment_rule,
    copy_options,
    shown,
    stored_time,
)
from marketdata.symbols import INDEX_PATTERN
from marketdata.ticks import tick_size_sql


class Stage(RowErrors):
    """The staging SQL of one file: `layout` says where each role is; `symbol` and
    `interval` are the constants of a file without a symbol or an interval column
    (`interval` None while it is not known yet); naive times are in `tz`."""

    def __init__(
        self,
        *,
        layout: Layout,
        symbol: str | None,
        interval: str | None,
        tz: str,
        repair: bool,
        first_line: int,
        n: int,
    ):
        self.layout = layout
        self.symbol = symbol
        self.interval = interval
        self.tz = sql.Literal(tz)
        self.repair = repair
        self.first_line = first_line
        self.table = sql.Identifier(f"qb_load_stage_{n}")
        self.parsed = sql.Identifier(f"qb_load_parsed_{n}")
        self.lines = sql.Identifier(f"qb_load_line_{n}")
        self.dates = sql.Identifier(f"qb_load_dates_{n}")
        self.date_form = None  # a date_forms.DateForm when the dates are not ISO 8601

    def _c(self, role: str) -> sql.Identifier:
        return sql.Identifier(f"c{self.layout.position[role]}")

    def _scaled(self, role: str, value: sql.Composable) -> sql.Composable:
        """`value` in shares or won: times the factor of its column's unit, if any."""
        factor = self.layout.factors.get(role)
        if factor is None:
            return value
        return sql.SQL("({} * {}::numeric)").format(value, sql.Literal(str(factor)))

    @staticmethod
    def _constant(value: str | None) -> sql.Composed:
        return sql.SQL("{}::text").format(sql.Literal(value))

    def _column_or_constant(self, role: str, constant: str | None) -> sql.Composable:
        return self._c(role) if self.layout.has(role) else self._constant(constant)

    def _trimmed_or_constant(self, role: str, constant: str | None) -> sql.Composable:
        if self.layout.has(role):
            return sql.SQL("btrim({})").format(self._c(role))
        return self._constant(constant)

    def _iv(self) -> sql.Composable:
        return self._trimmed_or_constant("interval", self.interval)

    def _column(self, role: str) -> sql.Literal:
        """The name of `role`'s column, for messages."""
        if role == "symbol" and not self.layout.has("symbol"):
            return sql.Literal("--symbol")
        if role == "interval" and not self.layout.has("interval"):
            return sql.Literal("--interval")
        return sql.Literal(self.layout.name(role))

    # --- the staging table ------------------------------------------------------------

    def analyze_parsed(self) -> sql.Composed:
        """Statistics for the planner's joins and windows over the parsed rows."""
        return sql.SQL("ANALYZE {}").format(self.parsed)

    def drop(self) -> list[sql.Composed]:
        return [
            sql.SQL("DROP TABLE IF EXISTS {}, {}, {}").format(self.table, self.parsed, self.dates),
            sql.SQL("DROP SEQUENCE IF EXISTS {}").format(self.lines),
        ]

    def create(self, way: str) -> list[sql.Composed]:
        """The staging table of a way in: `text` keeps every value as text; `typed` types
        the date and the values; `times` types the date only (the direct way checks times,
        symbols and intervals; the values go straight to market_data)."""
        position, types = self.layout.position, {}
        if way == "typed":
            types = {position[r]: "numeric" for r in VALUES}
        if way in ("typed", "times"):
            types[position["date"]] = "date" if self.layout.has("hour") else "timestamptz"
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(f"c{i}"), sql.SQL(types.get(i, "text")))
            for i in range(len(self.layout.names))
        )
        return [
            *self.drop(),
            # A large cache: numbering a million rows one sequence write at a time costs
            # as much as the COPY itself.
            sql.SQL("CREATE TEMP SEQUENCE {} CACHE 100000").format(self.lines),
            sql.SQL(
                "CREATE TEMP TABLE {table} (line bigint DEFAULT nextval({seq}) + {before}, {cols})"
            ).format(
                table=self.table,
                seq=sql.Literal(self.lines.string),
                before=sql.Literal(self.first_line - 1),
                cols=columns,
            ),
        ]

    def drop_blank_rows(self) -> sql.Composed:
        """Delete the rows with nothing in them: a line of commas, as Excel writes below
        the data of a sheet it saves as CSV."""
        empty = sql.SQL(" AND ").join(
            sql.SQL("coalesce(btrim({}), '') = ''").format(sql.Identifier(f"c{i}"))
            for i in range(len(self.layout.names))
        )
        return sql.SQL("DELETE FROM {} WHERE {}").format(self.table, empty)

    def copy(self, encoding: str) -> sql.Composed:
        columns = sql.SQL(", ").join(sql.Identifier(f"c{i}") for i in range(len(self.layout.names)))
        return sql.SQL("COPY {} ({}) FROM STDIN {}").format(
            self.table, columns, copy_options(encoding)
        )

    def admit(self, *, dates_are_korean: bool) -> bytes:
        """Lines whose date column has a form the typed way may hand to PostgreSQL. Dates
        without a time are session dates in Korea: only when naive times are Korea time too
        does the typed way read them (the text way tells the two apart)."""
        position = self.layout.position["date"]
        if self.layout.has("hour"):
            date = FAST_DATE
        elif dates_are_korean:
            date = FAST_DATE + b"(?:" + FAST_TIME + b")?"
        else:
            date = FAST_DATE + FAST_TIME
        # Fields before the date, quoted (commas inside) or not; the date itself may be
        # quoted, as the KRX data portal quotes every value.
        field = rb'(?:"(?:[^"\n]|"")*"|[^,"\n]*)'
        before = b"(?:" + field + b",){%d}" % position
        return rb"(?:" + before + b'(?:"' + date + b'"|' + date + rb")(?:,[^\n]*)?\r?\n)*"

    # --- typed staging ------------------------------------------------------------------

    def time_bars(self) -> sql.Composed:
        """The rows of the `times` table, enough to count them by series and to check that
        each time starts a bar of its row's interval (`ok`, computed once per row: OFFSET 0
        keeps the planner from copying it into every aggregate that reads it)."""
        return sql.SQL(
            "SELECT line, {time} AS time, {symbol} AS symbol, {iv} AS iv, false AS skipped, "
            "false AS repaired, coalesce({aligned} AND {stored}, false) AS ok FROM {table} OFFSET 0"
        ).format(
            time=self._c("date"),
            symbol=self._c("symbol"),
            iv=self._c("interval"),
            aligned=aligned(self._c("date"), self._c("interval")),
            stored=stored_time(self._c("date")),
            table=self.table,
        )

    def copy_into_market_data(
        self, encoding: str, where: sql.Composable | None = None
    ) -> sql.Composed:
        """COPY of a canonical file's rows straight into market_data, in its column order;
        load_id comes from the table's default (migration 0009)."""
        role = {i: r for r, i in self.layout.position.items()}
        column = {"date": "time", "interval": "interval_type"}
        columns = sql.SQL(", ").join(
            sql.Identifier(column.get(role[i], role[i])) for i in range(len(self.layout.names))
        )
        return sql.SQL("COPY {} ({}) FROM STDIN {} {}").format(
            MARKET_DATA, columns, copy_options(encoding), where or sql.SQL("")
        )

    def typed_bars(self) -> sql.Composed:
        """The typed rows as bars. They are not checked here, which would take a pass of its
        own: the write enforces the rules (see `good_rows`), and a row that breaks one sends
        the file the text way, which names it. Symbols and intervals are checked once per
        series (FileLoad.summarize)."""
        c = {r: self._scaled(r, self._c(r)) for r in VALUES}
        time = self._c("date")
        if self.layout.has("hour"):
            hour = sql.SQL("btrim({})").format(self._c("hour"))
            time = sql.SQL(
                "CASE WHEN {hour} ~ {hhmmss} THEN ({date} + ({hour})::time) AT TIME ZONE {tz} END"
            ).format(hour=hour, hhmmss=sql.Literal(HHMMSS), date=time, tz=self.tz)
        raw = sql.SQL(
            "SELECT line, {time} AS time, {symbol} AS symbol, {iv} AS iv, "
            "{o} AS open, {h} AS high, {l} AS low, {c} AS close, {v} AS volume FROM {table}"
        ).format(
            time=time,
            symbol=self._column_or_constant("symbol", self.symbol),
            iv=self._column_or_constant("interval", self.interval),
            o=c["open"],
            h=c["high"],
            l=c["low"],
            c=c["close"],
            v=c["volume"],
            table=self.table,
        )
        # OFFSET 0 keeps the planner from copying the flags into every aggregate that reads
        # them: each row's are computed once.
        return sql.SQL(
            "SELECT line, time, symbol, iv, open, fixed_high AS high, fixed_low AS low, close, "
            "volume, skipped, repaired, NOT skipped AND time IS NOT NULL AS ok "
            "FROM (SELECT r.*, {flags} FROM ({raw}) r OFFSET 0) f"
        ).format(flags=self._flags(), raw=raw)

    def _flags(self) -> sql.Composed:
        """Columns computed from open, high, low, close, volume and symbol: skipped (a day
        without trading), repaired, and the high and low to keep."""
        skipped = sql.SQL(
            "coalesce(open = 0 AND high = 0 AND low = 0 AND volume = 0, false) AS skipped"
        )
        if not self.repair:
            return sql.SQL("{}, false AS repaired, high AS fixed_high, low AS fixed_low").format(
                skipped
            )
        fix = sql.SQL("coalesce({}, false)").format(self._fixable())
        return sql.SQL(
            "{skipped}, {fix} AS repaired, "
            "CASE WHEN {fix} THEN greatest(high, open, close) ELSE high END AS fixed_high, "
            "CASE WHEN {fix} THEN least(low, open, close) ELSE low END AS fixed_low"
        ).format(skipped=skipped, fix=fix)

    @staticmethod
    def breach() -> sql.SQL:
        """How far high falls below open or close, or low rises above them (> 0: broken)."""
        return sql.SQL("greatest(greatest(open, close) - high, low - least(open, close))")

    def _fixable(self) -> sql.Composed:
        """A row --repair-high-low mends: high or low off by at most one tick, high >= low."""
        return sql.SQL(
            "{breach} > 0 AND high >= low AND {breach} <= "
            "CASE WHEN symbol ~ {index} THEN 0.01 ELSE {tick} END"
        ).format(
            breach=self.breach(),
            index=sql.Literal(INDEX_PATTERN),
            tick=tick_size_sql(sql.SQL("close")),
        )

    # --- text staging -------------------------------------------------------------------

    def parse(self) -> sql.Composed:
        """CREATE the parsed table: one row per line, typed, with its first error as
        ARRAY[column, message] (NULL when the row is good or skipped)."""
        # A date alone is a session date in Korea; a naive date-time is in --tz.
        time = sql.SQL(
            "CASE WHEN t_ok THEN CASE WHEN length(t) = 10 THEN t::timestamp AT TIME ZONE {kst} "
            "WHEN t ~ {zone} THEN t::timestamptz ELSE t::timestamp AT TIME ZONE {tz} END END"
        ).format(kst=KST, zone=sql.Literal(HAS_ZONE), tz=self.tz)
        return sql.SQL(
            "CREATE TEMP TABLE {parsed} AS "
            "WITH raw AS MATERIALIZED ({raw}), checked AS MATERIALIZED ({checked}), "
            "flagged AS (SELECT checked.*, {time} AS time, {flags} FROM checked) "
            "SELECT line, time, symbol, iv, open, fixed_high AS high, fixed_low AS low, close, "
            "volume, date_raw, skipped, repaired, {error} AS err FROM flagged"
        ).format(
            parsed=self.parsed,
            raw=self._raw_text(),
            checked=self._checked_text(),
            time=time,
            flags=self._flags(),
            error=self._first_error(),
        )

    def _raw_text(self) -> sql.Composed:
        """Each line's values as text, trimmed; `t` is the date in ISO order."""
        date = sql.SQL("btrim({})").format(self._c("date"))
        t = sql.SQL("coalesce(dm.t, '')") if self.date_form else self.iso_date(date)
        hour = sql.SQL("NULL::text")
        if self.layout.has("hour"):
            # 09:01:00, 0901 and 090100 are one time of day.
            hour = sql.SQL(
                "CASE WHEN length(h) = 4 THEN h || '00' ELSE h END FROM "
                "(SELECT replace(btrim({}), ':', '') AS h) x"
            ).format(self._c("hour"))
            hour = sql.SQL("({})").format(sql.SQL("SELECT ") + hour)
            t = sql.SQL(
                "{t} || 'T' || substr({h}, 1, 2) || ':' || substr({h}, 3, 2) || ':' "
                "|| substr({h}, 5, 2)"
            ).format(t=t, h=hour)
        values = sql.SQL(", ").join(
            sql.SQL("btrim({c}) AS {raw}, {txt_value} AS {txt}").format(
                c=self._c(r),
                raw=sql.Identifier(f"{r}_raw"),
                txt=sql.Identifier(f"{r}_txt"),
                txt_value=sql.SQL(
                    "regexp_replace(replace(replace(btrim({}), ',', ''), ' ', ''), "
                    "'(?<=[0-9.])[KkMmBb]$', '')"
                    if r == "volume"
                    else "replace(replace(btrim({}), ',', ''), ' ', '')"
                ).format(self._c(r)),
            )
            for r in VALUES
        )
        # Investing.com writes volumes as 1.5K, 2.3M, 1.1B.
        suffix = sql.SQL("upper(right(replace(btrim({}), ' ', ''), 1))").format(self._c("volume"))
        values += sql.SQL(
            ", CASE {s} WHEN 'K' THEN 1000 WHEN 'M' THEN 1000000 WHEN 'B' THEN 1000000000 "
            "ELSE 1 END AS volume_suffix"
        ).format(s=suffix)
        return sql.SQL(
            "SELECT line, {date} AS date_raw, {hour} AS hour_raw, {t} AS t, {symbol} AS symbol, "
            "{iv} AS iv, {values} FROM {table} {dates}"
        ).format(
            date=date,
            hour=hour,
            t=t,
            symbol=self._trimmed_or_constant("symbol", self.symbol),
            iv=self._iv(),
            values=values,
            table=self.table,
            dates=sql.SQL("LEFT JOIN {} dm ON dm.raw = {}").format(self.dates, date)
            if self.date_form
            else sql.SQL(""),
        )

    def map_dates(self) -> list[sql.Composed]:
        """The ISO text of each distinct date of the file, in its date form: a file of many
        symbols repeats each date, and reading a form costs more than joining."""
        date = sql.SQL("btrim({})").format(self._c("date"))
        return [
            sql.SQL(
                "CREATE TEMP TABLE {dates} AS SELECT raw, {iso} AS t "
                "FROM (SELECT DISTINCT {date} AS raw FROM {table}) d"
            ).format(
                dates=self.dates,
                date=date,
                iso=self.date_form.iso(sql.SQL("raw")),
                table=self.table,
            ),
            sql.SQL("ANALYZE {}").format(self.dates),
        ]

    @staticmethod
    def iso_date(date: sql.Composable) -> sql.Composed:
        """An ISO 8601 date (text) from 20240102, 2024.01.02 or 2024/01/02."""
        return sql.SQL(
            r"regexp_replace(regexp_replace({d}, '^([0-9]{{4}})([0-9]{{2}})([0-9]{{2}})', "
            r"'\1-\2-\3'), '^([0-9]{{4}})[./]([0-9]{{2}})[./]([0-9]{{2}})', '\1-\2-\3')"
        ).format(d=date)

    def date_form_query(self, *, candidates: bool) -> sql.Composed:
        """How many of the file's dates each form reads (date_forms.choose decides)."""
        return date_forms.inference_query(
            self.table, self._c("date"), self.iso_date, candidates=candidates
        )

    @staticmethod
    def _text_number(role: str) -> sql.Composed:
        txt = sql.Identifier(f"{role}_txt")
        if role != "volume":
            return sql.SQL("{}::numeric").format(txt)
        return sql.SQL("{}::numeric * volume_suffix").format(txt)

    def _checked_text(self) -> sql.Composed:
        numbers = sql.SQL(", ").join(
            sql.SQL(
                "CASE WHEN {txt} ~ {number} AND length({txt}) <= {digits} THEN {value} "
                "END AS {role}"
            ).format(
                txt=sql.Identifier(f"{r}_txt"),
                value=self._scaled(r, self._text_number(r)),
                number=sql.Literal(NUMBER),
                digits=sql.Literal(MAX_DIGITS),
                role=sql.Identifier(r),
            )
            for r in VALUES
        )
        return sql.SQL(
            "SELECT raw.*, t ~ {timestamp} "
            "AND substr(t, 6, 2)::int BETWEEN 1 AND 12 "
            "AND substr(t, 9, 2)::int BETWEEN 1 AND extract(day FROM "
            "make_date(substr(t, 1, 4)::int, substr(t, 6, 2)::int, 1) "
            "+ interval '1 month - 1 day') "
            "AND (length(t) = 10 OR (substr(t, 12, 2) < '24' AND substr(t, 15, 2) < '60' "
            "AND (length(t) < 19 OR substr(t, 18, 2) < '60'))) AS t_ok, {numbers} FROM raw"
        ).format(timestamp=sql.Literal(TIMESTAMP), numbers=numbers)

    def misaligned_error(self, column: sql.Composable, interval: str | None) -> sql.Composed:
        """The error of a row that cannot start a bar of `interval` (None: the row's own)."""
        iv = sql.SQL("iv") if interval is None else sql.Literal(interval)
        return sql.SQL(
            "WHEN NOT {aligned} THEN ARRAY[{column}, {date} || ' does not start a ' || {iv} "
            "|| ' bar: ' || {rule}]"
        ).format(
            aligned=aligned(sql.SQL("time"), sql.SQL("iv") if interval is None else interval),
            column=column,
            date=shown(sql.SQL("date_raw")),
            iv=iv,
            rule=alignment_rule(iv),
        )

    def mark_misaligned(self, interval: str) -> sql.Composed:
        """Give every good row that cannot start a bar of `interval` its error."""
        return sql.SQL(
            "UPDATE {parsed} SET err = CASE {error} END WHERE err IS NULL AND NOT skipped"
        ).format(
            parsed=self.parsed,
            error=self.misaligned_error(sql.Literal(self.layout.name("date")), interval),
        )

    def mark_contradictions(self) -> sql.Composed:
        """Give every row of a (time, symbol, interval) that the file gives with different
        values an error naming the lines: the file contradicts itself, whichever is right."""
        return sql.SQL(
            "UPDATE {parsed} p SET err = ARRAY[{date}, {raw} || ': lines ' || g.lines "
            "|| ' give the bar of ' || p.symbol || coalesce(' ' || p.iv, '') "
            "|| ' different values'] "
            "FROM (SELECT time, symbol, iv, "
            "array_to_string((array_agg(line ORDER BY line))[1:5], ', ') AS lines "
            "FROM {parsed} WHERE err IS NULL AND NOT skipped GROUP BY time, symbol, iv "
            "HAVING count(DISTINCT (open, high, low, close, volume)) > 1) g "
            "WHERE p.err IS NULL AND NOT p.skipped AND p.time = g.time "
            "AND p.symbol IS NOT DISTINCT FROM g.symbol AND p.iv IS NOT DISTINCT FROM g.iv"
        ).format(
            parsed=self.parsed,
            date=sql.Literal(self.layout.name("date")),
            raw=shown(sql.SQL("p.date_raw")),
        )

    def drop_duplicates(self, limit: int) -> sql.Composed:
        """Delete the rows that repeat an earlier row exactly (after mark_contradictions,
        every repeat left is one): they are one bar. Returns how many, and the first lines."""
        return sql.SQL(
            "WITH d AS (DELETE FROM {parsed} p USING (SELECT line, row_number() OVER "
            "(PARTITION BY time, symbol, iv ORDER BY line) AS n FROM {parsed} "
            "WHERE err IS NULL AND NOT skipped) r WHERE p.line = r.line AND r.n > 1 "
            "RETURNING p.line) "
            "SELECT count(*), coalesce((array_agg(line ORDER BY line))[1:{limit}], '{{}}') FROM d"
        ).format(parsed=self.parsed, limit=sql.Literal(limit))

    def drop_lines(self) -> sql.Composed:
        """Delete the parsed rows of the lines given as the parameter (an array)."""
        return sql.SQL("DELETE FROM {} WHERE line = ANY(%s)").format(self.parsed)

    def text_bars(self) -> sql.Composed:
        return sql.SQL(
            "SELECT line, time, symbol, iv, open, high, low, close, volume, skipped, repaired, "
            "err IS NULL AND NOT skipped AS ok FROM {}"
        ).format(self.parsed)

    def errors(self, limit: int) -> sql.Composed:
        return sql.SQL(
            "SELECT line, err[1], err[2] FROM {} WHERE err IS NOT NULL ORDER BY line LIMIT {}"
        ).format(self.parsed, sql.Literal(limit))

    def rejects(self) -> sql.Composed:
        columns = sql.SQL(", ").join(
            sql.SQL("s.{} AS {}").format(sql.Identifier(f"c{i}"), sql.Identifier(name))
            for i, name in enumerate(self.layout.names)
        )
        return sql.SQL(
            "COPY (SELECT s.line, p.err[1] || ': ' || p.err[2] AS reason, {columns} "
            "FROM {stage} s JOIN {parsed} p USING (line) WHERE p.err IS NOT NULL "
            "ORDER BY s.line) TO STDOUT WITH (FORMAT csv, HEADER)"
        ).format(columns=columns, stage=self.table, parsed=self.parsed)
