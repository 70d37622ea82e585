"""Hand-made broker reports in KIS's shapes (inquire-daily-ccld, inquire-balance) and the
back office's side of the same day, for the reconciliation tests."""

import copy
import datetime as dt
from decimal import Decimal

from marketdata.models import StockMetadata
from tests import factories
from trading.models import Trade

KST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.date(2026, 3, 3)


def row(odno, side, pdno, filled, average, venue, **fields):
    """An inquire-daily-ccld output1 row as KIS sends it: every value a string."""
    values = {
        "ord_dt": "20260303",
        "ord_gno_brno": "06010",
        "odno": odno,
        "orgn_odno": "",
        "ord_dvsn_name": "지정가",
        "sll_buy_dvsn_cd": side,
        "sll_buy_dvsn_cd_name": "매수" if side == "02" else "매도",
        "pdno": pdno,
        "prdt_name": "",
        "ord_qty": str(filled),
        "ord_unpr": f"{average:.0f}",
        "ord_tmd": "091501",
        "tot_ccld_qty": str(filled),
        "avg_prvs": f"{average:.4f}",
        "cncl_yn": "N",
        "tot_ccld_amt": f"{filled * average:.0f}",
        "rmn_qty": "0",
        "rjct_qty": "0",
        "excg_id_dvsn_Cd": venue,
    }
    return values | fields


ORDERS = [
    row("0000012345", "02", "005930", 10, Decimal(72000), "KRX"),  # two partial fills here
    row("0000012346", "01", "000660", 5, Decimal(180000), "NXT"),
    row("0000012347", "02", "035720", 10, Decimal(45020), "SOR"),  # 6 on KRX, 4 on NXT
    row("0000012348", "02", "005930", 0, Decimal(0), "KRX", ord_qty="3", cncl_yn="Y"),
    row("0000012349", "02", "005930", 0, Decimal(0), "KRX", ord_qty="5", rjct_qty="5"),
]
HOLDINGS = [
    {"pdno": "005930", "prdt_name": "삼성전자", "hldg_qty": "10", "pchs_avg_pric": "72000.0000"},
    {"pdno": "000660", "prdt_name": "SK하이닉스", "hldg_qty": "15", "pchs_avg_pric": "178000.0000"},
    {"pdno": "035720", "prdt_name": "카카오", "hldg_qty": "10", "pchs_avg_pric": "45020.0000"},
]


def body(rows):
    return {
        "ctx_area_fk100": "",
        "ctx_area_nk100": "",
        "output1": rows,
        "output2": {"tot_ord_qty": "0", "tot_ccld_qty": "0"},
        "rt_cd": "0",
        "msg_cd": "KIOK0000",
        "msg1": "정상처리 되었습니다.",
    }


def at(hour, minute=0, day=DAY):
    return dt.datetime.combine(day, dt.time(hour, minute), KST)


def make_book():
    """The back office's side of 2026-03-03 in account MAIN, matching the reports above."""
    StockMetadata.objects.bulk_create(
        [
            factories.stock(symbol="005930"),
            factories.stock(symbol="000660", name="SK하이닉스"),
            factories.stock(symbol="035720", name="카카오"),
        ]
    )
    main = factories.account("MAIN")
    for order, side, symbol, quantity, price, venue, when, commission in [
        ("0000000001", "BUY", "000660", 20, 178000, "KRX", at(10, day=dt.date(2026, 3, 2)), 534),
        ("0000012345", "BUY", "005930", 6, 72000, "KRX", at(9, 15), 65),
        ("0000012345", "BUY", "005930", 4, 72000, "KRX", at(9, 16), 43),
        ("0000012346", "SELL", "000660", 5, 180000, "NXT", at(10), 108),
        ("0000012347", "BUY", "035720", 6, 45000, "KRX", at(11), 40),
        ("0000012347", "BUY", "035720", 4, 45050, "NXT", at(11, 1), 27),
    ]:
        factories.trade(
            account=main,
            broker_order_id=order,
            fill_seq=Trade.objects.filter(broker_order_id=order).count() + 1,
            side=side,
            symbol=symbol,
            quantity=quantity,
            price=price,
            venue=venue,
            executed_at=when,
            commission=commission,
        ).save()
    return main


def changed(odno, **fields):
    rows = copy.deepcopy(ORDERS)
    for r in rows:
        if r["odno"] == odno:
            r.update(fields)
    return body(rows)
