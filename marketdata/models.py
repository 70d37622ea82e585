from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from timescale.db.models.managers import TimescaleManager

from display import numbers, times
from marketdata.symbols import BAR_SYMBOL_PATTERN, EQUITY_PATTERN, INDEX_PATTERN, validate_symbol


class Interval(models.TextChoices):
    MIN_1 = "1m", _("1 minute")
    MIN_3 = "3m", _("3 minutes")
    MIN_5 = "5m", _("5 minutes")
    MIN_10 = "10m", _("10 minutes")
    MIN_15 = "15m", _("15 minutes")
    MIN_30 = "30m", _("30 minutes")
    MIN_60 = "60m", _("60 minutes")
    DAY = "1d", _("1 day")
    WEEK = "1w", _("1 week")
    MONTH = "1M", _("1 month")


class Market(models.TextChoices):
    KOSPI = "KOSPI", _("KOSPI")
    KOSDAQ = "KOSDAQ", _("KOSDAQ")
    KONEX = "KONEX", _("KONEX")
    KOSDAQ_GLOBAL = "KOSDAQ GLOBAL", _("KOSDAQ GLOBAL")
    KRX = "KRX", _("KRX (all markets)")


class SecurityKind(models.TextChoices):
    """What a code is: the tick table and the securities transaction tax depend on it. An
    index has a four-digit code, the others six characters."""

    STOCK = "STOCK", _("stock")
    ETF = "ETF", _("ETF")
    ETN = "ETN", _("ETN")
    INDEX = "INDEX", _("index")


class MarketData(models.Model):
    """One OHLCV bar. A TimescaleDB hypertable on `time` where the server has the extension."""

    pk = models.CompositePrimaryKey("time", "symbol", "interval_type")
    time = models.DateTimeField(
        _("time"), help_text=_("Start of the bar; a daily bar is the session date 00:00 KST.")
    )
    symbol = models.CharField(_("symbol"), max_length=10, validators=[validate_symbol])
    interval_type = models.CharField(_("interval"), max_length=5, choices=Interval.choices)
    open = models.DecimalField(_("open"), max_digits=12, decimal_places=2)
    high = models.DecimalField(_("high"), max_digits=12, decimal_places=2)
    low = models.DecimalField(_("low"), max_digits=12, decimal_places=2)
    close = models.DecimalField(_("close"), max_digits=12, decimal_places=2)
    volume = models.BigIntegerField(_("volume"))
    # The load that wrote this bar last; NULL for bars others wrote (the trading engine).
    # No foreign-key constraint: checking one per row would slow COPY down.
    load = models.ForeignKey(
        "Load",
        verbose_name=_("load"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    objects = TimescaleManager()

    class Meta:
        db_table = "market_data"
        verbose_name = _("market data bar")
        verbose_name_plural = _("market data")
        indexes = [
            # Bars of one symbol and interval over a time range, newest first: the chart,
            # the browser and export, the last close, the loader's merge and the gap report.
            # It carries the prices and volume, so those read the index alone: one symbol's
            # bars lie far apart in the table, between those of every other symbol.
            models.Index(
                "symbol",
                "interval_type",
                F("time").desc(),
                name="market_data_sym_int_time_idx",
                include=["open", "high", "low", "close", "volume"],
            ),
        ]
        constraints = [
            # With the ordering rules below, low > 0 makes every price positive.
            models.CheckConstraint(
                condition=Q(low__gt=0),
                name="market_data_low_positive",
                violation_error_message=_("Prices must be positive."),
            ),
            # PostgreSQL sorts numeric NaN above every number, so the rules around would
            # let a NaN high through; a high that is a number makes every price one.
            models.CheckConstraint(
                condition=Q(high__lt=10_000_000_000),
                name="market_data_high_is_a_number",
                violation_error_message=_("Prices must be numbers."),
            ),
            models.CheckConstraint(
                condition=Q(high__gte=F("low")),
                name="market_data_high_gte_low",
                violation_error_message=_("High must not be below low."),
            ),
            models.CheckConstraint(
                condition=Q(high__gte=F("open")) & Q(high__gte=F("close")),
                name="market_data_high_gte_open_close",
                violation_error_message=_("High must not be below open or close."),
            ),
            models.CheckConstraint(
                condition=Q(low__lte=F("open")) & Q(low__lte=F("close")),
                name="market_data_low_lte_open_close",
                violation_error_message=_("Low must not be above open or close."),
            ),
            models.CheckConstraint(
                condition=Q(volume__gte=0),
                name="market_data_volume_nonneg",
                violation_error_message=_("Volume must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(interval_type__in=Interval.values),
                name="market_data_interval_known",
                violation_error_message=_("Unknown interval."),
            ),
            models.CheckConstraint(
                condition=Q(symbol__regex=BAR_SYMBOL_PATTERN),
                name="market_data_symbol_krx",
                violation_error_message=_(
                    "Enter a KRX short code of six characters (005930) or an index code of "
                    "four digits (1001)."
                ),
            ),
        ]

    def __str__(self):
        return (
            f"{self.symbol} {self.interval_type} {times.moment(self.time)} "
            f"C {numbers.price(self.close)}"
        )


class StockMetadata(models.Model):
    symbol = models.CharField(
        _("symbol"), max_length=10, primary_key=True, validators=[validate_symbol]
    )
    name = models.CharField(
        pgettext_lazy("stock", "name"), max_length=100, help_text=_("Korean name as KRX lists it.")
    )
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    market = models.CharField(_("market"), max_length=16, choices=Market.choices)
    kind = models.CharField(
        _("kind"),
        max_length=5,
        choices=SecurityKind.choices,
        default=SecurityKind.STOCK,
        db_default=SecurityKind.STOCK,
        help_text=_("ETFs and ETNs pay no securities transaction tax and trade on a 5 won tick."),
    )
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    industry = models.CharField(_("industry"), max_length=200, blank=True)
    market_cap = models.BigIntegerField(_("market cap (KRW)"), null=True, blank=True)
    listed_shares = models.BigIntegerField(_("listed shares"), null=True, blank=True)
    listing_date = models.DateField(_("listing date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(table_name="stock_metadata_history")

    class Meta:
        db_table = "stock_metadata"
        verbose_name = _("stock")
        verbose_name_plural = _("stock metadata")
        ordering = ("symbol",)
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=SecurityKind.INDEX) & Q(symbol__regex=INDEX_PATTERN))
                | (~Q(kind=SecurityKind.INDEX) & Q(symbol__regex=EQUITY_PATTERN)),
                name="stock_metadata_symbol_by_kind",
                violation_error_message=_(
                    "An index has a code of four digits (1001); stocks, ETFs and ETNs a KRX "
                    "short code of six characters (005930)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(market__in=Market.values),
                name="stock_metadata_market_known",
                violation_error_message=_("Unknown market."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SecurityKind.values),
                name="stock_metadata_kind_known",
                violation_error_message=_("Unknown kind of security."),
            ),
            models.CheckConstraint(
                condition=Q(market_cap__gte=0) | Q(market_cap__isnull=True),
                name="stock_metadata_market_cap_nonneg",
                violation_error_message=_("Market cap must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(listed_shares__gte=0) | Q(listed_shares__isnull=True),
                name="stock_metadata_listed_shares_nonneg",
                violation_error_message=_("Listed shares must not be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.name}"


class Load(models.Model):
    """One file loaded by load_marketdata: what it was, how it came in, what it changed in
    market_data, who ran it. Its series say which bars it wrote; the bars it replaced are
    kept (ReplacedBar) so that it can be undone (marketdata/loader/undo.py)."""

    file = models.CharField(_("file"), max_length=500)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    format = models.CharField(_("format"), max_length=20)
    encoding = models.CharField(_("encoding"), max_length=10)
    options = models.JSONField(_("options"), default=dict, blank=True)
    interval = models.CharField(_("interval"), max_length=60)
    way = models.CharField(
        _("way in"), max_length=20, help_text=_("typed or text staging; insert or merge")
    )
    rows = models.BigIntegerField(_("rows"), default=0)
    inserted = models.BigIntegerField(_("inserted"), default=0)
    updated = models.BigIntegerField(_("updated"), default=0)
    unchanged = models.BigIntegerField(_("unchanged"), default=0)
    skipped = models.BigIntegerField(
        _("skipped"), default=0, help_text=_("days without trading: open, high, low, volume 0")
    )
    rejected = models.BigIntegerField(_("rejected"), default=0)
    repaired = models.BigIntegerField(_("repaired"), default=0)
    phantoms = models.BigIntegerField(
        _("phantoms kept out"),
        default=0,
        help_text=_(
            "rows with open = high = low = close and volume 0 over stored bars with volume"
        ),
    )
    compressed_chunks = models.IntegerField(
        _("compressed chunks written"),
        default=0,
        help_text=_("the compression policy compresses them again"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    os_user = models.CharField(_("operating system user"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"))
    seconds = models.FloatField(_("seconds"))
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.CharField(_("undone by"), max_length=150, blank=True)

    class Meta:
        db_table = "market_data_loads"
        verbose_name = _("load")
        verbose_name_plural = _("loads")
        ordering = ("-started_at", "-id")
        permissions = [("undo_load", _("Can undo a load of market data"))]

    def __str__(self):
        return f"#{self.pk} {self.file}"

    @property
    def ran_by(self) -> str:
        return self.user.get_username() if self.user else self.os_user


class LoadSeries(models.Model):
    """The bars one load wrote of one symbol and interval: their range and counts. Undo,
    and whatever keeps figures per series up to date, start from these."""

    load = models.ForeignKey(
        Load, verbose_name=_("load"), on_delete=models.CASCADE, related_name="series"
    )
    symbol = models.CharField(_("symbol"), max_length=10)
    interval_type = models.CharField(_("interval"), max_length=5, choices=Interval.choices)
    first = models.DateTimeField(_("first bar"))
    last = models.DateTimeField(_("last bar"))
    inserted = models.BigIntegerField(_("inserted"), default=0)
    updated = models.BigIntegerField(_("updated"), default=0)

    class Meta:
        db_table = "market_data_load_series"
        verbose_name = _("series of a load")
        verbose_name_plural = _("series of a load")
        constraints = [
            models.UniqueConstraint(
                fields=["load", "symbol", "interval_type"], name="market_data_load_series_unique"
            )
        ]

    def __str__(self):
        return f"{self.symbol} {self.interval_type} {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"

    @property
    def bars(self) -> int:
        return self.inserted + self.updated


class ReplacedBar(models.Model):
    """A bar as it was before a load updated it. A trigger on market_data writes these
    (migration 0004): whenever a load's write changes a bar, its previous values land here,
    with the load that had written them."""

    load = models.ForeignKey(
        Load, verbose_name=_("load"), on_delete=models.CASCADE, related_name="replaced"
    )
    time = models.DateTimeField(_("time"))
    symbol = models.CharField(_("symbol"), max_length=10)
    interval_type = models.CharField(_("interval"), max_length=5, choices=Interval.choices)
    open = models.DecimalField(_("open"), max_digits=12, decimal_places=2)
    high = models.DecimalField(_("high"), max_digits=12, decimal_places=2)
    low = models.DecimalField(_("low"), max_digits=12, decimal_places=2)
    close = models.DecimalField(_("close"), max_digits=12, decimal_places=2)
    volume = models.BigIntegerField(_("volume"))
    previous_load = models.ForeignKey(
        Load,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        db_table = "market_data_replaced"
        verbose_name = _("replaced bar")
        verbose_name_plural = _("replaced bars")
        indexes = [
            # The bars a load replaced, in key order: undo and the load's page.
            models.Index(
                fields=["load", "symbol", "interval_type", "time"],
                name="market_data_replaced_load_idx",
            ),
        ]

    def __str__(self):
        return f"{self.symbol} {self.interval_type} {self.time:%Y-%m-%d %H:%M} C {self.close}"
