"""The demo's books: each demo account gets the deposit its fills need (and PAIRS one
withdrawal), so that its cash never goes below zero and its NAV and returns say something
true; the NAV of every session is computed; and the broker balance file of each account's
reconciled day gets KIS's output2, the account's cash as the broker reports it.

MAIN is paid a cash dividend on the stock it holds most of halfway through (a corporate
action the NAV rebuild books into the ledger: gross, and the 15.4 % withheld), so that a new
user sees a dividend reach cash and the returns' dividend part.

PAIRS's cash agrees with the back office to the won. MAIN's 예수금 (dnca_tot_amt) is 10,000
won above ours, as an unbooked credit would leave it: one cash difference to look at, kept
as MAIN's last cash reconciliation.
"""

import datetime as dt
import hashlib
import json
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

from marketdata import sessions
from marketdata.actions import ActionKind, CorporateAction
from marketdata.models import StockMetadata
from marketdata.sessions import KST
from qbsite import demo_reports
from trading import positions
from trading.books import checks, ledger, nav
from trading.models import ReconciliationRun, Trade
from trading.models.books import CashKind, CashMovement, CashSource

STEP = Decimal(10_000_000)  # deposits in tens of millions of won
WITHDRAWN = "PAIRS"  # the account that takes money out once
DIFFERENT = "MAIN"  # the account whose broker cash differs
DIFFERENCE = Decimal(10_000)


def _lowest(account, days) -> Decimal:
    """The lowest of the three cash figures over `days`."""
    figures = ledger.cash_figures(account_ids=[account.pk], days=days)
    return min(min(f.settled, f.next_day, f.after_settlement) for f in figures.values())


def _movement(account, day, kind, amount, note):
    CashMovement.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        trade_date=day,
        settles_on=day,
        source=CashSource.PERSON,
        note=note,
    )


def fund(account, days) -> None:
    """A deposit on the first day that keeps every cash figure at or above zero, rounded up
    to ten million won with a fifth to spare; PAIRS takes a tenth out halfway."""
    short = -_lowest(account, days)
    deposit = ((max(short, STEP) * Decimal("1.2")) / STEP).to_integral_value(ROUND_CEILING) * STEP
    _movement(account, days[0], CashKind.DEPOSIT, deposit, "demo: opening deposit")
    if account.code == WITHDRAWN:
        middle = days[len(days) // 2]
        room = _lowest(account, [d for d in days if d >= middle])
        amount = min(deposit / 10, room).quantize(STEP / 10, rounding=ROUND_FLOOR)
        if amount > 0:
            _movement(account, middle, CashKind.WITHDRAWAL, -amount, "demo: withdrawal")


def dividend(account, start: dt.date) -> CorporateAction | None:
    """A cash dividend of about 1 % (in tens of won) on the stock `account` holds most of
    (at cost) at the end of the session before the ex date: the session halfway between
    `start` and the last one; recorded the session after, paid five sessions later."""
    calendar = [s.date for s in sessions.sessions(start, nav.last_session())]
    if len(calendar) < 10:
        return None
    index = len(calendar) // 2
    ex_date = calendar[index]
    held = positions.replay(
        positions.trades_in_order(
            until=dt.datetime.combine(ex_date, dt.time(), KST), accounts=[account.pk]
        )
    )
    held = [h for h in held.values() if h.quantity]
    if not held:
        return None
    most = max(held, key=lambda h: (h.quantity * h.average_price, h.symbol))
    amount = max((most.average_price / 1000).to_integral_value(ROUND_FLOOR) * 10, Decimal(10))
    return CorporateAction.objects.create(
        symbol=most.symbol,
        kind=ActionKind.CASH_DIVIDEND,
        record_date=calendar[index + 1],
        ex_date=ex_date,
        pay_date=calendar[min(index + 6, len(calendar) - 1)],
        amount=amount,
        note="demo: dividend",
    )


def balance_body(holdings: list[dict], cash: dict) -> dict:
    return {
        "ctx_area_fk100": "",
        "ctx_area_nk100": "",
        "output1": holdings,
        "output2": [cash],
        "rt_cd": "0",
        "msg_cd": "KIOK0000",
        "msg1": "정상처리 되었습니다.",
    }


def broker_cash(account, day) -> dict:
    """output2 as KIS would send it for the account's end of `day`: strings of won."""
    ours = checks.our_figures(account, day)
    settled = ours["cash_settled"] + (DIFFERENCE if account.code == DIFFERENT else 0)
    figures = {
        "dnca_tot_amt": settled,
        "nxdy_excc_amt": ours["cash_next_day"],
        "prvs_rcdl_excc_amt": ours["cash"],
        "cma_evlu_amt": 0,
        "thdt_buy_amt": 0,
        "thdt_sll_amt": 0,
        "thdt_tlex_amt": 0,
        "scts_evlu_amt": ours["market_value"],
        "tot_evlu_amt": ours["nav"],
        "nass_amt": ours["nav"],
    }
    return {key: f"{Decimal(value):.0f}" for key, value in figures.items()}


def reconcile_cash(account, directory: Path | None) -> None:
    """The account's last reconciled day: its balance file with output2, compared and kept
    with that run."""
    run = ReconciliationRun.objects.filter(account=account).order_by("-run_at").first()
    if run is None:
        return
    names = dict(StockMetadata.objects.values_list("symbol", "name"))
    end = dt.datetime.combine(run.date + dt.timedelta(days=1), dt.time(), KST)
    fills = list(
        Trade.objects.filter(account=account, executed_at__lt=end).order_by("executed_at", "id")
    )
    body = balance_body(demo_reports.holding_rows(fills, names), broker_cash(account, run.date))
    data = json.dumps(body, ensure_ascii=False, indent=1).encode()
    name = f"{account.code}-{run.date}-inquire-balance.json"
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
        name = str(directory / name)
    # The file the run compared the holdings of, now with output2 beside them.
    run.balance_file, run.balance_sha256 = name[:255], hashlib.sha256(data).hexdigest()
    run.save(update_fields=["balance_file", "balance_sha256"])
    inputs = checks.read(balance_file=(name, data))
    checks.record(
        checks.compare(account=account, day=run.date, inputs=inputs), run=run, inputs=inputs
    )


def step(demo) -> dict[str, int]:
    """The demo's step (qbsite/demo.py): after the reconciliations; writes no rows the
    demo counts."""
    seed(sorted(set(demo.accounts.values()), key=lambda a: a.code), demo.reports_dir)
    return {}


def seed(accounts, directory: Path | None = None) -> None:
    """Fund the demo accounts, pay MAIN a dividend, compute their NAV, and reconcile
    their cash."""
    for account in accounts:
        first = (
            Trade.objects.filter(account=account)
            .order_by("executed_at")
            .values_list("executed_at", flat=True)
            .first()
        )
        if first is None:
            continue
        start = first.astimezone(KST).date()
        days = [start + dt.timedelta(days=n) for n in range((nav.last_session() - start).days + 1)]
        fund(account, days)
        if account.code == DIFFERENT:
            dividend(account, start)
    nav.rebuild(accounts=accounts)  # books the dividend into the ledger first
    for account in accounts:
        reconcile_cash(account, directory)
