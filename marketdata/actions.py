"""Corporate actions: splits, bonus issues, dividends, mergers, ... of a listed stock.

They are market facts (the Korea Securities Depository publishes them), so they live with the
market data: the bars stay as loaded (raw) and the views that ask for it scale them by the
factors here; the trading wing (trading/actions/) reads them to carry positions, cost and cash
through them. Docs: docs/corporate-actions.md.

An action takes effect at the start of its ex date (Korea time): a holding at the close of the
day before is the holding on the record date (T+2 settlement: the ex date is one exchange day
before the record date).
"""

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from display import numbers
from marketdata.symbols import EQUITY_PATTERN, validate_equity

# The ex date lies one exchange day before the record date; with the longest KRX closures
# (Lunar New Year, Chuseok with a weekend on either side) that is at most a week before it.
EX_DATE_LEAD = dt.timedelta(days=7)


class ActionKind(models.TextChoices):
    SPLIT = "split", _("split")
    REVERSE_SPLIT = "reverse_split", _("reverse split")
    BONUS_ISSUE = "bonus_issue", _("bonus issue")
    STOCK_DIVIDEND = "stock_dividend", _("stock dividend")
    CASH_DIVIDEND = "cash_dividend", _("cash dividend")
    RIGHTS_ISSUE = "rights_issue", _("rights issue")
    MERGER = "merger", _("merger")
    SYMBOL_CHANGE = "symbol_change", _("symbol change")
    DELISTING = "delisting", _("delisting")


# Kinds whose ratio is the shares after per share before (split, reverse split) or the new
# shares per share held (bonus issue, stock dividend): both change the price of a share.
SHARE_KINDS = {
    ActionKind.SPLIT,
    ActionKind.REVERSE_SPLIT,
    ActionKind.BONUS_ISSUE,
    ActionKind.STOCK_DIVIDEND,
}
RATIO_KINDS = SHARE_KINDS | {ActionKind.MERGER}
NEW_SYMBOL_KINDS = {ActionKind.MERGER, ActionKind.SYMBOL_CHANGE}


class CorporateAction(models.Model):
    """One corporate action of one stock."""

    symbol = models.CharField(_("symbol"), max_length=10, validators=[validate_equity])
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices)
    record_date = models.DateField(
        _("record date"), help_text=_("Holders at the end of this day are entitled (기준일).")
    )
    ex_date = models.DateField(
        _("ex date"),
        help_text=_(
            "First session without the entitlement: one exchange day before the record date "
            "(T+2). The action takes effect at its start."
        ),
    )
    pay_date = models.DateField(
        _("pay or listing date"),
        null=True,
        blank=True,
        help_text=_("When the cash is paid or the new shares are listed."),
    )
    ratio = models.DecimalField(
        _("ratio"),
        max_digits=20,
        decimal_places=10,
        null=True,
        blank=True,
        help_text=_(
            "Splits and reverse splits: shares after per share before (5 for 1:5, 0.1 for "
            "10:1). Bonus issues and stock dividends: new shares per share held (0.5). "
            "Mergers: shares of the new symbol per share held."
        ),
    )
    amount = models.DecimalField(
        _("cash per share (KRW)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    new_symbol = models.CharField(
        _("new symbol"), max_length=10, blank=True, validators=[validate_equity]
    )
    fraction_price = models.DecimalField(
        _("fraction price (KRW)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The price per share paid in cash for fractions of a share (단주)."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="corporate_actions_history")

    class Meta:
        db_table = "corporate_actions"
        ordering = ("symbol", "ex_date", "id")
        verbose_name = _("corporate action")
        verbose_name_plural = _("corporate actions")
        indexes = [models.Index("symbol", "ex_date", name="corp_actions_symbol_ex_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["symbol", "kind", "record_date"],
                name="corporate_actions_unique",
                violation_error_message=_(
                    "This stock already has an action of this kind on this record date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values),
                name="corporate_actions_kind_known",
                violation_error_message=_("Unknown kind of corporate action."),
            ),
            models.CheckConstraint(
                condition=Q(symbol__regex=EQUITY_PATTERN)
                & (Q(new_symbol="") | Q(new_symbol__regex=EQUITY_PATTERN)),
                name="corporate_actions_symbols_krx",
                violation_error_message=_(
                    "Enter a KRX short code of six characters, such as 005930."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ratio__isnull=True) | Q(ratio__gt=0),
                name="corporate_actions_ratio_positive",
                violation_error_message=_("The ratio must be above 0."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(RATIO_KINDS)) | Q(ratio__isnull=False),
                name="corporate_actions_ratio_given",
                violation_error_message=_(
                    "Splits, reverse splits, bonus issues, stock dividends and mergers need a "
                    "ratio."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ActionKind.SPLIT) | Q(ratio__gt=1),
                name="corporate_actions_split_ratio",
                violation_error_message=_("A split gives more than one share per share."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ActionKind.REVERSE_SPLIT) | Q(ratio__lt=1),
                name="corporate_actions_reverse_split_ratio",
                violation_error_message=_(
                    "A reverse split gives less than one share per share (0.1 for 10:1)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ActionKind.CASH_DIVIDEND) | Q(amount__gt=0),
                name="corporate_actions_dividend_amount",
                violation_error_message=_("A cash dividend needs a cash amount per share."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="corporate_actions_amount_nonneg",
                violation_error_message=_("The cash per share must not be negative."),
            ),
            models.CheckConstraint(
                condition=Q(fraction_price__isnull=True) | Q(fraction_price__gt=0),
                name="corporate_actions_fraction_price_positive",
                violation_error_message=_("The fraction price must be above 0."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(NEW_SYMBOL_KINDS)) | ~Q(new_symbol=""),
                name="corporate_actions_new_symbol_given",
                violation_error_message=_("A merger or a symbol change needs the new symbol."),
            ),
            models.CheckConstraint(
                condition=Q(ex_date__lte=F("record_date"))
                & Q(ex_date__gte=F("record_date") - EX_DATE_LEAD),
                name="corporate_actions_ex_date_window",
                violation_error_message=_(
                    "The ex date lies on or up to a week before the record date."
                ),
            ),
        ]

    def __str__(self):
        parts = [self.symbol, self.get_kind_display(), str(self.ex_date)]
        if self.ratio is not None:
            parts.append(f"x{self.ratio.normalize()}")
        if self.amount:
            parts.append(f"{numbers.price(self.amount)}/share")
        return " ".join(str(p) for p in parts)

    @property
    def share_factor(self) -> Decimal:
        """Shares after the action per share before it: 1 for kinds that keep the count."""
        if self.kind in (ActionKind.SPLIT, ActionKind.REVERSE_SPLIT):
            return self.ratio
        if self.kind in (ActionKind.BONUS_ISSUE, ActionKind.STOCK_DIVIDEND):
            return 1 + self.ratio
        return Decimal(1)


def price_factors(symbol: str, *, actions=None) -> list[tuple[dt.date, Decimal]]:
    """(ex date, factor) of each split, reverse split, bonus issue and stock dividend of
    `symbol`, oldest first: a price before that ex date divided by the product of the
    factors of the later ex dates is comparable with today's (volumes are multiplied)."""
    if actions is None:
        actions = CorporateAction.objects.filter(symbol=symbol, kind__in=SHARE_KINDS)
    return sorted((a.ex_date, a.share_factor) for a in actions if a.kind in SHARE_KINDS)


def factor_at(factors: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """The divisor of a price of `day`: the product of the factors of the ex dates after it."""
    product = Decimal(1)
    for ex_date, factor in factors:
        if ex_date > day:
            product *= factor
    return product


def adjusted(factors, day: dt.date, prices, volume):
    """`prices` (open, high, low, close) and `volume` of a bar of `day`, adjusted: prices
    divided by the factor of the later actions (to the hundredth of a won), the volume
    multiplied by it (to the share); and that factor."""
    factor = factor_at(factors, day)
    if factor == 1:
        return list(prices), volume, factor
    cent = Decimal("0.01")
    return (
        [(Decimal(p) / factor).quantize(cent) for p in prices],
        int((Decimal(volume) * factor).to_integral_value()),
        factor,
    )


def adjusted_csv(chunks, factors, day_of):
    """The canonical CSV of marketdata/exports.py with the prices and volumes adjusted and a
    last column `factor`; `day_of(time text)` gives a bar's session date."""
    rest = b""
    first = True
    for chunk in chunks:
        data = rest + chunk
        lines = data.split(b"\n")
        rest = lines.pop()
        out = []
        for line in lines:
            if first:
                out.append(line + b",factor")
                first = False
                continue
            cells = line.decode().split(",")
            prices, volume, factor = adjusted(factors, day_of(cells[0]), cells[3:7], int(cells[7]))
            cells[3:8] = [*(str(p) for p in prices), str(volume)]
            out.append(",".join([*cells, format(factor.normalize(), "f")]).encode())
        if out:
            yield b"\n".join(out) + b"\n"
    if rest:
        yield rest
