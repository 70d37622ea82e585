"""One day of KIS's reports for each demo account, in KIS's own shapes (inquire-daily-ccld
and inquire-balance response bodies), made from the demo's fills, and reconciled.

The PAIRS account's reports agree with the back office. MAIN's have one deliberate
difference: the broker's average price of one order is one tick higher than the fills the
back office holds, so a new user sees what a difference looks like and where it leads.
"""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from marketdata.models import StockMetadata
from marketdata.sessions import KST
from marketdata.ticks import tick_size
from trading import reconciliation
from trading.models import Side, Trade
from trading.positions.accounting import replay
from trading.reconciliation import broker_reports

DIFFERENT = "MAIN"  # the account whose report has the deliberate difference
CODES = {Side.SELL: "01", Side.BUY: "02"}
NAMES = {Side.SELL: "매도", Side.BUY: "매수"}


def _body(rows: list[dict]) -> dict:
    return {
        "ctx_area_fk100": "",
        "ctx_area_nk100": "",
        "output1": rows,
        "output2": {},
        "rt_cd": "0",
        "msg_cd": "KIOK0000",
        "msg1": "정상처리 되었습니다.",
    }


def order_rows(fills, names) -> list[dict]:
    """inquire-daily-ccld output1 rows: one per broker order, values as strings."""
    orders: dict[str, list] = {}
    for trade in fills:
        orders.setdefault(trade.broker_order_id, []).append(trade)
    rows = []
    for order_id, trades in orders.items():
        first = trades[0]
        quantity = sum(t.quantity for t in trades)
        amount = sum((t.quantity * t.price for t in trades), Decimal(0))
        rows.append(
            {
                "ord_dt": f"{first.executed_at.astimezone(KST):%Y%m%d}",
                "ord_gno_brno": "06010",
                "odno": order_id,
                "orgn_odno": "",
                "ord_dvsn_name": "지정가",
                "sll_buy_dvsn_cd": CODES[first.side],
                "sll_buy_dvsn_cd_name": NAMES[first.side],
                "pdno": first.symbol,
                "prdt_name": names.get(first.symbol, ""),
                "ord_qty": str(quantity),
                "ord_unpr": f"{first.price:.0f}",
                "ord_tmd": f"{first.executed_at.astimezone(KST):%H%M%S}",
                "tot_ccld_qty": str(quantity),
                "avg_prvs": f"{amount / quantity:.4f}",
                "cncl_yn": "N",
                "tot_ccld_amt": f"{amount:.0f}",
                "rmn_qty": "0",
                "rjct_qty": "0",
                "excg_id_dvsn_Cd": first.venue,
            }
        )
    return rows


def holding_rows(fills, names) -> list[dict]:
    """inquire-balance output1 rows of what the fills leave held."""
    rows = []
    for (_, symbol), held in sorted(replay(fills).items()):
        if not held.quantity:
            continue
        rows.append(
            {
                "pdno": symbol,
                "prdt_name": names.get(symbol, ""),
                "trad_dvsn_name": "현금",
                "hldg_qty": str(held.quantity),
                "ord_psbl_qty": str(held.quantity),
                "pchs_avg_pric": f"{held.average_price:.4f}",
                "pchs_amt": f"{held.average_price * held.quantity:.0f}",
            }
        )
    return rows


def one_tick_higher(row: dict) -> None:
    average = Decimal(row["avg_prvs"]) + tick_size(Decimal(row["avg_prvs"]))
    row["avg_prvs"] = f"{average:.4f}"
    row["tot_ccld_amt"] = f"{average * int(row['tot_ccld_qty']):.0f}"


def reconcile_demo(accounts, directory: Path | None) -> list:
    """Make the reports of each account's last trading day, keep them in `directory` (when
    given) and reconcile; returns the runs."""
    names = dict(StockMetadata.objects.values_list("symbol", "name"))
    runs = []
    for account in accounts:
        fills = list(Trade.objects.filter(account=account).order_by("executed_at", "id"))
        if not fills:
            continue
        day = fills[-1].executed_at.astimezone(KST).date()
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), KST)
        of_day = [t for t in fills if t.executed_at.astimezone(KST).date() == day]
        orders = order_rows(of_day, names)
        if account.code == DIFFERENT:
            one_tick_higher(orders[0])
        documents = {
            "inquire-daily-ccld": _body(orders),
            "inquire-balance": _body(
                holding_rows([t for t in fills if t.executed_at < end], names)
            ),
        }
        files = {}
        for report, document in documents.items():
            name = f"{account.code}-{day}-{report}.json"
            data = json.dumps(document, ensure_ascii=False, indent=1).encode()
            if directory is not None:
                directory.mkdir(parents=True, exist_ok=True)
                (directory / name).write_bytes(data)
                name = str(directory / name)
            files[report] = (name, data)
        result = reconciliation.compare(
            account=account,
            day=day,
            orders=broker_reports.orders(files["inquire-daily-ccld"][1], "orders"),
            holdings=broker_reports.holdings(files["inquire-balance"][1], "balance"),
        )
        runs.append(
            reconciliation.record(
                result,
                orders_file=files["inquire-daily-ccld"],
                balance_file=files["inquire-balance"],
                run_by="demo",
            )
        )
    return runs
