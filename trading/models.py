import re
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from display import numbers, times
from marketdata.symbols import EQUITY_PATTERN, validate_equity


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
                violation_error_message=_("The rate is a fraction from 0 to below 0.01 (1 %)."),
            ),
            models.CheckConstraint(
                condition=Q(minimum__gte=0),
                name="commission_schedules_minimum_nonneg",
                violation_error_message=_("The minimum must not be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.account.code} {self.venue} {self.valid_from}: {numbers.rate(self.rate)}"


# What a fill should have cost and whether its price was a possible one: derived from the
# schedules and the market data by trading/fills.py, stored so that lists can filter on them.
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
    counts, the trading engine's own SQL included; trading/positions.py consumes the rows
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


class StrategyPerformance(models.Model):
    strategy = models.CharField(_("strategy"), max_length=50)
    date = models.DateField(_("date"))
    daily_return = models.DecimalField(_("daily return"), max_digits=12, decimal_places=8)
    pnl = models.DecimalField(_("PnL"), max_digits=18, decimal_places=2)
    trade_count = models.IntegerField(_("trade count"), default=0)
    win_rate = models.DecimalField(
        _("win rate"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    sharpe_ratio = models.DecimalField(
        _("sharpe ratio"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    max_drawdown = models.DecimalField(
        _("max drawdown"),
        max_digits=10,
        decimal_places=6,
        default=0,
        help_text=_("Fraction of the peak, 0 to 1."),
    )

    class Meta:
        db_table = "strategy_performance"
        ordering = ("-date", "strategy")
        verbose_name = _("strategy performance")
        verbose_name_plural = _("strategy performance")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "date"], name="strategy_performance_unique_day"
            ),
            models.CheckConstraint(
                condition=Q(trade_count__gte=0),
                name="strategy_performance_trade_count_nonneg",
                violation_error_message=_("Trade count must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(win_rate__gte=0, win_rate__lte=1) | Q(win_rate__isnull=True),
                name="strategy_performance_win_rate_fraction",
                violation_error_message=_("Win rate is a fraction between 0 and 1."),
            ),
            models.CheckConstraint(
                condition=Q(max_drawdown__gte=0, max_drawdown__lte=1),
                name="strategy_performance_max_drawdown_fraction",
                violation_error_message=_("Max drawdown is a fraction between 0 and 1."),
            ),
        ]

    def __str__(self):
        return f"{self.strategy} {self.date} {numbers.signed_won(self.pnl)}"


class RiskMetric(models.Model):
    """Portfolio risk at a moment, of one account or (account empty) of all of them."""

    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_metrics",
        verbose_name=_("account"),
        help_text=_("Empty: every account together."),
    )
    timestamp = models.DateTimeField(_("timestamp"))
    portfolio_value = models.DecimalField(_("portfolio value"), max_digits=18, decimal_places=2)
    cash = models.DecimalField(_("cash"), max_digits=18, decimal_places=2, default=0)
    gross_exposure = models.DecimalField(
        _("gross exposure"), max_digits=18, decimal_places=2, default=0
    )
    var_95 = models.DecimalField(_("VaR 95%"), max_digits=18, decimal_places=2)
    var_99 = models.DecimalField(_("VaR 99%"), max_digits=18, decimal_places=2)
    max_drawdown = models.DecimalField(
        _("max drawdown"),
        max_digits=10,
        decimal_places=6,
        default=0,
        help_text=_("Fraction of the peak, 0 to 1."),
    )

    class Meta:
        db_table = "risk_metrics"
        ordering = ("-timestamp",)
        verbose_name = _("risk metric")
        verbose_name_plural = _("risk metrics")
        indexes = [
            # The newest risk row: the dashboard and compute_risk's cash fallback.
            models.Index(F("timestamp").desc(), name="risk_metrics_time_desc_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "timestamp"],
                nulls_distinct=False,
                name="risk_metrics_account_timestamp_unique",
                violation_error_message=_("There is already a risk metric at this moment."),
            ),
            models.CheckConstraint(
                condition=Q(portfolio_value__gte=0),
                name="risk_metrics_portfolio_value_nonneg",
                violation_error_message=_("Portfolio value must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(gross_exposure__gte=0),
                name="risk_metrics_gross_exposure_nonneg",
                violation_error_message=_("Gross exposure must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(var_95__gte=0) & Q(var_99__gte=F("var_95")),
                name="risk_metrics_var_ordered",
                violation_error_message=_(
                    "VaR must not be negative, and VaR 99% not below VaR 95%."
                ),
            ),
            models.CheckConstraint(
                condition=Q(max_drawdown__gte=0, max_drawdown__lte=1),
                name="risk_metrics_max_drawdown_fraction",
                violation_error_message=_("Max drawdown is a fraction between 0 and 1."),
            ),
        ]

    def __str__(self):
        return f"{times.moment(self.timestamp)} {numbers.won(self.portfolio_value)}"


class SystemLog(models.Model):
    id = models.BigAutoField(_("ID"), primary_key=True)
    timestamp = models.DateTimeField(_("timestamp"), default=timezone.now)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    component = models.CharField(_("component"), max_length=100)
    message = models.TextField(_("message"))
    extra = models.JSONField(_("extra"), default=dict, blank=True)

    class Meta:
        db_table = "system_logs"
        ordering = ("-timestamp",)
        verbose_name = _("system log")
        verbose_name_plural = _("system logs")
        indexes = [
            # The log list, newest first.
            models.Index(F("timestamp").desc(), name="system_logs_timestamp_desc_idx"),
            # One component's logs and the dashboard's errors-by-component.
            models.Index("component", F("timestamp").desc(), name="system_logs_comp_time_idx"),
            # The level filter and the health check's errors of the last 24 hours.
            models.Index("level", F("timestamp").desc(), name="system_logs_level_time_idx"),
            # Filtering on a key/value of `extra` (jsonb containment).
            GinIndex(fields=["extra"], name="system_logs_extra_gin"),
            # The admin's message search: whole words, to_tsvector('simple', message).
            GinIndex(SearchVector("message", config="simple"), name="system_logs_message_fts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values),
                name="system_logs_level_valid",
                violation_error_message=_("Unknown level."),
            ),
        ]

    def __str__(self):
        moment = times.moment(self.timestamp, seconds=True)
        return f"{moment} {self.level} {self.component}: {self.message[:60]}"


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


from trading.books.models import *  # noqa: E402, F403 (the books' tables: trading/books/)
