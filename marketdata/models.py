from django.db import models
from django.db.models import F, Q
from timescale.db.models.managers import TimescaleManager

from marketdata.symbols import SYMBOL_PATTERN, validate_symbol


class Interval(models.TextChoices):
    MIN_1 = "1m", "1 minute"
    MIN_3 = "3m", "3 minutes"
    MIN_5 = "5m", "5 minutes"
    MIN_10 = "10m", "10 minutes"
    MIN_15 = "15m", "15 minutes"
    MIN_30 = "30m", "30 minutes"
    MIN_60 = "60m", "60 minutes"
    DAY = "1d", "1 day"
    WEEK = "1w", "1 week"
    MONTH = "1M", "1 month"


class Market(models.TextChoices):
    KOSPI = "KOSPI", "KOSPI"
    KOSDAQ = "KOSDAQ", "KOSDAQ"
    KONEX = "KONEX", "KONEX"
    KOSDAQ_GLOBAL = "KOSDAQ GLOBAL", "KOSDAQ GLOBAL"


class MarketData(models.Model):
    """One OHLCV bar. A TimescaleDB hypertable on `time` where the server has the extension."""

    pk = models.CompositePrimaryKey("time", "symbol", "interval_type")
    time = models.DateTimeField(
        help_text="Start of the bar; a daily bar is the session date 00:00 KST."
    )
    symbol = models.CharField(max_length=10, validators=[validate_symbol])
    interval_type = models.CharField(max_length=5, choices=Interval.choices)
    open = models.DecimalField(max_digits=12, decimal_places=2)
    high = models.DecimalField(max_digits=12, decimal_places=2)
    low = models.DecimalField(max_digits=12, decimal_places=2)
    close = models.DecimalField(max_digits=12, decimal_places=2)
    volume = models.BigIntegerField()

    objects = TimescaleManager()

    class Meta:
        db_table = "market_data"
        verbose_name = "market data bar"
        verbose_name_plural = "market data"
        indexes = [
            # Bars of one symbol and interval over a time range, newest first: the chart,
            # the browser, the loader's merge and the coverage queries.
            models.Index(
                "symbol", "interval_type", F("time").desc(), name="market_data_sym_int_time_idx"
            ),
        ]
        constraints = [
            # With the ordering rules below, low > 0 makes every price positive.
            models.CheckConstraint(condition=Q(low__gt=0), name="market_data_low_positive"),
            models.CheckConstraint(
                condition=Q(high__gte=F("low")), name="market_data_high_gte_low"
            ),
            models.CheckConstraint(
                condition=Q(high__gte=F("open")) & Q(high__gte=F("close")),
                name="market_data_high_gte_open_close",
            ),
            models.CheckConstraint(
                condition=Q(low__lte=F("open")) & Q(low__lte=F("close")),
                name="market_data_low_lte_open_close",
            ),
            models.CheckConstraint(condition=Q(volume__gte=0), name="market_data_volume_nonneg"),
            models.CheckConstraint(
                condition=Q(interval_type__in=Interval.values), name="market_data_interval_known"
            ),
            models.CheckConstraint(
                condition=Q(symbol__regex=SYMBOL_PATTERN), name="market_data_symbol_krx"
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.interval_type} {self.time:%Y-%m-%d %H:%M} C {self.close}"


class StockMetadata(models.Model):
    symbol = models.CharField(max_length=10, primary_key=True, validators=[validate_symbol])
    name = models.CharField(max_length=100, help_text="Korean name as KRX lists it.")
    name_en = models.CharField("English name", max_length=100, blank=True)
    market = models.CharField(max_length=16, choices=Market.choices)
    sector = models.CharField(max_length=100, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    market_cap = models.BigIntegerField("market cap (KRW)", null=True, blank=True)
    listed_shares = models.BigIntegerField(null=True, blank=True)
    listing_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField("active", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "stock_metadata"
        verbose_name = "stock"
        verbose_name_plural = "stock metadata"
        ordering = ("symbol",)
        constraints = [
            models.CheckConstraint(
                condition=Q(symbol__regex=SYMBOL_PATTERN), name="stock_metadata_symbol_krx"
            ),
            models.CheckConstraint(
                condition=Q(market__in=Market.values), name="stock_metadata_market_known"
            ),
            models.CheckConstraint(
                condition=Q(market_cap__gte=0) | Q(market_cap__isnull=True),
                name="stock_metadata_market_cap_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(listed_shares__gte=0) | Q(listed_shares__isnull=True),
                name="stock_metadata_listed_shares_nonneg",
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.name}"
