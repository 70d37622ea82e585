"""{% load figures %}: the display helpers as template filters, and the colour rules."""

from django import template
from django.utils.html import format_html

from display import colours, numbers, times

register = template.Library()

register.filter("quantity", numbers.quantity)
register.filter("won", numbers.won)
register.filter("price", numbers.price)
register.filter("percent", numbers.percent)
register.filter("ratio", numbers.ratio)


@register.filter
def moment(value, seconds=False):
    return times.moment(value, seconds=bool(seconds))


@register.filter
def direction(value):
    """The class of a signed figure: `<span class="{{ pnl|direction }}">`."""
    return colours.direction(value)


@register.filter
def signed_won(value):
    """A gain or loss in won, coloured by the convention."""
    return format_html(
        '<span class="{}">{}</span>', colours.direction(value), numbers.signed_won(value)
    )


@register.filter
def signed_percent(value):
    return format_html(
        '<span class="{}">{}</span>', colours.direction(value), numbers.signed_percent(value)
    )


@register.simple_tag
def colour_rules():
    """The convention's colours as CSS variables, for display/desk.css."""
    palette = colours.palette()
    return format_html(
        "<style>:root {{ --qb-up: {}; --qb-down: {}; }}</style>", palette.up, palette.down
    )
