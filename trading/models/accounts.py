"""Accounts (who a fill belongs to, and who may see it) and their commission schedules."""

import re
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from display import numbers
from trading.models.choices import Venue

DEFAULT_ACCOUNT = "DEFAULT"


class UnknownAccount(LookupError):
    def __init__(self, missing, known):
        self.missing = missing
        super().__init__(
            f"No account with the code {', '.join(missing)}; the accounts are "
            f"{', '.join(known) or 'none yet'}."
        )


class AccountQuerySet(models.QuerySet):
    def for_codes(self, codes) -> list["Account"]:
        """The accounts with these codes, in that order; UnknownAccount names any missing."""
        codes = list(dict.fromkeys(codes))
        found = {a.code: a for a in self.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise UnknownAccount(
                missing, list(self.order_by("code").values_list("code", flat=True))
            )
        return [found[c] for c in codes]


class Account(models.Model):
    """One broker account: its fills, positions, commission schedules and reconciliations."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Short name used in files and commands, such as MAIN or SWING."),
    )
    name = models.CharField(_("name"), max_length=100)
    broker = models.CharField(_("broker"), max_length=40, default="KIS")
    number = models.CharField(
        _("account number"),
        max_length=40,
        blank=True,
        help_text=_("As the broker writes it, such as 12345678-01. Lists show it masked."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    dividend_tax_rate = models.DecimalField(
        _("dividend income tax rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.14"),
        help_text=_(
            "Income tax withheld from cash dividends, as a fraction: 0.14 for individuals "
            "(15.4 % with the local income tax of a tenth of it), 0 for corporations and "
            "tax-free accounts."
        ),
    )
    visible_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="visible_accounts",
        verbose_name=_("limited staff who see it"),
        help_text=_(
            "Staff without the permission to see every account see only the accounts that "
            "list them here."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AccountQuerySet.as_manager()
    history = HistoricalRecords(table_name="accounts_history")

    class Meta:
        db_table = "accounts"
        ordering = ("code",)
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        permissions = [("view_all_accounts", _("Can see the data of every account"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Za-z0-9_-]+$"),
                name="accounts_code_valid",
                violation_error_message=_(
                    "Use letters, digits, - and _ only in an account code, such as MAIN."
                ),
            ),
            models.CheckConstraint(
                condition=Q(dividend_tax_rate__gte=0, dividend_tax_rate__lte=Decimal("0.5")),
                name="accounts_dividend_tax_rate_range",
                violation_error_message=_(
                    "A dividend tax rate is a fraction from 0 to 0.5, such as 0.14."
                ),
            ),
            models.UniqueConstraint(
                fields=["broker", "number"],
                condition=~Q(number=""),
                name="accounts_broker_number_unique",
                violation_error_message=_("This broker account number is already recorded."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def masked_number(self) -> str:
        """The number with every digit but the last four hidden: ****5678-01."""
        digits = [m.start() for m in re.finditer(r"\d", self.number)]
        hidden = set(digits[:-4]) if len(digits) > 4 else set()
        return "".join("*" if n in hidden else c for n, c in enumerate(self.number))


class CommissionSchedule(models.Model):
    """The broker's commission for one account and venue, from a date on."""

    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="commission_schedules",
        verbose_name=_("account"),
    )
    venue = models.CharField(_("venue"), max_length=3, choices=Venue.choices)
    valid_from = models.DateField(
        _("valid from"), help_text=_("Trade date (Korea time) from which this schedule applies.")
    )
    rate = models.DecimalField(
        _("rate"),
        max_digits=12,
        decimal_places=10,
        help_text=_("Fraction of the traded amount: 0.00015 is 0.015 %."),
    )
    minimum = models.DecimalField(_("minimum (KRW)"), max_digits=12, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(table_name="commission_schedules_history")

    class Meta:
        db_table = "commission_schedules"
        ordering = ("account", "venue", "-valid_from")
        verbose_name = _("commission schedule")
        verbose_name_plural = _("commission schedules")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "venue", "valid_from"],
                name="commission_schedules_unique_start",
                violation_error_message=_(
                    "This account already has a schedule for this venue from that date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(venue__in=Venue.values),
                name="commission_schedules_venue_valid",
                violation_error_message=_("Unknown venue."),
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lt="0.01"),
                name="commission_schedules_rate_range",
                violation_error_message=_("The rate is a fraction from 0 to below 0.01 (1 %%)."),
            ),
            models.CheckConstraint(
                condition=Q(minimum__gte=0),
                name="commission_schedules_minimum_nonneg",
                violation_error_message=_("The minimum must not be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.account.code} {self.venue} {self.valid_from}: {numbers.rate(self.rate)}"
