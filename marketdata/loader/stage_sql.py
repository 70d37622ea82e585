"""SQL fragments of the loader's staging (staging.py): the patterns a value must match,
the limits of the columns, and the expressions that align and check a bar's time."""

from psycopg2 import sql

from marketdata.dates import FIRST_DAY
from marketdata.loader.errors import SHOWN_CHARS
from marketdata.loader.intervals import DAILY, MINUTES
from marketdata.models import Interval
from marketdata.sessions import MARKET_TIME_ZONE

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
