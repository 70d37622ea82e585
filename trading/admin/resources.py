"""Import and export of trades (django-import-export), on the bulk SheetResource.

A fill is imported once. Each row finds the fill it describes, with every lookup made for
the whole file in one query before the first row:
- a row with an `id` (an exported file) is that trade, which must be one of the accounts the
  importer may see (an id of any other is refused like one of no trade at all);
- a row with an `execution_id` is the account's fill with the broker's execution id;
- a row with a broker order id and a `fill_seq` is that fill of that order;
- a row with a broker order id and no `fill_seq` is a fill of that order with the same time,
  side, quantity and price that no earlier row of the file took; if there is none, it is a
  new fill and gets the order's next fill number.
So importing a file again changes nothing ("Skipped" in the preview: unchanged), and two
real partial fills with equal values stay two fills. A file saved by Excel reads the same
(trading/admin/trade_cells.py): ids and codes that lost their leading zeros are the stored
ones, a time without its seconds is the stored fill's time inside that minute. A row that
would change a stored fill's identity (trade_cells.IDENTITY) is held back and said so in the
preview, unless the import is asked to apply such changes (`apply_identity_changes`).
A row without `account` belongs to the only account the importer may see; with several, the
column is required. The fills to write get their expected charges and price checks together
(trading/fills/charges.py).
"""

import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import CharField, Func, Max, Q
from django.db.models.functions import Length, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.instance_loaders import BaseInstanceLoader

from adminkit.resources import SheetResource
from trading import access, fills
from trading.admin import trade_cells
from trading.admin.trade_cells import text_of, unpadded
from trading.models import ASSESSED_FIELDS, Account, Trade

COLUMNS = (
    "id",
    "account",
    "venue",
    "executed_at",
    "symbol",
    "side",
    "quantity",
    "price",
    "commission",
    "tax",
    "strategy",
    "broker_order_id",
    "fill_seq",
    "execution_id",
)


class AccountWidget(widgets.Widget):
    """An account, by its code, among the accounts the importer may see; its id."""

    def __init__(self):
        super().__init__()
        self.accounts = {}  # code -> id, set before each import

    def clean(self, value, row=None, **kwargs):
        code = text_of(value)
        if not code:
            if len(self.accounts) == 1:
                return next(iter(self.accounts.values()))
            raise ValueError(
                _("give the account's code (%(codes)s)")
                % {"codes": ", ".join(sorted(self.accounts)) or _("none yet")}
            )
        if code not in self.accounts:
            raise ValueError(
                _("no account %(code)r; the accounts are %(codes)s")
                % {"code": code, "codes": ", ".join(sorted(self.accounts))}
            )
        return self.accounts[code]

    def render(self, value, obj=None, **kwargs):
        """The account's code (the preview shows a row's account as the file names it)."""
        codes = {pk: code for code, pk in self.accounts.items()}
        return codes.get(value, "" if value is None else str(value))


class IdWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        try:
            return uuid.UUID(text)
        except ValueError as e:
            raise ValueError(_("%(text)r is not a trade id") % {"text": text}) from e


class BlankKeepsWidget(widgets.Widget):
    """A blank cell leaves the stored value as it is."""

    def clean(self, value, row=None, **kwargs):
        return text_of(value) or None


class FillNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is not None and number < 1:
            raise ValueError(_("the fill number starts at 1"))
        return number


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def _order(row) -> str:
    """The row's broker order id as reconciliation compares it (leading zeros aside)."""
    text = text_of(row.get("broker_order_id"))
    return unpadded(text) if text else ""


class Unpadded(Func):
    """`unpadded` in SQL: an id of digits without its leading zeros ("0" for zeros only)."""

    template = (
        "CASE WHEN %(expressions)s ~ '^[0-9]+$' "
        "THEN COALESCE(NULLIF(LTRIM(%(expressions)s, '0'), ''), '0') ELSE %(expressions)s END"
    )
    output_field = CharField()


class NoLoader(BaseInstanceLoader):
    """TradeResource finds stored fills itself (get_instance)."""


class TradeResource(SheetResource):
    WIDGETS_MAP = SheetResource.WIDGETS_MAP | {
        "DateTimeField": trade_cells.MomentWidget,
        "DecimalField": trade_cells.AmountWidget,
        "BigIntegerField": trade_cells.QuantityWidget,
    }
    id = fields.Field(attribute="id", column_name="id", widget=IdWidget(), saves_null_values=False)
    account = fields.Field(
        attribute="account_id",
        column_name="account",
        widget=AccountWidget(),
        saves_null_values=False,
    )
    symbol = fields.Field(
        attribute="symbol", column_name="symbol", widget=trade_cells.SymbolWidget()
    )
    broker_order_id = fields.Field(
        attribute="broker_order_id",
        column_name="broker_order_id",
        widget=trade_cells.CodeWidget(),
    )
    fill_seq = fields.Field(
        attribute="fill_seq",
        column_name="fill_seq",
        widget=FillNumberWidget(),
        saves_null_values=False,
    )
    execution_id = fields.Field(
        attribute="execution_id",
        column_name="execution_id",
        widget=BlankKeepsWidget(),
        saves_null_values=False,
    )
    # The account was found among the importer's own accounts: no query a row for it.
    checked_before_clean = ("account",)

    class Meta:
        model = Trade
        fields = COLUMNS
        export_order = COLUMNS
        # Rows find their fills themselves (get_instance), with or without an id column.
        import_id_fields = ()
        instance_loader_class = NoLoader

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._codes = {}  # account id -> code, for the preview's diff
        self._apply_identity = False
        self._identity_change = None  # the message of the row being imported
        self._identity_rows = 0
        self._widths = {}  # (account id, day) -> width of its stored order ids of digits

    def dehydrate_account(self, trade):
        code = self._codes.get(trade.account_id)
        return code if code is not None else trade.account.code

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # Columns a file leaves out are not added: a missing id, fill number or execution
        # id is blank, a missing account the importer's only one (import_instance).
        user = kwargs.get("user")
        accounts = access.visible_accounts(user) if user is not None else Account.objects.all()
        self._codes = dict(accounts.values_list("pk", "code"))
        self.fields["account"].widget.accounts = {c: pk for pk, c in self._codes.items()}
        self._apply_identity = bool(kwargs.get("apply_identity_changes"))
        self._identity_rows = 0
        self._load_existing(dataset)
        self._claimed = set()

    def import_data(self, *args, **kwargs):
        result = super().import_data(*args, **kwargs)
        result.identity_changes = self._identity_rows
        result.identity_held = 0 if self._apply_identity else self._identity_rows
        return result

    def _value(self, name, row):
        """A cell as its field reads it; None for a blank, missing or unreadable one (the
        row's own validation says what is wrong). Blank cells are not parsed, but for the
        account, which a blank or a missing column names too (the importer's only one)."""
        column = self.fields[name].column_name
        try:
            if name == "account":
                return self.fields[name].widget.clean(row.get(column))
            if _blank(row.get(column)):
                return None
            return self.clean_cell(self.fields[name], row)
        except (ValueError, KeyError):
            return None

    def _load_existing(self, dataset):
        """Every stored fill a row of `dataset` could be, in one query."""
        ids, orders, executions = set(), set(), set()
        days = set()
        for row in dataset.dict:
            ids.add(self._value("id", row))
            orders.add(_order(row))
            executions.add(unpadded(text_of(row.get("execution_id"))))
            moment = self._value("executed_at", row)
            if moment is not None:
                days.add(timezone.localtime(moment).date())
        ids.discard(None)
        orders.discard("")
        executions.discard("")
        # Only the fills of the importer's accounts: an id of another account's fill is
        # no fill of theirs (a row naming it is refused as one naming no fill at all).
        # Ids of digits compared leading zeros aside: Excel drops them.
        found = (
            Trade.objects.filter(account__in=list(self._codes))
            .alias(order=Unpadded("broker_order_id"), execution=Unpadded("execution_id"))
            .filter(
                Q(id__in=ids)
                | Q(broker_order_id__in=orders)
                | Q(order__in=orders)
                | Q(execution_id__in=executions)
                | Q(execution__in=executions)
            )
        )
        self._by_id, self._by_execution, self._by_number = {}, {}, {}
        self._by_order = defaultdict(list)
        for trade in found:
            self._by_id[trade.id] = trade
            if trade.execution_id:
                self._by_execution[trade.account_id, unpadded(trade.execution_id)] = trade
            if trade.broker_order_id:
                key = (trade.account_id, unpadded(trade.broker_order_id))
                self._by_number[(*key, trade.fill_seq)] = trade
                self._by_order[key].append(trade)
        self._next_number = {
            key: max(t.fill_seq for t in trades) + 1 for key, trades in self._by_order.items()
        }
        zone = timezone.get_current_timezone()
        widths = (
            Trade.objects.filter(account__in=list(self._codes), broker_order_id__regex=r"^[0-9]+$")
            .annotate(day=TruncDate("executed_at", tzinfo=zone))
            .filter(day__in=days)
            .values("account_id", "day")
            .annotate(width=Max(Length("broker_order_id")))
        )
        self._widths = {(w["account_id"], w["day"]): w["width"] for w in widths}

    def get_instance(self, instance_loader, row):
        trade = self._match(row)
        if trade is not None:
            self._claimed.add(trade.id)
        return trade

    def _match(self, row):
        given = self._value("id", row)
        if given is not None:
            return self._by_id.get(given)
        account = self._value("account", row)
        if account is None:
            return None
        execution = self._value("execution_id", row)
        if execution:
            return self._by_execution.get((account, unpadded(execution)))
        order = _order(row)
        stored = self._by_order.get((account, order)) if order else None
        if not stored:
            return None
        number = self._value("fill_seq", row)
        if number is not None:
            return self._by_number.get((account, order, number))
        moment, *values = (
            self._value(name, row) for name in ("executed_at", "side", "quantity", "price")
        )
        for trade in stored:
            same = [trade.side, trade.quantity, trade.price] == values and (
                trade.executed_at == moment
                or (isinstance(moment, trade_cells.Minute) and moment.holds(trade.executed_at))
            )
            if same and trade.id not in self._claimed:
                return trade
        return None

    def import_row(self, row, instance_loader, **kwargs):
        self._identity_change = None
        row_result = super().import_row(row, instance_loader, **kwargs)
        row_result.identity_change = self._identity_change
        if self._identity_change:
            self._identity_rows += 1
        return row_result

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self._identity_change and not import_validation_errors and not self._apply_identity:
            return True  # held back: counted, shown in red, not written
        return super().skip_row(instance, original, row, import_validation_errors)

    def _as_excel_left_it(self, instance):
        """The row's ids, codes and time as the stored fill's where they differ only as Excel
        makes them differ; then what the row changes of the fill's identity, said."""
        stored = self._stored
        moment = instance.executed_at
        if stored is None:
            if isinstance(moment, trade_cells.Minute):
                instance.executed_at = moment.plain()
            order = instance.broker_order_id or ""
            if order.isdigit() and moment is not None:
                day = timezone.localtime(moment).date()
                width = self._widths.get((instance.account_id, day), 0)
                instance.broker_order_id = order.zfill(width)
            return
        for name in ("broker_order_id", "execution_id"):
            given, kept = getattr(instance, name) or "", stored.get(name) or ""
            if given != kept and unpadded(given) == unpadded(kept):
                setattr(instance, name, kept)
            elif given.isdigit() and kept.isdigit() and len(given) < len(kept):
                setattr(instance, name, given.zfill(len(kept)))  # its known width
        if isinstance(moment, trade_cells.Minute):
            kept = stored.get("executed_at")
            instance.executed_at = kept if kept and moment.holds(kept) else moment.plain()
        opts = instance._meta
        changes = [
            (
                opts.get_field(name).verbose_name,
                self._shown(name, stored[name]),
                self._shown(name, getattr(instance, name)),
            )
            for name in trade_cells.IDENTITY
            if name in stored and getattr(instance, name) != stored[name]
        ]
        if changes:
            self._identity_change = trade_cells.identity_message(changes)

    def _shown(self, name, value):
        if name == "account_id":
            return self._codes.get(value, value)
        if name == "executed_at" and value is not None:
            return trade_cells.MomentWidget().render(value)
        return value

    def import_instance(self, instance, row, **kwargs):
        given = self._value("id", row)
        if given is not None and given not in self._by_id:
            raise ValidationError(
                {"id": _("no fill %(id)s among the fills of your accounts") % {"id": given}}
            )
        super().import_instance(instance, row, **kwargs)
        if "account" not in row and instance.account_id is None:
            try:
                instance.account_id = self.fields["account"].widget.clean(None)
            except ValueError as e:
                raise ValidationError({"account_id": str(e)}) from e
        self._as_excel_left_it(instance)
        new = instance.id not in self._by_id
        if new and instance.broker_order_id and _blank(row.get("fill_seq")):
            key = (instance.account_id, unpadded(instance.broker_order_id))
            instance.fill_seq = self._next_number.get(key, 1)
            self._next_number[key] = instance.fill_seq + 1

    def check_pending(self, result):
        fills.assess([*self.create_instances, *self.update_instances])
        super().check_pending(result)

    def get_bulk_update_fields(self):
        fields = [name for name in super().get_bulk_update_fields() if name != "id"]
        return [*fields, *ASSESSED_FIELDS]
