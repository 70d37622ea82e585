import uuid

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from marketdata.symbols import SYMBOL_PATTERN, validate_symbol


class Side(models.TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"


class Level(models.TextChoices):
    DEBUG = "DEBUG", "Debug"
    INFO = "INFO", "Info"
    WARNING = "WARNING", "Warning"
    ERROR = "ERROR", "Error"
    CRITICAL = "CRITICAL", "Critical"


class Trade(models.Model):
    """One fill reported by the broker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    symbol = models.CharField(max_length=10, validators=[validate_symbol])
    side = models.CharField(max_length=4, choices=Side.choices)
    quantity = models.BigIntegerField()
    price = models.DecimalField(max_digits=12, decimal_places=2)
    commission = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="Securities transaction tax (sells)."
    )
    strategy = models.CharField(max_length=50)
    broker_order_id = models.CharField("broker order id", max_length=40, blank=True)
    executed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "trades"
        ordering = ("-executed_at",)
        indexes = [
            # The fills of one symbol over time: position rebuild and the chart's markers.
            models.Index("symbol", "executed_at", name="trades_symbol_executed_idx"),
            # Performance per strategy and the strategy filter.
            models.Index("strategy", name="trades_strategy_idx"),
            # The trade list, newest first, and "today's trades" on the dashboard.
            models.Index(F("executed_at").desc(), name="trades_executed_desc_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(side__in=Side.values), name="trades_side_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="trades_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="trades_price_positive"),
            models.CheckConstraint(condition=Q(commission__gte=0), name="trades_commission_nonneg"),
            models.CheckConstraint(condition=Q(tax__gte=0), name="trades_tax_nonneg"),
            models.CheckConstraint(
                condition=Q(symbol__regex=SYMBOL_PATTERN), name="trades_symbol_krx"
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.side} {self.quantity} @ {self.price}"

    @property
    def amount(self):
        return self.quantity * self.price


class Position(models.Model):
    """What we hold of one symbol, average-cost method."""

    symbol = models.CharField(max_length=10, unique=True, validators=[validate_symbol])
    quantity = models.BigIntegerField(default=0)
    average_price = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    last_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    market_value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    realized_pnl = models.DecimalField("realized PnL", max_digits=18, decimal_places=2, default=0)
    unrealized_pnl = models.DecimalField(
        "unrealized PnL", max_digits=18, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "positions"
        ordering = ("symbol",)
        constraints = [
            # Korean cash accounts do not short.
            models.CheckConstraint(condition=Q(quantity__gte=0), name="positions_quantity_nonneg"),
            models.CheckConstraint(
                condition=Q(average_price__gte=0), name="positions_average_price_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(last_price__gt=0) | Q(last_price__isnull=True),
                name="positions_last_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(symbol__regex=SYMBOL_PATTERN), name="positions_symbol_krx"
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.quantity} @ {self.average_price:.2f}"


class StrategyPerformance(models.Model):
    strategy = models.CharField(max_length=50)
    date = models.DateField()
    daily_return = models.DecimalField(max_digits=12, decimal_places=8)
    pnl = models.DecimalField("PnL", max_digits=18, decimal_places=2)
    trade_count = models.IntegerField(default=0)
    win_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    sharpe_ratio = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    max_drawdown = models.DecimalField(
        max_digits=10, decimal_places=6, default=0, help_text="Fraction of the peak, 0 to 1."
    )

    class Meta:
        db_table = "strategy_performance"
        ordering = ("-date", "strategy")
        verbose_name_plural = "strategy performance"
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "date"], name="strategy_performance_unique_day"
            ),
            models.CheckConstraint(
                condition=Q(trade_count__gte=0), name="strategy_performance_trade_count_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(win_rate__gte=0, win_rate__lte=1) | Q(win_rate__isnull=True),
                name="strategy_performance_win_rate_fraction",
            ),
            models.CheckConstraint(
                condition=Q(max_drawdown__gte=0, max_drawdown__lte=1),
                name="strategy_performance_max_drawdown_fraction",
            ),
        ]

    def __str__(self):
        return f"{self.strategy} {self.date} {self.pnl:+,.0f}"


class RiskMetric(models.Model):
    timestamp = models.DateTimeField(unique=True)
    portfolio_value = models.DecimalField(max_digits=18, decimal_places=2)
    cash = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    gross_exposure = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    var_95 = models.DecimalField("VaR 95%", max_digits=18, decimal_places=2)
    var_99 = models.DecimalField("VaR 99%", max_digits=18, decimal_places=2)
    max_drawdown = models.DecimalField(
        max_digits=10, decimal_places=6, default=0, help_text="Fraction of the peak, 0 to 1."
    )

    class Meta:
        db_table = "risk_metrics"
        ordering = ("-timestamp",)
        constraints = [
            models.CheckConstraint(
                condition=Q(portfolio_value__gte=0), name="risk_metrics_portfolio_value_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(gross_exposure__gte=0), name="risk_metrics_gross_exposure_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(var_95__gte=0) & Q(var_99__gte=F("var_95")),
                name="risk_metrics_var_ordered",
            ),
            models.CheckConstraint(
                condition=Q(max_drawdown__gte=0, max_drawdown__lte=1),
                name="risk_metrics_max_drawdown_fraction",
            ),
        ]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.portfolio_value:,.0f}"


class SystemLog(models.Model):
    id = models.BigAutoField(primary_key=True)
    timestamp = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=8, choices=Level.choices)
    component = models.CharField(max_length=100)
    message = models.TextField()
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "system_logs"
        ordering = ("-timestamp",)
        indexes = [
            # The log list, newest first.
            models.Index(F("timestamp").desc(), name="system_logs_timestamp_desc_idx"),
            # One component's logs and the dashboard's errors-by-component.
            models.Index("component", F("timestamp").desc(), name="system_logs_comp_time_idx"),
            # Filtering on a key/value of `extra` (jsonb containment).
            GinIndex(fields=["extra"], name="system_logs_extra_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="system_logs_level_valid"
            ),
        ]

    def __str__(self):
        return (
            f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.level} {self.component}: {self.message[:60]}"
        )
