"""Values given on a command line, read by argparse (`type=`), so that every command
refuses the same absurd input with the same words, before it reads or writes anything.

Dates run from the day the Korea Stock Exchange opened (1956-03-03) to today in Korea
(marketdata/dates.py); `--to` of a computation stops at the last closed session. Amounts
of money are finite, positive (cash may be 0) and at most 10^15 KRW, more than any fund
holds.
"""

import argparse
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from marketdata import dates

MAX_AMOUNT = Decimal(10) ** 15
MAX_LOOKBACK = 10_000  # trading days, about forty years


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise argparse.ArgumentTypeError("holds a NUL character")
    return text


def _in_range(day: dt.date, text: str) -> dt.date:
    if problem := dates.out_of_range(day):
        raise argparse.ArgumentTypeError(f"{text}: {problem}")
    return day


def day(text: str) -> dt.date:
    """A date, 2024-01-31."""
    try:
        value = dt.date.fromisoformat(_no_nul(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-01-31") from e
    return _in_range(value, text)


def closed_session_day(text: str) -> dt.date:
    """A date no later than the last session that has closed (nothing after it is known)."""
    from marketdata.sessions import last_closed

    value = day(text)
    last = last_closed(dt.datetime.now(dt.UTC)).date
    if value > last:
        raise argparse.ArgumentTypeError(
            f"{text} is after the last closed session, {last}: its figures are not known yet"
        )
    return value


def moment(text: str) -> dt.datetime:
    """A date-time (Korea time when it names no zone), or a date, meaning the end of that
    day in Korea; from 1956-03-03 to today."""
    from marketdata.sessions import KST, as_of

    try:
        # In Korea time: PostgreSQL takes no offset beyond 15 hours, Python up to 24.
        value = as_of(_no_nul(text)).astimezone(KST)
    except (ValueError, OverflowError) as e:
        raise argparse.ArgumentTypeError(str(e)) from e
    _in_range(value.date(), text)
    return value


def _amount(text: str, *, zero: bool) -> Decimal:
    try:
        value = Decimal(_no_nul(text).replace(",", "").strip())
    except InvalidOperation as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in KRW") from e
    if not value.is_finite() or value < 0 or (value == 0 and not zero) or value > MAX_AMOUNT:
        least = "0 or more" if zero else "more than 0"
        raise argparse.ArgumentTypeError(
            f"{text} is not an amount in KRW {least} and at most {MAX_AMOUNT:,}"
        )
    return value


def amount(text: str) -> Decimal:
    """A positive amount of money in KRW (a strategy's capital)."""
    return _amount(text, zero=False)


def cash(text: str) -> Decimal:
    """An amount of money in KRW that may be 0 (cash)."""
    return _amount(text, zero=True)


def lookback(text: str) -> int:
    """A number of trading days, 2 to MAX_LOOKBACK."""
    try:
        value = int(_no_nul(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from e
    if not 2 <= value <= MAX_LOOKBACK:
        raise argparse.ArgumentTypeError(f"{text} is not between 2 and {MAX_LOOKBACK:,} days")
    return value


def symbol(text: str) -> str:
    """A KRX short code, 005930 or 0088M0."""
    from marketdata.symbols import is_symbol

    if not is_symbol(_no_nul(text)):
        raise argparse.ArgumentTypeError(f"{text!r} is not a KRX short code such as 005930")
    return text


def code(text: str) -> str:
    """A short code of letters, digits, - and _, at most 20 characters (an account's)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", _no_nul(text)):
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a code of letters, digits, - and _ such as MAIN"
        )
    return text


def name(text: str) -> str:
    """A name such as a strategy's: printable text of at most 100 characters."""
    if not text.strip() or len(text) > 100 or not text.isprintable():
        raise argparse.ArgumentTypeError(f"{text[:100]!r} is not a name")
    return text
