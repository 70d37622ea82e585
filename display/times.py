"""Moments as the desk reads them: Korea time (TIME_ZONE), 24-hour clock, ISO dates, in
every language."""

import datetime as dt

from django.utils import timezone

MISSING = "-"


def moment(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """2026-11-26 15:40 (or 15:40:05), in the current time zone."""
    if value is None:
        return MISSING
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local:%Y-%m-%d %H:%M:%S}" if seconds else f"{local:%Y-%m-%d %H:%M}"


def day(value: dt.datetime | dt.date | None) -> str:
    """The date of a moment in the current time zone: 2026-11-26."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value:%Y-%m-%d}"
