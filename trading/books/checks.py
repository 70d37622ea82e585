"""The broker's cash (inquire-balance output2, trading/books/broker_balance.py) and P&L
(inquire-period-profit and inquire-period-trade-profit, profit_reports.py) compared with
ours along with a reconciliation run (`manage.py reconcile --balance FILE --profit FILE`),
and kept: a BooksCheck with its differences, which a person marks explained or fixed.

The run's own result (orders and holdings) stays as it was; the check has its own, shown
on the account's page as its last cash reconciliation.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from marketdata import sessions
from trading.books import broker_balance, ledger, nav, profit_reports
from trading.models.books import BooksCheck, BooksDifference, BooksStatus


@dataclass
class Inputs:
    balance: tuple[str, bytes, dict] | None = None  # (name, data, the broker's figures)
    profits: list[tuple[str, bytes, list]] = field(default_factory=list)  # (name, data, rows)

    def __bool__(self):
        return self.balance is not None or bool(self.profits)


def read(*, balance_file=None, profit_files=()) -> Inputs:
    """The broker's files, read; BrokerFileError names what cannot be used."""
    found = Inputs()
    if balance_file is not None:
        figures = broker_balance.cash(balance_file[1], balance_file[0])
        if figures is not None:
            found.balance = (*balance_file, figures)
    for name, data in profit_files:
        found.profits.append((name, data, profit_reports.rows(data, name)))
    return found


def our_figures(account, day: dt.date) -> dict:
    """Our cash at the end of `day` and our positions at the close of the last session on
    or before it (a NAV computed now, not the stored one, which may be stale)."""
    cash = ledger.cash_figures(account_ids=[account.pk], days=[day])[account.pk, day]
    found = {
        "cash_settled": cash.settled,
        "cash_next_day": cash.next_day,
        "cash": cash.after_settlement,
        "market_value": ledger.ZERO,
    }
    closed = [s.date for s in sessions.sessions(day - dt.timedelta(days=20), day)]
    if closed:
        rows = nav.compute([account.pk], start=closed[-1], end=closed[-1]).get(account.pk)
        if rows:
            found["market_value"] = rows[-1].market_value
    found["nav"] = found["cash"] + found["market_value"]
    return found


@dataclass
class Result:
    day: dt.date
    differences: list = field(default_factory=list)
    broker: dict = field(default_factory=dict)
    ours: dict = field(default_factory=dict)
    profit_rows: int = 0
    conventions: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return BooksStatus.DIFFERENCES if self.differences else BooksStatus.MATCH

    def as_json(self) -> dict:
        return {
            "status": str(self.status),
            "differences": [d.as_json() for d in self.differences],
            "broker": {k: float(v) for k, v in self.broker.items()},
            "ours": {k: float(v) for k, v in self.ours.items()},
            "profit_rows": self.profit_rows,
            "cost_conventions": self.conventions,
        }


def compare(*, account, day: dt.date, inputs: Inputs) -> Result:
    result = Result(day=day)
    if inputs.balance is not None:
        result.broker = inputs.balance[2]
        result.ours = our_figures(account, day)
        result.differences += broker_balance.compare(day, result.broker, result.ours)
    rows = [row for _, _, found in inputs.profits for row in found]
    if rows:
        profit = profit_reports.compare(account, rows)
        result.differences += profit.differences
        result.profit_rows = profit.rows
        result.conventions = profit.conventions
    return result


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def record(result: Result, *, run, inputs: Inputs) -> BooksCheck:
    check = BooksCheck.objects.create(
        run=run,
        account_id=run.account_id,
        date=result.day,
        status=result.status,
        checked_at=timezone.now(),
        balance_file=inputs.balance[0][:255] if inputs.balance else "",
        balance_sha256=sha256(inputs.balance[1]) if inputs.balance else "",
        profit_files=[{"name": n, "sha256": sha256(d)} for n, d, _ in inputs.profits],
        figures={
            "broker": {k: str(v) for k, v in result.broker.items()},
            "ours": {k: str(v) for k, v in result.ours.items()},
        },
        conventions=result.conventions,
        difference_count=len(result.differences),
    )
    BooksDifference.objects.bulk_create(
        BooksDifference(
            check_run=check,
            kind=d.kind,
            date=d.date,
            symbol=d.symbol,
            field=d.field,
            broker=d.broker,
            ours=d.ours,
        )
        for d in result.differences
    )
    return check


def describe(result: Result, check) -> list[str]:
    """The check as lines of text for a person."""
    said = [
        f"Cash and P&L, {result.day}: "
        + (f"{len(result.differences)} differences" if result.differences else "match")
        + " ("
        + ", ".join(
            part
            for part in (
                "balance output2" if result.broker else "",
                f"{result.profit_rows} profit rows" if result.profit_rows else "",
            )
            if part
        )
        + " checked)."
    ]
    for d in result.differences:
        where = f"{d.date}" + (f" {d.symbol}" if d.symbol else "")
        said.append(f"  {d.kind}: {where}: broker {d.field} {d.broker:,.0f}, ours {d.ours:,.0f}")
    if result.conventions:
        said.append(
            f"Realized PnL: ours {result.conventions['ours']}; the broker's (rlzt_pfls): "
            f"{result.conventions['broker']}."
        )
    said.append(f"Kept as cash reconciliation {check.pk}.")
    return said
