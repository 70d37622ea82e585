"""{% load bars %}: a bar's time as the desk reads it, its session date for daily, weekly
and monthly bars (stamped 00:00 in Korea), its Korea-time start for intraday ones."""

from django import template

from display import times
from marketdata import facts

register = template.Library()


@register.filter
def bar_time(value, interval):
    if value is None or facts.is_intraday(str(interval)):
        return times.moment(value)
    return times.day(value)
