"""Fills, the positions they add up to, and the changes that make positions stale."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from display import numbers, times
from marketdata.symbols import EQUITY_PATTERN, validate_equity
from trading.models.accounts import Account
from trading.models.choices import Side, Venue

# What a fill should have cost and whether its price was a possible one: derived from the
# schedules and the market data by trading/fills/charges.py, stored so that lists can
# filter on them.
ASSESSED_FIELDS = (
    "settles_on",
    "expected_commission",
    "expected_tax",
    "expected_special_tax",
    "charges_differ",
    "on_tick",
    "within_limit",
)


class Trade(models.Model):
    """One fill reported by the broker."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="trades", verbose_name=_("account")
    )
    venue = models.CharField(
        _("venue"), max_length=3, choices=Venue.choices, default=Venue.KRX, db_default=Venue.KRX
    )
    symbol = models.CharField(_("symbol"), max_length=10, validators=[validate_equity])
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    quantity = models.BigIntegerField(_("quantity"))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    commission = models.DecimalField(_("commission"), max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(
        _("tax"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_(
            "Securities transaction tax of a sell, the agricultural and fisheries special tax "
            "included."
        ),
    )
    strategy = models.CharField(_("strategy"), max_length=50)
    broker_order_id = models.CharField(_("broker order id"), max_length=40, blank=True)
    fill_seq = models.IntegerField(
        _("fill number"),
        default=1,
        db_default=1,
        help_text=_("The fill's place within its broker order: 1, 2, ..."),
    )
    execution_id = models.CharField(
        _("execution id"),
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text=_("The broker's own id of this fill, where the source has one."),
    )
    executed_at = models.DateTimeField(_("executed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    settles_on = models.DateField(
        _("settles on"),
        null=True,
        editable=False,
        help_text=_("Settlement date (T+2): the tax rate in force on it applies."),
    )
    expected_commission = models.DecimalField(
        _("expected commission"), max_digits=14, decimal_places=2, null=True, editable=False
    )
    expected_tax = models.DecimalField(
        _("expected tax"), max_digits=14, decimal_places=2, null=True, editable=False
    )
    expected_special_tax = models.DecimalField(
        _("expected special tax"),
        max_digits=14,
        decimal_places=2,
        null=True,
        editable=False,
        help_text=_("The agricultural and fisheries special tax within the expected tax."),
    )
    charges_differ = models.BooleanField(
        _("charges differ"), default=False, db_default=False, editable=False
    )
    on_tick = models.BooleanField(_("on the tick grid"), null=True, editable=False)
    within_limit = models.BooleanField(_("within the daily limit"), null=True, editable=False)
    reconstructed_by = models.ForeignKey(
        "ReconciliationRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="reconstructed_fills",
        verbose_name=_("reconstructed by"),
        help_text=_("The reconciliation whose broker report this fill was created from."),
    )

    history = HistoricalRecords(table_name="trades_history", excluded_fields=ASSESSED_FIELDS)

    class Meta:
        db_table = "trades"
        ordering = ("-executed_at",)
        verbose_name = _("trade")
        verbose_name_plural = _("trades")
        indexes = [
            # The fills of one symbol over time: position rebuild and the chart's markers.
            models.Index("symbol", "executed_at", name="trades_symbol_executed_idx"),
            # Performance per strategy; the admin's strategy filter, newest first.
            models.Index("strategy", F("executed_at").desc(), name="trades_strategy_idx"),
            # The admin's side filter, newest first.
            models.Index("side", F("executed_at").desc(), name="trades_side_executed_idx"),
            # The trade list, newest first, and "today's trades" on the dashboard.
            models.Index(F("executed_at").desc(), name="trades_executed_desc_idx"),
            # One account's fills: the account filter, reconciliation of a day.
            models.Index("account", F("executed_at").desc(), name="trades_account_executed_idx"),
            # The "charges differ" filter and the dashboard's count of them.
            models.Index(
                F("executed_at").desc(),
                condition=Q(charges_differ=True),
                name="trades_charges_differ_idx",
            ),
            # The "no schedule to compare with" filter: fills whose charges are unknown.
            models.Index(
                F("executed_at").desc(),
                condition=Q(expected_commission__isnull=True) | Q(expected_tax__isnull=True),
                name="trades_unassessed_idx",
            ),
            # Search by broker order id, and the fills of one order.
            models.Index("broker_order_id", name="trades_broker_order_idx"),
            # The price-check filter: fills off the tick grid or outside the daily limit.
            models.Index(
                F("executed_at").desc(),
                condition=Q(on_tick=False) | Q(within_limit=False),
                name="trades_price_flagged_idx",
            ),
        ]
        constraints = [
            # A fill is imported once: its order and place in it, or the broker's own id.
            models.UniqueConstraint(
                fields=["account", "broker_order_id", "fill_seq"],
                condition=~Q(broker_order_id=""),
                name="trades_fill_identity",
                violation_error_message=_(
                    "This account already has this fill number of this broker order."
                ),
            ),
            models.UniqueConstraint(
                fields=["account", "execution_id"],
                condition=~Q(execution_id=""),
                name="trades_execution_identity",
                violation_error_message=_(
                    "This account already has a fill with this execution id."
                ),
            ),
            models.CheckConstraint(
                condition=Q(venue__in=Venue.values),
                name="trades_venue_valid",
                violation_error_message=_("Unknown venue."),
            ),
            models.CheckConstraint(
                condition=Q(fill_seq__gte=1),
                name="trades_fill_seq_positive",
                violation_error_message=_("The fill number starts at 1."),
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values),
                name="trades_side_valid",
                violation_error_message=_("Side must be BUY or SELL."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="trades_quantity_positive",
                violation_error_message=_("Quantity must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(price__gt=0),
                name="trades_price_positive",
                violation_error_message=_("Price must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(commission__gte=0),
                name="trades_commission_nonneg",
                violation_error_message=_("Commission must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(tax__gte=0),
                name="trades_tax_nonneg",
                violation_error_message=_("Tax must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(symbol__regex=EQUITY_PATTERN),
                name="trades_symbol_krx",
                violation_error_message=_(
                    "Enter a KRX short code of six characters, such as 005930."
                ),
            ),
        ]

    def __str__(self):
        return (
            f"{self.symbol} {Side.label_of(self.side)} {numbers.quantity(self.quantity)} "
            f"@ {numbers.price(self.price)}"
        )

    @property
    def amount(self):
        return self.quantity * self.price


class Position(models.Model):
    """What one account holds of one symbol, average-cost method."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="positions", verbose_name=_("account")
    )
    symbol = models.CharField(_("symbol"), max_length=10, validators=[validate_equity])
    quantity = models.BigIntegerField(_("quantity"), default=0)
    average_price = models.DecimalField(
        _("average price"), max_digits=16, decimal_places=4, default=0
    )
    last_price = models.DecimalField(
        _("last price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    market_value = models.DecimalField(
        _("market value"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    realized_pnl = models.DecimalField(
        _("realized PnL"), max_digits=18, decimal_places=2, default=0
    )
    unrealized_pnl = models.DecimalField(
        _("unrealized PnL"), max_digits=18, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(table_name="positions_history")

    class Meta:
        db_table = "positions"
        ordering = ("symbol", "account")
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "symbol"],
                name="positions_account_symbol_unique",
                violation_error_message=_("This account already has a position in this symbol."),
            ),
            # Korean cash accounts do not short.
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="positions_quantity_nonneg",
                violation_error_message=_(
                    "Quantity must not be negative: cash accounts do not short."
                ),
            ),
            models.CheckConstraint(
                condition=Q(average_price__gte=0),
                name="positions_average_price_nonneg",
                violation_error_message=_("Average price must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(last_price__gt=0) | Q(last_price__isnull=True),
                name="positions_last_price_positive",
                violation_error_message=_("Last price must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(symbol__regex=EQUITY_PATTERN),
                name="positions_symbol_krx",
                violation_error_message=_(
                    "Enter a KRX short code of six characters, such as 005930."
                ),
            ),
        ]

    def __str__(self):
        return (
            f"{self.symbol} {numbers.quantity(self.quantity)} @ {numbers.price(self.average_price)}"
        )


class TradeChange(models.Model):
    """The positions (account, symbol) whose trades changed since they were last rebuilt,
    and when.

    Written by statement-level triggers on `trades` (migration 0009), so that every writer
    counts, the trading engine's own SQL included; trading/positions/rebuild.py consumes the rows
    of the positions it rebuilds.
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    symbol = models.CharField(_("symbol"), max_length=10)
    changed_at = models.DateTimeField(_("trades changed at"))

    class Meta:
        db_table = "trade_changes"
        verbose_name = _("trade change")
        verbose_name_plural = _("trade changes")
        constraints = [
            # The triggers' ON CONFLICT target: one mark per position.
            models.UniqueConstraint(fields=["account", "symbol"], name="trade_changes_unique"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.symbol} {times.moment(self.changed_at)}"
