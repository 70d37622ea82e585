"""The dates the back office deals in: from the day the Korea Stock Exchange opened to
today in Korea for what is computed and stored (commands), to the end of next year for what
is only looked at (a chart "to the end of the year"). Forms and command-line arguments
refuse others before any query runs: a date such as 9999-12-31 overflows the day after it,
and PostgreSQL refuses year 1 in Korea time."""

import datetime as dt

from django.utils.translation import gettext as _

FIRST_DAY = dt.date(1956, 3, 3)  # the Korea Stock Exchange's first trading day


def today() -> dt.date:
    from marketdata.sessions import KST

    return dt.datetime.now(KST).date()


def last_day_to_view() -> dt.date:
    return dt.date(today().year + 1, 12, 31)


def out_of_range(day: dt.date, *, last: dt.date | None = None) -> str | None:
    """Why `day` is not between FIRST_DAY and `last` (default today), or None."""
    last = last or today()
    if FIRST_DAY <= day <= last:
        return None
    return _("Enter a date from %(first)s (the KRX opened) to %(last)s.") % {
        "first": FIRST_DAY,
        "last": last,
    }


def validate(day: dt.date) -> None:
    """A form field validator: a date to look at."""
    from django.core.exceptions import ValidationError

    if problem := out_of_range(day, last=last_day_to_view()):
        raise ValidationError(problem, code="out_of_range")
