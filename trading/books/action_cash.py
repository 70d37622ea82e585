"""The cash corporate actions pay, in the cash ledger: each cash dividend (the gross on the pay
date and the income and local income tax withheld at the account's rate, on the holding of
the record date) and the cash for the fractions of shares a split, reverse split, bonus
issue, stock dividend or merger leaves (단주대금), as movements of source `corporate_action`
kept with the action that paid them.

`book` makes them from the fills and the actions in one replay (trading/positions), compares
them with those kept and writes the difference through the ORM, so that every change has
its history and marks the NAV stale; booking again changes nothing. The NAV rebuild books
before it values (trading/books/nav.py), so NAV and returns count them; rebuild_positions
and import_corporate_actions book too.

Only the movements kept with an action are the booking's to change. A dividend already in
the ledger without one (from a broker's cash file or a person: on the pay date, the gross
amount) is that dividend: it is not booked a
second time, with its tax, and the booking says so. Docs: docs/corporate-actions.md.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from marketdata.actions import SHARE_KINDS, ActionKind, CorporateAction
from marketdata.sessions import KST
from trading.actions import dividends
from trading.models import Account
from trading.models.books import CashKind, CashMovement, CashSource
from trading.positions import replay, trades_in_order

BOOKED_KINDS = (*SHARE_KINDS, ActionKind.MERGER, ActionKind.SYMBOL_CHANGE, ActionKind.CASH_DIVIDEND)
PAYS_FRACTIONS = (*SHARE_KINDS, ActionKind.MERGER)


@dataclass(frozen=True)
class Planned:
    """One movement an action pays one account."""

    account_id: int
    action: CorporateAction
    kind: str
    amount: Decimal
    day: object  # dt.date
    part: str  # "gross", "income_tax", "local_tax", "fraction"

    @property
    def key(self) -> str:
        return f"action:{self.action.pk}:{self.part}"

    @property
    def note(self) -> str:
        names = {
            "gross": "",
            "income_tax": "income tax",
            "local_tax": "local income tax",
            "fraction": "fractional shares",
        }
        text = f"{self.action.symbol} {self.action.get_kind_display()} {self.action.ex_date}"
        return f"{text} {names[self.part]}".strip()[:200]


@dataclass
class Booked:
    created: int = 0
    changed: int = 0
    removed: int = 0
    from_files: int = 0  # dividends a cash file had already brought in
    waiting: list[str] = field(default_factory=list)  # dividends without a pay date

    @property
    def writes(self) -> int:
        return self.created + self.changed + self.removed

    def __str__(self):
        text = (
            f"cash of corporate actions: {self.created} booked, {self.changed} changed, "
            f"{self.removed} removed"
        )
        if self.from_files:
            text += f", {self.from_files} dividends already in from cash files"
        if self.waiting:
            text += f"; waiting for a pay date: {', '.join(self.waiting[:5])}"
        return text


def _actions():
    """The actions whose ex date has come (a dividend still to come is paid on the holding
    of its record date, not on today's)."""
    today = timezone.localdate(timezone.now(), KST)
    return list(
        CorporateAction.objects.filter(kind__in=BOOKED_KINDS, ex_date__lte=today).order_by(
            "ex_date", "id"
        )
    )


def _symbols(actions) -> set[str]:
    """The stocks whose fills the actions' cash depends on: theirs and the new symbols."""
    return {a.symbol for a in actions} | {a.new_symbol for a in actions if a.new_symbol}


def plan(account_ids, *, waiting=None) -> list[Planned]:
    """The movements the actions pay the accounts, from one replay of their fills."""
    actions = _actions()
    if not actions or not account_ids:
        return []
    rates = dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "dividend_tax_rate"))
    planned: list[Planned] = []

    def seen(action, holdings, fractions):
        if action.kind == ActionKind.CASH_DIVIDEND:
            if action.pay_date is None and waiting is not None:
                waiting.append(f"{action.symbol} {action.ex_date}")
            for (account_id, symbol), holding in holdings.items():
                if symbol != action.symbol or account_id not in rates:
                    continue
                for p in dividends.payments(
                    action, holding.quantity, income_rate=rates[account_id]
                ):
                    planned.append(Planned(account_id, action, p.kind, p.amount, p.day, p.part))
        elif action.kind in PAYS_FRACTIONS:
            for fraction in fractions:
                if fraction.amount > 0 and fraction.account_id in rates:
                    planned.append(
                        Planned(
                            fraction.account_id,
                            action,
                            CashKind.FRACTION,
                            fraction.amount,
                            fraction.day,
                            "fraction",
                        )
                    )

    replay(
        trades_in_order(until=timezone.now(), symbols=_symbols(actions), accounts=account_ids),
        actions,
        seen=seen,
    )
    return planned


def _from_files(account_ids, planned) -> set[tuple[int, int]]:
    """(account id, action id) of the dividends a file or a person already brought in."""
    grosses = [p for p in planned if p.part == dividends.GROSS]
    if not grosses:
        return set()
    unclaimed = Counter(
        CashMovement.objects.filter(
            account_id__in=account_ids,
            kind=CashKind.DIVIDEND,
            corporate_action__isnull=True,
            trade_date__in={p.day for p in grosses},
        ).values_list("account_id", "trade_date", "amount")
    )
    found = set()
    for p in grosses:
        key = (p.account_id, p.day, p.amount)
        if unclaimed[key]:
            unclaimed[key] -= 1
            found.add((p.account_id, p.action.pk))
    return found


def expected(account_ids) -> tuple[list[Planned], Booked]:
    """What the ledger holds of the actions' cash once booked: the movements to keep (those
    a cash file did not already bring in), and the counts of what was found."""
    found = Booked()
    planned = plan(account_ids, waiting=found.waiting)
    in_files = _from_files(account_ids, planned)
    found.from_files = sum(
        1 for p in planned if p.part == dividends.GROSS and (p.account_id, p.action.pk) in in_files
    )
    return [p for p in planned if (p.account_id, p.action.pk) not in in_files], found


@transaction.atomic
def book(*, accounts=None, write: bool = True) -> Booked:
    """Bring the cash the corporate actions paid `accounts` (Account objects or ids; None:
    every account) into the ledger; with `write=False`, only count what it would change."""
    if accounts is None:
        account_ids = list(Account.objects.values_list("pk", flat=True))
    else:
        account_ids = [getattr(a, "pk", a) for a in accounts]
    planned, result = expected(account_ids)
    wanted = {(p.account_id, p.key): p for p in planned}
    kept = {
        (m.account_id, m.import_key): m
        for m in (
            CashMovement.objects.select_for_update() if write else CashMovement.objects
        ).filter(account_id__in=account_ids, corporate_action__isnull=False)
    }
    for key, movement in kept.items():
        if key not in wanted:
            if write:
                movement.delete()
            result.removed += 1
    for key, p in wanted.items():
        movement = kept.get(key) or CashMovement(
            account_id=p.account_id,
            source=CashSource.CORPORATE_ACTION,
            import_key=p.key,
        )
        values = {
            "kind": p.kind,
            "amount": p.amount,
            "trade_date": p.day,
            "settles_on": p.day,
            "corporate_action_id": p.action.pk,
            "note": p.note,
        }
        if movement.pk and all(getattr(movement, k) == v for k, v in values.items()):
            continue
        for name, value in values.items():
            setattr(movement, name, value)
        if movement.pk:
            result.changed += 1
        else:
            result.created += 1
        if write:
            movement.save()
    return result
