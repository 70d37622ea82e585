import uuid

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from display import numbers, times
from marketdata.symbols import SYMBOL_PATTERN, validate_symbol


class Side(models.TextChoices):
    BUY = "BUY", _("Buy")
    SELL = "SELL", _("Sell")


class Level(models.TextChoices):
    DEBUG = "DEBUG", _("Debug")
    INFO = "INFO", _("Info")
    WARNING = "WARNING", _("Warning")
    ERROR = "ERROR", _("Error")
    CRITICAL = "CRITICAL", _("Critical")


class Trade(models.Model):
    """One fill reported by the broker."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    symbol = models.CharField(_("symbol"), max_length=10, validators=[validate_symbol])
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    quantity = models.BigIntegerField(_("quantity"))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    commission = models.DecimalField(_("commission"), max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(
        _("tax"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="Securities transaction tax (sells).",
    )
    strategy = models.CharField(_("strategy"), max_length=50)
    broker_order_id = models.CharField(_("broker order id"), max_length=40, blank=True)
    executed_at = models.DateTimeField(_("executed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="trades_history")

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
        ]
        constraints = [
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
                condition=Q(symbol__regex=SYMBOL_PATTERN),
                name="trades_symbol_krx",
                violation_error_message=_(
                    "Enter a KRX short code of six characters, such as 005930."
                ),
            ),
        ]

    def __str__(self):
        return (
            f"{self.symbol} {self.side} {numbers.quantity(self.quantity)} "
            f"@ {numbers.price(self.price)}"
        )

    @property
    def amount(self):
        return self.quantity * self.price


class Position(models.Model):
    """What we hold of one symbol, average-cost method."""

    symbol = models.CharField(_("symbol"), max_length=10, unique=True, validators=[validate_symbol])
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
        ordering = ("symbol",)
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
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
                condition=Q(symbol__regex=SYMBOL_PATTERN),
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
        help_text="Fraction of the peak, 0 to 1.",
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
    timestamp = models.DateTimeField(_("timestamp"), unique=True)
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
        help_text="Fraction of the peak, 0 to 1.",
    )

    class Meta:
        db_table = "risk_metrics"
        ordering = ("-timestamp",)
        verbose_name = _("risk metric")
        verbose_name_plural = _("risk metrics")
        constraints = [
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
