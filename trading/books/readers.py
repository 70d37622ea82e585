"""Amounts and dates from files (cash files, the broker's reports), read within bounds
before any arithmetic: a cell's length, NUL characters and its digits are checked against a
plain pattern first, so that `1e2000000`, `NaN`, `Infinity` or a megabyte of digits is a
clean error and never a number. Amounts stay within marketdata.arguments.MAX_AMOUNT (the
limit the commands' own amounts have); dates within marketdata.dates' range, from the
day the KRX opened to today (so 9999-12-31 is refused before it overflows anything).
"""

import datetime as dt
import math
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from display.messages import shown
from marketdata import dates
from marketdata.arguments import MAX_AMOUNT

MAX_CHARS = 40
# Digits with an optional sign and decimals; thousands separators are taken out first.
AMOUNT = re.compile(r"([+-]?)([0-9]{1,16})(?:\.([0-9]{1,8}))?")
DAY = re.compile(r"([0-9]{4})-?([0-9]{2})-?([0-9]{2})")


class BadValue(ValueError):
    """A value that is not what its column holds; the message says what was found."""


def _text(value) -> str:
    if isinstance(value, bytes):
        raise BadValue(_("not text"))
    text = str(value)
    if len(text) > MAX_CHARS:
        raise BadValue(
            _("%(value)s is longer than %(n)s characters") % {"value": shown(text), "n": MAX_CHARS}
        )
    if "\x00" in text:
        raise BadValue(_("holds a NUL character"))
    return text.strip()


def amount(value, *, signed: bool = False, places: int = 2) -> Decimal:
    """An amount in won: digits, an optional sign (with `signed`), at most `places`
    decimals, thousands separators allowed; at most MAX_AMOUNT either way."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadValue(_("empty; an amount in won is needed"))
    if isinstance(value, bool):
        raise BadValue(_("%(value)s is not an amount in won") % {"value": value})
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue(_("%(value)s is not an amount in won") % {"value": value})
        value = repr(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadValue(_("%(value)s is not an amount in won") % {"value": value})
    text = _text(value)
    found = AMOUNT.fullmatch(text.replace(",", ""))
    if found is None or len(found.group(3) or "") > places:
        raise BadValue(
            _("%(value)s is not an amount in won such as 1,000,000 or 1000000.50")
            % {"value": repr(shown(text))}
        )
    number = Decimal(text.replace(",", ""))
    if number < 0 and not signed:
        raise BadValue(
            _("%(value)s is negative: amounts are positive, the kind says the direction")
            % {"value": text}
        )
    if abs(number) > MAX_AMOUNT:
        raise BadValue(
            _("%(value)s is more than %(limit)s won") % {"value": text, "limit": f"{MAX_AMOUNT:,}"}
        )
    return number


def day(value, *, compact_only: bool = False) -> dt.date:
    """A date, 2026-03-03 or 20260303 (a spreadsheet's date cell too), from the KRX's first
    day to today; `compact_only`: KIS's YYYYMMDD only."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise BadValue(_("%(value)s is a moment, not a date") % {"value": value})
        value = value.date()
    if isinstance(value, dt.date):
        found_day = value
    else:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise BadValue(_("empty; a date is needed"))
        text = _text(value)
        found = DAY.fullmatch(text)
        if found is None or (compact_only and "-" in text):
            example = "20260303" if compact_only else "2026-03-03"
            raise BadValue(
                _("%(value)s is not a date like %(example)s")
                % {"value": repr(shown(text)), "example": example}
            )
        try:
            found_day = dt.date(*map(int, found.groups()))
        except ValueError as e:
            raise BadValue(_("%(value)s is not a date") % {"value": repr(text)}) from e
    if problem := dates.out_of_range(found_day):
        raise BadValue(f"{found_day}: {problem}")
    return found_day
