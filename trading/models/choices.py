"""The closed sets of the trading wing: sides, log levels, venues."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    BUY = "BUY", _("Buy")
    SELL = "SELL", _("Sell")

    @classmethod
    def label_of(cls, value: str):
        """The label of `value`, or `value` itself when it is not a side (as
        get_side_display, without building the choices anew for every row of a list)."""
        try:
            return cls(value).label
        except ValueError:
            return value


class Level(models.TextChoices):
    DEBUG = "DEBUG", _("Debug")
    INFO = "INFO", _("Info")
    WARNING = "WARNING", _("Warning")
    ERROR = "ERROR", _("Error")
    CRITICAL = "CRITICAL", _("Critical")


class Venue(models.TextChoices):
    """Where a fill was executed. Korean stocks trade on KRX and, since 2025-03-04, on Nextrade."""

    KRX = "KRX", _("KRX")
    NXT = "NXT", _("Nextrade")


# The account every trade and position went to when accounts came (migration 0007), and
# the one writers that name no account still land in.
