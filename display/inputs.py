"""Form inputs for figures: a stored 72000.00 is typed as 72000, not 72000.00."""

from decimal import Decimal

from django import forms
from django.db import models


class PlainDecimalInput(forms.NumberInput):
    """A number box that shows a decimal without the zeros its column pads it with:
    72000.00 -> 72000, 0.0001500000 -> 0.00015."""

    def format_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            return f"{value.normalize():f}" if value else "0"
        return super().format_value(value)


# For a ModelAdmin's formfield_overrides.
PLAIN_DECIMALS = {models.DecimalField: {"widget": PlainDecimalInput}}
