"""The dates the back office deals in: from the day the Korea Stock Exchange opened to
today in Korea. Forms and command-line arguments refuse others before any query runs (a
date such as 9999-12-31 overflows the day after it, and PostgreSQL refuses year 1 in
Korea time)."""

import datetime as dt

from django.utils.translation import gettext as _

FIRST_DAY = dt.date(1956, 3, 3)  # the Korea Stock Exchange's first trading day


def today() -> dt.date:
    from marketdata.sessions import KST

    return dt.datetime.now(KST).date()


def out_of_range(day: dt.date) -> str | None:
    """Why `day` is not a date the back office deals in, or None when it is."""
    last = today()
    if FIRST_DAY <= day <= last:
        return None
    return _("Enter a date from %(first)s (the KRX opened) to %(last)s.") % {
        "first": FIRST_DAY,
        "last": last,
    }


def validate(day: dt.date) -> None:
    """A form field validator."""
    from django.core.exceptions import ValidationError

    if problem := out_of_range(day):
        raise ValidationError(problem, code="out_of_range")
