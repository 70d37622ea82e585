"""{% load bars %}: a bar's time as the desk reads it, its session date for daily, weekly
and monthly bars (stamped 00:00 in Korea), its Korea-time start for intraday ones."""

from django import template

from display import times
from marketdata import facts
from marketdata.models import Interval

register = template.Library()


@register.filter
def bar_time(value, interval):
    if value is None or facts.is_intraday(str(interval)):
        return times.moment(value)
    return times.day(value)


@register.filter
def interval_label(code):
    """An interval as the pickers name it (일봉, 1분봉 / 1 day, 1 minute), not its code (1d)."""
    try:
        return Interval(str(code)).label
    except ValueError:
        return code
