"""Cash dividends as cash movements: on the pay date, to the holding at the end of the day
before the ex date (the holders on the record date under T+2), gross and the tax withheld.

Individuals: 15.4 % withheld, 14 % income tax (소득세법 §129) and 10 % of that as local
income tax, each cut below 10 won (the 10-won truncation of withheld tax). An account with
another rate (a corporation, a tax-free account) says so in `withholding` (fractions of the
gross: income tax, local tax share of it). Docs: docs/corporate-actions.md.
"""

import datetime as dt
from decimal import ROUND_FLOOR, Decimal

from marketdata.actions import ActionKind
from trading.actions.effects import actions_until, effective_at

INCOME_TAX = Decimal("0.14")
LOCAL_SHARE = Decimal("0.10")
TEN = Decimal(10)

GROSS = "dividend"
INCOME_TAX_KIND = "dividend_income_tax"
LOCAL_TAX_KIND = "dividend_local_tax"


def under_ten(amount: Decimal) -> Decimal:
    """Cut below 10 won."""
    return (amount / TEN).to_integral_value(rounding=ROUND_FLOOR) * TEN


def withheld(gross: Decimal, *, income_rate=INCOME_TAX, local_share=LOCAL_SHARE):
    """(income tax, local tax) withheld from a gross dividend of `gross` won."""
    income = under_ten(gross * income_rate)
    return income, under_ten(income * local_share)


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


def dividend_payments(account, action, *, shares: int | None = None) -> list[tuple]:
    """(date, kind, amount) of the cash a dividend moves: the gross in, each tax out
    (negative). `shares`: the holding on the record date, read from the fills when None."""
    if action.kind != ActionKind.CASH_DIVIDEND or not action.amount:
        return []
    if shares is None:
        shares = shares_on_record(account, action)
    if not shares:
        return []
    gross = (action.amount * shares).to_integral_value(rounding=ROUND_FLOOR)
    rates = getattr(account, "dividend_withholding", None) or (INCOME_TAX, LOCAL_SHARE)
    income, local = withheld(gross, income_rate=rates[0], local_share=rates[1])
    day = action.pay_date or action.record_date
    payments = [(day, GROSS, gross)]
    if income:
        payments.append((day, INCOME_TAX_KIND, -income))
    if local:
        payments.append((day, LOCAL_TAX_KIND, -local))
    return payments
