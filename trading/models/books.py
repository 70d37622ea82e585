"""The books' tables: the cash movements kept (deposits, withdrawals, dividends, ...), the
whole ledger as a view that adds the movements derived from the fills, the NAV of each
account per day with what made it stale, and the broker's cash and P&L compared with ours.

Foreign keys name the other models by string: this module imports no other of the
package. Docs: docs/books.md.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from display import numbers


class CashKind(models.TextChoices):
    DEPOSIT = "deposit", _("deposit")
    WITHDRAWAL = "withdrawal", _("withdrawal")
    BUY = "buy", pgettext_lazy("cash", "buy")
    SELL = "sell", pgettext_lazy("cash", "sell")
    COMMISSION = "commission", _("commission")
    TAX = "tax", _("tax")
    DIVIDEND = "dividend", _("dividend")
    DIVIDEND_TAX = "dividend_tax", _("dividend tax withheld")
    FRACTION = "fraction", _("cash for fractional shares")
    INTEREST = "interest", _("interest")
    FEE = "fee", _("fee")
    ADJUSTMENT = "adjustment", _("adjustment")


# Money in and money out: the stored amount carries the sign its kind gives. An adjustment
# goes either way and carries its own.
INFLOWS = (
    CashKind.DEPOSIT,
    CashKind.SELL,
    CashKind.DIVIDEND,
    CashKind.FRACTION,
    CashKind.INTEREST,
)
OUTFLOWS = (
    CashKind.WITHDRAWAL,
    CashKind.BUY,
    CashKind.COMMISSION,
    CashKind.TAX,
    CashKind.DIVIDEND_TAX,
    CashKind.FEE,
)
# The kinds a fill's cash is made of: derived from the fills (the `cash_ledger` view),
# never stored, so never typed twice.
FILL_KINDS = (CashKind.BUY, CashKind.SELL, CashKind.COMMISSION, CashKind.TAX)
STORED_KINDS = tuple(k for k in CashKind if k not in FILL_KINDS)
# Money that comes from outside the account or leaves it: neutralised by the time-weighted
# return. Dividends, interest and fees are the account's own performance.
# A dividend and the tax withheld on it: the returns show them apart from price gains.
DIVIDEND_KINDS = (CashKind.DIVIDEND, CashKind.DIVIDEND_TAX)
EXTERNAL_KINDS = (CashKind.DEPOSIT, CashKind.WITHDRAWAL, CashKind.ADJUSTMENT)


class CashSource(models.TextChoices):
    FILL = "fill", _("fill")
    CORPORATE_ACTION = "corporate_action", _("corporate action")
    FILE = "file", _("file")
    PERSON = "person", _("person")


class CashMovement(models.Model):
    """Money in or out of an account that is not a fill's: deposits, withdrawals, dividends
    and the tax withheld on them, interest, fees, adjustments."""

    account = models.ForeignKey(
        "trading.Account",
        on_delete=models.PROTECT,
        related_name="cash_movements",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CashKind.choices)
    amount = models.DecimalField(
        _("amount (KRW)"),
        max_digits=18,
        decimal_places=2,
        help_text=_("Positive for money in, negative for money out."),
    )
    trade_date = models.DateField(_("date"))
    settles_on = models.DateField(
        _("settles on"), help_text=_("When the money is there to use (예수금).")
    )
    source = models.CharField(
        _("source"), max_length=16, choices=CashSource.choices, default=CashSource.PERSON
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The corporate action that paid it (a dividend, its tax, the cash for fractions):
    # booked from the action and the holdings (trading/books/action_cash.py), gone with it.
    corporate_action = models.ForeignKey(
        "marketdata.CorporateAction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="cash_movements",
        verbose_name=_("corporate action"),
    )
    # What makes a row of a cash file the same row when the file comes again (cash_files.py).
    import_key = models.CharField(_("import key"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(table_name="cash_movements_history")

    class Meta:
        db_table = "cash_movements"
        ordering = ("-trade_date", "-id")
        verbose_name = _("cash movement")
        verbose_name_plural = _("cash movements")
        indexes = [
            # One account's movements by date: the ledger, the cash figures, the NAV.
            models.Index("account", "trade_date", name="cash_movements_account_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=STORED_KINDS),
                name="cash_movements_kind_stored",
                violation_error_message=_(
                    "Buys, sells and their commission and tax come from the fills."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=INFLOWS, amount__gt=0)
                | Q(kind__in=OUTFLOWS, amount__lt=0)
                | (Q(kind=CashKind.ADJUSTMENT) & ~Q(amount=0)),
                name="cash_movements_sign_of_kind",
                violation_error_message=_(
                    "The amount's sign is its kind's: money in is positive, money out negative."
                ),
            ),
            models.CheckConstraint(
                condition=Q(settles_on__gte=F("trade_date")),
                name="cash_movements_settles_after_date",
                violation_error_message=_("Money cannot settle before its date."),
            ),
            models.CheckConstraint(
                condition=Q(source__in=CashSource.values),
                name="cash_movements_source_valid",
                violation_error_message=_("Unknown source."),
            ),
            # A row of a cash file is imported once (cash_files.py).
            models.UniqueConstraint(
                fields=["account", "import_key"],
                condition=~Q(import_key=""),
                name="cash_movements_import_key_unique",
                violation_error_message=_("This account already has this row of a cash file."),
            ),
        ]

    def __str__(self):
        return f"{self.trade_date} {self.get_kind_display()} {numbers.signed_won(self.amount)}"


class LedgerEntry(models.Model):
    """One line of an account's cash ledger: a stored movement, or a part of a fill (its
    amount, commission, tax), derived from the fill. A database view (`cash_ledger`,
    migration 0013) with the running balance after pending settlements."""

    id = models.CharField(_("ID"), primary_key=True, max_length=60)
    account = models.ForeignKey(
        "trading.Account",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("account"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CashKind.choices)
    amount = models.DecimalField(_("amount (KRW)"), max_digits=18, decimal_places=2)
    trade_date = models.DateField(_("date"))
    settles_on = models.DateField(_("settles on"), null=True)
    source = models.CharField(_("source"), max_length=16, choices=CashSource.choices)
    trade = models.ForeignKey(
        "trading.Trade",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("fill"),
    )
    movement = models.ForeignKey(
        CashMovement,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("cash movement"),
    )
    note = models.CharField(_("note"), max_length=200)
    moment = models.DateTimeField(_("at"))
    balance = models.DecimalField(_("balance (KRW)"), max_digits=20, decimal_places=2)

    class Meta:
        managed = False
        db_table = "cash_ledger"
        ordering = ("-trade_date", "-moment", "-id")
        verbose_name = _("cash ledger entry")
        verbose_name_plural = _("cash ledger")

    def __str__(self):
        return f"{self.trade_date} {self.get_kind_display()} {numbers.signed_won(self.amount)}"


class AccountNav(models.Model):
    """An account's value at the close of one session: cash after every pending settlement
    and the positions marked at that session's close (trading/books/nav.py)."""

    account = models.ForeignKey(
        "trading.Account", on_delete=models.CASCADE, related_name="navs", verbose_name=_("account")
    )
    date = models.DateField(_("session"))
    cash_settled = models.DecimalField(
        _("cash settled (KRW)"), max_digits=18, decimal_places=2, help_text="dnca_tot_amt"
    )
    cash_next_day = models.DecimalField(
        _("cash after tomorrow's settlements (KRW)"),
        max_digits=18,
        decimal_places=2,
        help_text="nxdy_excc_amt",
    )
    cash = models.DecimalField(
        _("cash after pending settlements (KRW)"),
        max_digits=18,
        decimal_places=2,
        help_text="prvs_rcdl_excc_amt",
    )
    market_value = models.DecimalField(_("market value (KRW)"), max_digits=18, decimal_places=2)
    nav = models.DecimalField(_("NAV (KRW)"), max_digits=18, decimal_places=2)
    flow = models.DecimalField(
        _("deposits less withdrawals (KRW)"),
        max_digits=18,
        decimal_places=2,
        default=0,
        help_text=_("Counted at the start of the session."),
    )
    symbols = ArrayField(
        models.CharField(max_length=10), default=list, blank=True, verbose_name=_("held")
    )
    stale_symbols = ArrayField(
        models.CharField(max_length=10),
        default=list,
        blank=True,
        verbose_name=_("marked at an older close"),
        help_text=_("Held symbols without a close of this session: the last known one is used."),
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        db_table = "account_navs"
        ordering = ("-date", "account")
        verbose_name = _("NAV")
        verbose_name_plural = _("NAV per day")
        constraints = [
            # Also the index of one account's NAV over time: the returns, the account page.
            models.UniqueConstraint(fields=["account", "date"], name="account_navs_unique_day"),
            models.CheckConstraint(
                condition=Q(nav=F("cash") + F("market_value")),
                name="account_navs_nav_is_cash_and_positions",
                violation_error_message=_("NAV is the cash plus the market value."),
            ),
        ]

    def __str__(self):
        return f"{self.date} {numbers.won(self.nav)}"


class NavChange(models.Model):
    """An account whose NAV is older than its fills or cash movements from `since` on.

    Written by statement-level triggers on trades and cash_movements (migration 0013) for
    every writer; trading/books/nav.py consumes the mark when it rebuilds those days."""

    account = models.OneToOneField(
        "trading.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    since = models.DateField(_("stale since"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        db_table = "nav_changes"
        verbose_name = _("NAV change")
        verbose_name_plural = _("NAV changes")

    def __str__(self):
        return f"{self.account_id} {self.since}"


class BooksStatus(models.TextChoices):
    MATCH = "match", _("match")
    DIFFERENCES = "differences", _("differences")


class BooksDifferenceKind(models.TextChoices):
    CASH = "cash", _("cash settled (dnca_tot_amt)")
    CASH_NEXT_DAY = "cash_next_day", _("cash next day (nxdy_excc_amt)")
    CASH_AFTER_SETTLEMENT = "cash_after_settlement", _("cash after settlement (prvs_rcdl_excc_amt)")
    TOTAL_VALUE = "total_value", _("total value")
    REALIZED_PNL = "realized_pnl", _("realized PnL")
    FEES = "fees", _("fees")
    TAXES = "taxes", _("taxes")


class BooksDifferenceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("differences", "open")
    EXPLAINED = "explained", _("explained")
    FIXED = "fixed", _("fixed")


class BooksCheck(models.Model):
    """The broker's cash (inquire-balance output2) and P&L (inquire-period-profit,
    inquire-period-trade-profit) against ours, kept with the reconciliation run it came
    with."""

    run = models.OneToOneField(
        "trading.ReconciliationRun",
        on_delete=models.CASCADE,
        related_name="books_check",
        verbose_name=_("reconciliation"),
    )
    account = models.ForeignKey(
        "trading.Account",
        on_delete=models.PROTECT,
        related_name="books_checks",
        verbose_name=_("account"),
    )
    date = models.DateField(_("trading day"))
    status = models.CharField(_("result"), max_length=11, choices=BooksStatus.choices)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    balance_file = models.CharField(_("balance file"), max_length=255, blank=True)
    balance_sha256 = models.CharField(_("balance file SHA-256"), max_length=64, blank=True)
    profit_files = models.JSONField(
        _("profit reports"), default=list, blank=True, help_text=_("Names and SHA-256.")
    )
    figures = models.JSONField(
        _("figures"), default=dict, blank=True, help_text=_("The broker's and ours, by field.")
    )
    conventions = models.JSONField(_("cost conventions"), default=dict, blank=True)
    difference_count = models.IntegerField(_("differences"), default=0)

    class Meta:
        db_table = "books_checks"
        ordering = ("-checked_at",)
        verbose_name = _("cash reconciliation")
        verbose_name_plural = _("cash reconciliations")
        indexes = [
            # The newest check of an account: its page.
            models.Index("account", F("checked_at").desc(), name="books_checks_account_idx"),
        ]

    def __str__(self):
        return f"{self.date}: {self.get_status_display()}"


class BooksDifference(models.Model):
    check_run = models.ForeignKey(
        BooksCheck,
        on_delete=models.CASCADE,
        related_name="differences",
        verbose_name=_("cash reconciliation"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=BooksDifferenceKind.choices)
    date = models.DateField(_("day"))
    symbol = models.CharField(_("symbol"), max_length=10, blank=True)
    field = models.CharField(_("broker field"), max_length=40)
    broker = models.DecimalField(_("broker says"), max_digits=20, decimal_places=2)
    ours = models.DecimalField(_("we have"), max_digits=20, decimal_places=2)
    status = models.CharField(
        _("status"),
        max_length=9,
        choices=BooksDifferenceStatus.choices,
        default=BooksDifferenceStatus.OPEN,
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords(table_name="books_differences_history")

    class Meta:
        db_table = "books_differences"
        ordering = ("check_run", "date", "id")
        verbose_name = _("cash or P&L difference")
        verbose_name_plural = _("cash and P&L differences")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=BooksDifferenceKind.values),
                name="books_differences_kind_valid",
                violation_error_message=_("Unknown kind of difference."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=BooksDifferenceStatus.values),
                name="books_differences_status_valid",
                violation_error_message=_("Unknown status."),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.symbol}".strip()
