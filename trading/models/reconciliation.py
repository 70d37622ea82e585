"""Reconciliation runs against the broker's reports and the differences they found."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from trading.models.accounts import Account


class DifferenceKind(models.TextChoices):
    MISSING_IN_BACKOFFICE = "missing_in_backoffice", _("filled at the broker, missing here")
    MISSING_AT_BROKER = "missing_at_broker", _("here, not filled at the broker")
    SIDE = "side", _("side")
    QUANTITY = "quantity", _("filled quantity")
    PRICE = "price", _("average price")
    VENUE = "venue", _("venue")
    POSITION_QUANTITY = "position_quantity", _("position quantity")
    POSITION_AVERAGE_PRICE = "position_average_price", _("position average price")


class DifferenceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("differences", "open")
    EXPLAINED = "explained", _("explained")
    FIXED = "fixed", _("fixed")


class ReconciliationStatus(models.TextChoices):
    MATCH = "match", _("match")
    DIFFERENCES = "differences", _("differences")


class ReconciliationRun(models.Model):
    """One comparison of an account's day with the broker's reports, kept as it was."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="reconciliations",
        verbose_name=_("account"),
    )
    date = models.DateField(_("trading day"))
    status = models.CharField(_("result"), max_length=11, choices=ReconciliationStatus.choices)
    run_at = models.DateTimeField(_("run at"), default=timezone.now)
    run_by = models.CharField(_("run by"), max_length=150)
    orders_file = models.CharField(_("orders file"), max_length=255)
    orders_sha256 = models.CharField(_("orders file SHA-256"), max_length=64)
    balance_file = models.CharField(_("balance file"), max_length=255, blank=True)
    balance_sha256 = models.CharField(_("balance file SHA-256"), max_length=64, blank=True)
    checked_orders = models.IntegerField(_("orders checked"), default=0)
    checked_fills = models.IntegerField(_("fills checked"), default=0)
    checked_holdings = models.IntegerField(_("holdings checked"), default=0)
    difference_count = models.IntegerField(_("differences"), default=0)
    conventions = models.JSONField(
        _("average price conventions"),
        default=dict,
        blank=True,
        help_text=_("How each side computes a holding's average price."),
    )

    class Meta:
        db_table = "reconciliation_runs"
        ordering = ("-run_at",)
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        indexes = [
            # The newest run per account: the front page; a day's runs of an account.
            models.Index("account", F("run_at").desc(), name="reconciliation_account_run_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReconciliationStatus.values),
                name="reconciliation_runs_status_valid",
                violation_error_message=_("Unknown result."),
            ),
        ]

    def __str__(self):
        return f"{self.account.code} {self.date}: {self.get_status_display()}"


class ReconciliationDifference(models.Model):
    """Where the broker and the back office disagree, and what a person made of it."""

    run = models.ForeignKey(
        ReconciliationRun,
        on_delete=models.CASCADE,
        related_name="differences",
        verbose_name=_("reconciliation"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DifferenceKind.choices)
    broker_order_id = models.CharField(_("broker order id"), max_length=40, blank=True)
    symbol = models.CharField(_("symbol"), max_length=10, blank=True)
    broker = models.JSONField(_("broker says"), null=True, blank=True)
    ours = models.JSONField(_("we have"), null=True, blank=True)
    trades = models.JSONField(
        _("fills"), default=list, blank=True, help_text=_("Ids of our fills concerned.")
    )
    status = models.CharField(
        _("status"), max_length=9, choices=DifferenceStatus.choices, default=DifferenceStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(table_name="reconciliation_differences_history")

    class Meta:
        db_table = "reconciliation_differences"
        ordering = ("run", "id")
        verbose_name = _("difference")
        verbose_name_plural = _("differences")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DifferenceKind.values),
                name="reconciliation_differences_kind_valid",
                violation_error_message=_("Unknown kind of difference."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=DifferenceStatus.values),
                name="reconciliation_differences_status_valid",
                violation_error_message=_("Unknown status."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.broker_order_id} {self.symbol}".strip()
