"""The first error of each row of the text way (staging.py): one SQL CASE that names the
column and the value as the file has them, and the checks of a bar's order."""

from psycopg2 import sql

from marketdata.dates import FIRST_DAY
from marketdata.loader.formats import PRICES, VALUES
from marketdata.loader.stage_sql import (
    HHMMSS,
    INTERVALS,
    MAX_DIGITS,
    MAX_PRICE,
    MAX_VOLUME,
    NUMBER,
    after_today,
    before_the_krx,
    shown,
)
from marketdata.models import Interval
from marketdata.symbols import BAR_SYMBOL_PATTERN


class RowErrors:
    """The error checks of a Stage, kept apart for their length."""

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
