"""The staging SQL of the loader: a temporary table per file and per way in
(marketdata/loading.py), and the rows of each as a "bars" relation:

- times (the direct way): the times typed, the rest as the file has it;
- typed: the values typed as well;
- text: every value as text, parsed in one SQL pass that gives each bad row its first
  error, naming the column and the value as the file has them.

A bars relation has the columns line, time, symbol, iv, open, high, low, close, volume and
the flags skipped (a day without trading: open, high, low and volume 0), repaired (high or
low widened by --repair-high-low) and ok (every rule holds, as far as the way checks them).
marketdata/bar_queries.py counts and writes them. SQL is composed with psycopg2.sql.
"""

from psycopg2 import sql

from marketdata.dates import FIRST_DAY
from marketdata.errors import SHOWN_CHARS
from marketdata.formats import PRICES, VALUES, Layout
from marketdata.intervals import DAILY, MINUTES
from marketdata.models import Interval
from marketdata.sessions import MARKET_TIME_ZONE
from marketdata.symbols import BAR_SYMBOL_PATTERN, INDEX_PATTERN
from marketdata.ticks import tick_size_sql

KST = sql.Literal(MARKET_TIME_ZONE)
MARKET_DATA = sql.Identifier("market_data")
KEY = sql.SQL("time, symbol, interval_type")
NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
# After 20240102, 2024.01.02 and 2024/01/02 have become 2024-01-02.
TIMESTAMP = (
    r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
    r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"
)
HAS_ZONE = r"[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
HHMMSS = r"^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$"
MAX_PRICE = sql.SQL("9999999999.99")  # numeric(12,2)
MAX_VOLUME = sql.SQL("9223372036854775807")  # bigint
# Longer numbers are refused before PostgreSQL reads them: its numeric overflows past
# 131,072 digits, an error without a line.
MAX_DIGITS = 100
PG_ENCODING = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp949": "UHC"}

# What the typed way lets PostgreSQL's own date/time input read: the forms on which it
# agrees with the text way (no 'yesterday', no hour 24, no month-first dates).
FAST_DATE = rb"[0-9]{4}(?:-[0-9]{2}-[0-9]{2}|/[0-9]{2}/[0-9]{2}|[0-9]{4})"
FAST_TIME = (
    rb"[ T](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    rb"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


def literal_array(values) -> sql.Composed:
    return sql.SQL("ARRAY[{}]::text[]").format(sql.SQL(", ").join(map(sql.Literal, values)))


INTERVALS = literal_array(Interval.values)


def shown(expression: sql.Composable) -> sql.Composed:
    """A text value as an error message quotes it: cut to SHOWN_CHARS characters."""
    cut = sql.Literal(SHOWN_CHARS - 3)
    return sql.SQL(
        "CASE WHEN length({e}) > {limit} THEN left({e}, {cut}) || '...' ELSE {e} END"
    ).format(e=expression, limit=sql.Literal(SHOWN_CHARS), cut=cut)


def minute_of_day(time: sql.Composable) -> sql.Composed:
    return sql.SQL("(extract(epoch FROM ({t} AT TIME ZONE {kst})::time) / 60)").format(
        t=time, kst=KST
    )


def on_grid(time: sql.Composable, seconds: sql.Composable) -> sql.Composed:
    """Whether `time` is a whole multiple of `seconds` from the epoch. For grids that divide
    an hour this is the grid counted from 00:00 KST, Korea being a whole number of hours
    from UTC; cheaper than going through the zone."""
    return sql.SQL("date_part('epoch', {t}) / {s} = floor(date_part('epoch', {t}) / {s})").format(
        t=time, s=seconds
    )


def aligned(time: sql.Composable, interval: str | sql.Composable) -> sql.Composed:
    """Whether `time` can start a bar of `interval`: 00:00 KST for a day, week or month (the
    zone's rules, summer time of 1987-88 included); a whole minute on the interval's grid,
    counted from 00:00 KST, for minute bars."""
    midnight = sql.SQL("({t} AT TIME ZONE {kst})::time = '00:00'").format(t=time, kst=KST)
    if isinstance(interval, str):
        if interval in DAILY:
            return midnight
        return on_grid(time, sql.Literal(60 * MINUTES[interval]))
    seconds = sql.SQL("CASE {iv} {whens} END").format(
        iv=interval,
        whens=sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(iv), sql.Literal(60 * n))
            for iv, n in MINUTES.items()
        ),
    )
    return sql.SQL("CASE WHEN {iv} = ANY({daily}) THEN {midnight} ELSE {grid} END").format(
        iv=interval, daily=literal_array(DAILY), midnight=midnight, grid=on_grid(time, seconds)
    )


def before_the_krx(time: sql.Composable) -> sql.Composed:
    return sql.SQL("{t} < {first}::timestamp AT TIME ZONE {kst}").format(
        t=time, first=sql.Literal(FIRST_DAY.isoformat()), kst=KST
    )


def after_today(time: sql.Composable) -> sql.Composed:
    """Whether `time` is after today in Korea: no bar has started there yet."""
    return sql.SQL("{t} >= date_trunc('day', now(), {kst}) + interval '1 day'").format(
        t=time, kst=KST
    )


def stored_time(time: sql.Composable) -> sql.Composed:
    """Whether a bar at `time` is one we store: from the day the KRX opened to today in
    Korea (marketdata/dates.py), as year 9999 or 0001 is a typo, not a bar."""
    return sql.SQL("NOT ({} OR {})").format(before_the_krx(time), after_today(time))


def alignment_rule(interval: sql.Composable) -> sql.Composed:
    """The rule `aligned` checks, in words, for an error message."""
    return sql.SQL(
        "CASE WHEN {iv} = ANY({daily}) THEN 'its bars are stamped 00:00 KST, the session date' "
        "WHEN {iv} = '1m' THEN 'its bars start on whole minutes' "
        "ELSE 'its bars start on whole minutes divisible by ' "
        "|| substring({iv} FROM '^[0-9]+') || ', from 00:00 KST' END"
    ).format(iv=interval, daily=literal_array(DAILY))


def copy_options(encoding: str) -> sql.Composed:
    return sql.SQL("WITH (FORMAT csv, ENCODING {})").format(sql.Literal(PG_ENCODING[encoding]))


class Stage:
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

    def _c(self, role: str) -> sql.Identifier:
        return sql.Identifier(f"c{self.layout.position[role]}")

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
            sql.SQL("DROP TABLE IF EXISTS {}, {}").format(self.table, self.parsed),
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

    def copy_into_market_data(self, encoding: str) -> sql.Composed:
        """COPY of a canonical file's rows straight into market_data, in its column order;
        load_id comes from the table's default (migration 0008)."""
        role = {i: r for r, i in self.layout.position.items()}
        column = {"date": "time", "interval": "interval_type"}
        columns = sql.SQL(", ").join(
            sql.Identifier(column.get(role[i], role[i])) for i in range(len(self.layout.names))
        )
        return sql.SQL("COPY {} ({}) FROM STDIN {}").format(
            MARKET_DATA, columns, copy_options(encoding)
        )

    def typed_bars(self) -> sql.Composed:
        """The typed rows as bars. They are not checked here, which would take a pass of its
        own: the write enforces the rules (see `good_rows`), and a row that breaks one sends
        the file the text way, which names it. Symbols and intervals are checked once per
        series (FileLoad.summarize)."""
        c = {r: self._c(r) for r in VALUES}
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
            "volume, skipped, repaired, NOT skipped AS ok "
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
        t = sql.SQL(
            r"regexp_replace(regexp_replace({d}, '^([0-9]{{4}})([0-9]{{2}})([0-9]{{2}})', "
            r"'\1-\2-\3'), '^([0-9]{{4}})[./]([0-9]{{2}})[./]([0-9]{{2}})', '\1-\2-\3')"
        ).format(d=date)
        hour = sql.SQL("NULL::text")
        if self.layout.has("hour"):
            hour = sql.SQL("btrim({})").format(self._c("hour"))
            t = sql.SQL(
                "{t} || 'T' || substr({h}, 1, 2) || ':' || substr({h}, 3, 2) || ':' "
                "|| substr({h}, 5, 2)"
            ).format(t=t, h=hour)
        values = sql.SQL(", ").join(
            sql.SQL(
                "btrim({c}) AS {raw}, replace(replace(btrim({c}), ',', ''), ' ', '') AS {txt}"
            ).format(c=self._c(r), raw=sql.Identifier(f"{r}_raw"), txt=sql.Identifier(f"{r}_txt"))
            for r in VALUES
        )
        return sql.SQL(
            "SELECT line, {date} AS date_raw, {hour} AS hour_raw, {t} AS t, {symbol} AS symbol, "
            "{iv} AS iv, {values} FROM {table}"
        ).format(
            date=date,
            hour=hour,
            t=t,
            symbol=self._trimmed_or_constant("symbol", self.symbol),
            iv=self._iv(),
            values=values,
            table=self.table,
        )

    def _checked_text(self) -> sql.Composed:
        numbers = sql.SQL(", ").join(
            sql.SQL(
                "CASE WHEN {txt} ~ {number} AND length({txt}) <= {digits} THEN {txt}::numeric "
                "END AS {role}"
            ).format(
                txt=sql.Identifier(f"{r}_txt"),
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

    def _first_error(self) -> sql.Composed:
        col = {r: self._column(r) for r in ("date", "symbol", "interval", *VALUES)}

        def when(condition, column, message, *args, **kwargs):
            return sql.SQL("WHEN {} THEN ARRAY[{}, {}]").format(
                sql.SQL(condition).format(*args, **kwargs), column, message
            )

        def value(role):
            return shown(sql.Identifier(f"{role}_raw"))

        checks = [
            when("date_raw IS NULL OR date_raw = ''", col["date"], sql.Literal("missing value")),
        ]
        if self.layout.has("hour"):
            checks.append(
                when(
                    "hour_raw IS NULL OR hour_raw !~ {}",
                    sql.Literal(self.layout.name("hour")),
                    sql.SQL("{} || ' is not a time of day (HHMMSS)'").format(
                        shown(sql.SQL("coalesce(hour_raw, '')"))
                    ),
                    sql.Literal(HHMMSS),
                )
            )
        checks += [
            when(
                "NOT t_ok",
                col["date"],
                sql.SQL("{} || ' is not a date/time (YYYY-MM-DD, YYYYMMDD or ISO 8601)'").format(
                    shown(sql.SQL("date_raw"))
                ),
            ),
            when(
                "{}",
                col["date"],
                sql.SQL("{} || {}").format(
                    shown(sql.SQL("date_raw")),
                    sql.Literal(f" is before the KRX opened ({FIRST_DAY})"),
                ),
                before_the_krx(sql.SQL("time")),
            ),
            when(
                "{}",
                col["date"],
                sql.SQL("{} || ' is after today in Korea'").format(shown(sql.SQL("date_raw"))),
                after_today(sql.SQL("time")),
            ),
            when(
                "symbol IS NULL OR symbol !~ {}",
                col["symbol"],
                sql.SQL(
                    "{} || ' is not a KRX code (six characters, such as 005930) or index "
                    "code (four digits, such as 1001)'"
                ).format(shown(sql.SQL("coalesce(symbol, '')"))),
                sql.Literal(BAR_SYMBOL_PATTERN),
            ),
        ]
        if self.layout.has("interval"):
            checks.append(
                when(
                    "iv IS NULL OR NOT iv = ANY({})",
                    col["interval"],
                    sql.SQL("{} || ' is not a known interval ({})'").format(
                        shown(sql.SQL("coalesce(iv, '')")),
                        sql.SQL(", ".join(Interval.values)),
                    ),
                    INTERVALS,
                )
            )
        for r in VALUES:
            checks += [
                when(
                    "{} IS NULL OR {} = ''",
                    col[r],
                    sql.Literal("missing value"),
                    sql.Identifier(f"{r}_raw"),
                    sql.Identifier(f"{r}_raw"),
                ),
                when(
                    "{txt} ~ {number} AND length({txt}) > {digits}",
                    col[r],
                    sql.SQL("{} || {}").format(
                        value(r), sql.Literal(f" has more than {MAX_DIGITS} digits")
                    ),
                    txt=sql.Identifier(f"{r}_txt"),
                    number=sql.Literal(NUMBER),
                    digits=sql.Literal(MAX_DIGITS),
                ),
                when(
                    "{} IS NULL",
                    col[r],
                    sql.SQL("{} || ' is not a number'").format(value(r)),
                    sql.Identifier(r),
                ),
            ]
        checks += [
            when(
                "volume < 0",
                col["volume"],
                sql.SQL("{} || ' is negative'").format(value("volume")),
            ),
            when(
                "volume <> trunc(volume) OR volume > {}",
                col["volume"],
                sql.SQL("{} || ' is not a whole number'").format(value("volume")),
                MAX_VOLUME,
            ),
            sql.SQL("WHEN skipped THEN NULL"),
        ]
        for r in PRICES:
            checks += [
                when(
                    "{} <= 0",
                    col[r],
                    sql.SQL("{} || ' is not a positive price'").format(value(r)),
                    sql.Identifier(r),
                ),
                when(
                    "round({}, 2) > {}",
                    col[r],
                    sql.SQL("{} || ' is too large for a price'").format(value(r)),
                    sql.Identifier(r),
                    MAX_PRICE,
                ),
            ]
        checks += self._order_checks(col)
        if self.interval is not None or self.layout.has("interval"):
            checks.append(self.misaligned_error(col["date"], self.interval))
        return sql.SQL("CASE {} END").format(sql.SQL(" ").join(checks))

    def _order_checks(self, col) -> list[sql.Composed]:
        """ "high: 69,800 is below low 70,100", with a hint where --repair-high-low helps."""
        hint = sql.Literal(
            "; if the prices are adjusted and off by at most one tick, --repair-high-low "
            "widens high and low to cover open and close"
        )
        fixable = sql.SQL("coalesce({}, false)").format(self._fixable())
        checks = []
        for a, op, b, words, fixed in (
            ("high", "<", "low", "below", "fixed_high"),
            ("high", "<", "open", "below", "fixed_high"),
            ("high", "<", "close", "below", "fixed_high"),
            ("low", ">", "open", "above", "fixed_low"),
            ("low", ">", "close", "above", "fixed_low"),
        ):
            message = sql.SQL("{a_raw} || {words} || {b_raw}").format(
                a_raw=shown(sql.Identifier(f"{a}_raw")),
                words=sql.Literal(f" is {words} {b} "),
                b_raw=shown(sql.Identifier(f"{b}_raw")),
            )
            if b != "low":
                message = sql.SQL("{} || CASE WHEN {} THEN {} ELSE '' END").format(
                    message, fixable, hint
                )
            checks.append(
                sql.SQL("WHEN {fixed} {op} {b} THEN ARRAY[{col}, {message}]").format(
                    fixed=sql.Identifier(fixed),
                    op=sql.SQL(op),
                    b=sql.Identifier("fixed_low" if b == "low" else b),
                    col=col[a],
                    message=message,
                )
            )
        return checks

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

    def mark_repeats(self) -> sql.Composed:
        """Give every repeat of a (time, symbol, interval) inside the file an error."""
        return sql.SQL(
            "UPDATE {parsed} p SET err = ARRAY[{date}, {raw} || ' repeats the bar of line ' "
            "|| d.first || ' (' || p.symbol || coalesce(' ' || p.iv, '') || ')'] "
            "FROM (SELECT line, min(line) OVER (PARTITION BY time, symbol, iv) AS first "
            "FROM {parsed} WHERE err IS NULL AND NOT skipped) d "
            "WHERE p.line = d.line AND d.line <> d.first"
        ).format(
            parsed=self.parsed,
            date=sql.Literal(self.layout.name("date")),
            raw=shown(sql.SQL("p.date_raw")),
        )

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
