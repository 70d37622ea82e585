"""Values on the history pages as the lists show them: a choice by its label (`매수`/`Buy`,
not `BUY`), figures grouped (`80,000`, not `80000.00`), moments in Korea time, and "-" for
a missing value (not `None`)."""

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext
from simple_history.template_utils import HistoricalRecordContextHelper

from display import numbers, times


def shown(field, value) -> str:
    """`value` of model field `field` as a list shows it."""
    if value is None or value == "":
        return numbers.MISSING
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(field, models.DecimalField):
        # Rates (0.00015) have more places than money; money and prices have two at most.
        return numbers.rate(value) if field.decimal_places > 2 else numbers.price(value)
    if isinstance(field, models.IntegerField) and not field.primary_key:
        return numbers.quantity(value)
    if isinstance(field, models.DateTimeField):
        return times.moment(value, seconds=True)
    if isinstance(field, models.DateField):
        return times.day(value)
    return str(value)


def column(model, record, name) -> str:
    """The history list's column `name` of `record`: a model field shown as a list shows it,
    anything else (an admin method's value) as it is."""
    value = getattr(record, name, None)
    try:
        field = model._meta.get_field(name)
    except models.FieldDoesNotExist:
        return numbers.MISSING if value is None else value
    return shown(field, value)


def heading(model, name) -> str:
    """The history list's heading of column `name`: the field's name, as a form labels it."""
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except models.FieldDoesNotExist:
        return name


class ShownChanges(HistoricalRecordContextHelper):
    """The "Changes" column of a history page, old → new, in the lists' formats."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        return shown(field, value)
