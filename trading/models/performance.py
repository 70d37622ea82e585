"""Figures computed from fills and bars: daily strategy performance and risk metrics."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from display import numbers, times
from trading.models.accounts import Account


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
