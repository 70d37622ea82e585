"""Cash dividends as cash: on the pay date, to the holding at the end of the day before the
ex date (the holders on the record date under T+2), gross and the tax withheld.

Individuals: 15.4 % withheld, 14 % income tax (소득세법 §129 ① 2) and a tenth of that as
local income tax (지방세법 §103-13), each cut below 10 won (국고금 관리법 §47: fractions of
10 won are not counted; local taxes are cut the same way). An account with another rate (a
corporation, a tax-free account) says so in its `dividend_tax_rate`. The books write these
payments into the cash ledger: trading/books/action_cash.py. Docs: docs/corporate-actions.md.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from marketdata.actions import ActionKind
from trading.actions.effects import actions_until, effective_at

INCOME_TAX = Decimal("0.14")
LOCAL_SHARE = Decimal("0.10")
TEN = Decimal(10)

GROSS, INCOME_TAX_PART, LOCAL_TAX_PART = "gross", "income_tax", "local_tax"


@dataclass(frozen=True)
class Payment:
    day: dt.date
    kind: str  # a CashKind: "dividend" in, "dividend_tax" out
    amount: Decimal  # signed: the gross positive, each tax negative
    part: str  # GROSS, INCOME_TAX_PART or LOCAL_TAX_PART


def under_ten(amount: Decimal) -> Decimal:
    """Cut below 10 won."""
    return (amount / TEN).to_integral_value(rounding=ROUND_FLOOR) * TEN


def withheld(gross: Decimal, *, income_rate=INCOME_TAX, local_share=LOCAL_SHARE):
    """(income tax, local tax) withheld from a gross dividend of `gross` won."""
    income = under_ten(gross * income_rate)
    return income, under_ten(income * local_share)


def payments(action, shares: int, *, income_rate=INCOME_TAX) -> list[Payment]:
    """The cash a dividend of `action` pays on `shares`: the gross in, each tax out. None
    before the pay date is known (the ledger books money on the day it moves)."""
    if action.kind != ActionKind.CASH_DIVIDEND or not action.amount or shares <= 0:
        return []
    if action.pay_date is None:
        return []
    gross = (action.amount * shares).to_integral_value(rounding=ROUND_FLOOR)
    income, local = withheld(gross, income_rate=income_rate)
    day = action.pay_date
    found = [Payment(day, "dividend", gross, GROSS)]
    if income:
        found.append(Payment(day, "dividend_tax", -income, INCOME_TAX_PART))
    if local:
        found.append(Payment(day, "dividend_tax", -local, LOCAL_TAX_PART))
    return found


def shares_on_record(account, action) -> int:
    """What `account` held of the action's stock at the end of the day before its ex date."""
    from trading.positions import replay, trades_in_order

    before = effective_at(action) - dt.timedelta(microseconds=1)
    holdings = replay(
        trades_in_order(until=before, accounts=[account.pk]),
        [a for a in actions_until(before) if a.pk != action.pk],
    )
    holding = holdings.get((account.pk, action.symbol))
    return holding.quantity if holding else 0


def dividend_payments(account, action, *, shares: int | None = None) -> list[Payment]:
    """The payments of a dividend to `account`; `shares`: its holding on the record date,
    read from the fills and the actions when None."""
    if shares is None:
        shares = shares_on_record(account, action)
    return payments(action, shares, income_rate=account.dividend_tax_rate)
