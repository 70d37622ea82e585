"""Import and export of trades (django-import-export), on the bulk SheetResource.

A fill is imported once. Each row finds the fill it describes, with every lookup made for
the whole file in one query before the first row:
- a row with an `id` (an exported file) is that trade;
- a row with an `execution_id` is the account's fill with the broker's execution id;
- a row with a broker order id and a `fill_seq` is that fill of that order;
- a row with a broker order id and no `fill_seq` is a fill of that order with the same time,
  side, quantity and price that no earlier row of the file took; if there is none, it is a
  new fill and gets the order's next fill number.
So importing a file again changes nothing ("Skipped" in the preview: unchanged), and two
real partial fills with equal values stay two fills. A row without `account` belongs to the
only account the importer may see; with several, the column is required. The fills to
write get their expected charges and price checks together (trading/fills/charges.py).
"""

import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.instance_loaders import BaseInstanceLoader

from adminkit.resources import SheetResource
from trading import access, fills
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
        code = str(value or "").strip()
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
        text = str(value if value is not None else "").strip()
        return text or None


class FillNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is not None and number < 1:
            raise ValueError(_("the fill number starts at 1"))
        return number


def _blank(value) -> bool:
    return value is None or not str(value).strip()


class NoLoader(BaseInstanceLoader):
    """TradeResource finds stored fills itself (get_instance)."""


class TradeResource(SheetResource):
    id = fields.Field(attribute="id", column_name="id", widget=IdWidget(), saves_null_values=False)
    account = fields.Field(
        attribute="account_id",
        column_name="account",
        widget=AccountWidget(),
        saves_null_values=False,
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
        self._load_existing(dataset)
        self._claimed = set()

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
        for row in dataset.dict:
            ids.add(self._value("id", row))
            orders.add(str(row.get("broker_order_id") or "").strip())
            executions.add(str(row.get("execution_id") or "").strip())
        ids.discard(None)
        orders.discard("")
        executions.discard("")
        accounts = list(self._codes)
        found = Trade.objects.filter(
            Q(id__in=ids)
            | Q(account__in=accounts, broker_order_id__in=orders)
            | Q(account__in=accounts, execution_id__in=executions)
        )
        self._by_id, self._by_execution, self._by_number = {}, {}, {}
        self._by_order = defaultdict(list)
        for trade in found:
            self._by_id[trade.id] = trade
            if trade.execution_id:
                self._by_execution[trade.account_id, trade.execution_id] = trade
            if trade.broker_order_id:
                key = (trade.account_id, trade.broker_order_id)
                self._by_number[(*key, trade.fill_seq)] = trade
                self._by_order[key].append(trade)
        self._next_number = {
            key: max(t.fill_seq for t in trades) + 1 for key, trades in self._by_order.items()
        }

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
            return self._by_execution.get((account, execution))
        order = str(row.get("broker_order_id") or "").strip()
        stored = self._by_order.get((account, order)) if order else None
        if not stored:
            return None
        number = self._value("fill_seq", row)
        if number is not None:
            return self._by_number.get((account, order, number))
        values = tuple(
            self._value(name, row) for name in ("executed_at", "side", "quantity", "price")
        )
        for trade in stored:
            same = (trade.executed_at, trade.side, trade.quantity, trade.price) == values
            if same and trade.id not in self._claimed:
                return trade
        return None

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if "account" not in row and instance.account_id is None:
            try:
                instance.account_id = self.fields["account"].widget.clean(None)
            except ValueError as e:
                raise ValidationError({"account_id": str(e)}) from e
        new = instance.id not in self._by_id
        if new and instance.broker_order_id and _blank(row.get("fill_seq")):
            key = (instance.account_id, instance.broker_order_id)
            instance.fill_seq = self._next_number.get(key, 1)
            self._next_number[key] = instance.fill_seq + 1

    def check_pending(self, result):
        fills.assess([*self.create_instances, *self.update_instances])
        super().check_pending(result)

    def get_bulk_update_fields(self):
        fields = [name for name in super().get_bulk_update_fields() if name != "id"]
        return [*fields, *ASSESSED_FIELDS]
