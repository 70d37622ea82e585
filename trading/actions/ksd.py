"""The Korea Securities Depository schedules KIS publishes (`/uapi/domestic-stock/v1/ksdinfo/...`),
saved as the JSON KIS answers (rows under `output1`), turned into rows of our layout.

Field names as KIS's own examples name them (koreainvestment/open-trading-api,
examples_llm/domestic_stock/ksdinfo_*/chk_ksdinfo_*.py, COLUMN_MAPPING): dividend
(배당일정, 국내주식-145): record_date, sht_cd, per_sto_divi_amt 현금배당금, stk_divi_rate
주식배당률(%), divi_pay_dt 배당금지급일, odd_pay_dt; bonus-issue (무상증자일정, 국내주식-144):
fix_rate 확정배정율, odd_rec_price 단주기준가, right_dt 권리락일, list_date 상장/등록일;
paidin-capin (유상증자일정, 국내주식-143): fix_rate, fix_price 발행예정가, right_dt, list_date.
KIS's examples of rev-split (액면교체일정, 국내주식-148), merger-split (합병/분할일정) and
cap-dcrs (자본감소일정) show the request only; their answer fields here (inter_bf_face_amt /
inter_af_face_amt, td_stop_dt, list_dt; opp_cust_cd, cust_cd, merge_rate, odd_amt_pay_dt;
reduce_cap_rate, comp_way) are as client libraries built on the KIS documentation name them:
check a real answer before relying on them. Docs: docs/corporate-actions.md.
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from trading.actions.errors import ActionFileError, Problem

# Which schedule a row comes from, by a field only that schedule has.
MARKERS = (
    ("per_sto_divi_amt", "dividend"),
    ("inter_bf_face_amt", "rev-split"),
    ("merge_rate", "merger-split"),
    ("reduce_cap_rate", "cap-dcrs"),
    ("fix_price", "paidin-capin"),
    ("odd_rec_price", "bonus-issue"),
)


def is_ksd(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def _number(text) -> Decimal | None:
    try:
        value = Decimal(str(text or "").replace(",", "").strip() or "0")
    except InvalidOperation:
        return None
    return value


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def schedule_of(row: dict) -> str | None:
    return next((name for field, name in MARKERS if field in row), None)


def convert(row: dict) -> list[dict]:
    """Our rows (cells as text) for one KSD row: a dividend row may give a cash and a stock
    dividend."""
    schedule = schedule_of(row)
    base = {
        "symbol": row.get("sht_cd", ""),
        "record_date": row.get("record_date", ""),
        "ex_date": "",
        "pay_date": "",
        "ratio": "",
        "amount": "",
        "new_symbol": "",
        "fraction_price": "",
    }
    if schedule == "dividend":
        out = []
        cash = _number(row.get("per_sto_divi_amt"))
        if cash is None or cash:
            out.append(
                base
                | {
                    "kind": "cash_dividend",
                    "amount": row.get("per_sto_divi_amt", ""),
                    "pay_date": row.get("divi_pay_dt", ""),
                }
            )
        stock = _number(row.get("stk_divi_rate"))
        if stock:
            out.append(
                base
                | {
                    "kind": "stock_dividend",
                    "ratio": _text(stock / 100),
                    "pay_date": row.get("stk_div_pay_dt", ""),
                }
            )
        return out
    if schedule == "bonus-issue":
        return [
            base
            | {
                "kind": "bonus_issue",
                "ratio": row.get("fix_rate", ""),
                "ex_date": row.get("right_dt", ""),
                "pay_date": row.get("list_date", ""),
                "fraction_price": row.get("odd_rec_price", ""),
            }
        ]
    if schedule == "paidin-capin":
        return [
            base
            | {
                "kind": "rights_issue",
                "ratio": row.get("fix_rate", ""),
                "amount": row.get("fix_price", ""),
                "ex_date": row.get("right_dt", ""),
                "pay_date": row.get("list_date", ""),
            }
        ]
    if schedule == "rev-split":
        before, after = _number(row.get("inter_bf_face_amt")), _number(row.get("inter_af_face_amt"))
        ratio = before / after if before and after else None
        kind = "split" if ratio is not None and ratio > 1 else "reverse_split"
        return [
            base
            | {
                "kind": kind,
                "ratio": _text(ratio) if ratio else "0",
                "pay_date": row.get("list_dt", ""),
            }
        ]
    if schedule == "cap-dcrs":
        return [
            base
            | {
                "kind": "reverse_split",
                "ratio": row.get("reduce_cap_rate", ""),
                "pay_date": row.get("list_dt", ""),
            }
        ]
    if schedule == "merger-split":
        return [
            base
            | {
                "kind": "merger",
                "ratio": row.get("merge_rate", ""),
                "symbol": row.get("opp_cust_cd") or row.get("sht_cd", ""),
                "new_symbol": row.get("cust_cd", ""),
                "pay_date": row.get("list_dt", ""),
            }
        ]
    return []


def ksd_rows(path: Path) -> list[tuple[int, dict]]:
    """(row number in output1, cells) of a saved KSD answer."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as e:
        raise ActionFileError([Problem(path.name, 1, "file", "", f"not JSON: {e}")]) from e
    records = data.get("output1", data.get("output", [])) if isinstance(data, dict) else data
    rows = []
    for number, record in enumerate(records, start=1):
        converted = convert(record) if isinstance(record, dict) else []
        if not converted:
            raise ActionFileError(
                [Problem(path.name, number, "row", str(record)[:60], "not a KSD schedule row")]
            )
        rows.extend((number, cells) for cells in converted)
    return rows
