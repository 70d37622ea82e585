"""The account's cash and value as KIS reports them, beside ours.

KIS `inquire-balance` (주식잔고조회, TR TTTC8434R) answers with `output1`, the holdings
(trading/broker_reports.py), and `output2`, the account's money (field names as in KIS's
own examples, koreainvestment/open-trading-api, examples_llm/domestic_stock/
inquire_balance/chk_inquire_balance.py; the example reads output2 as a list of rows,
pd.DataFrame(output2), of which there is one):

- `dnca_tot_amt` 예수금총금액: cash settled today, against our settled cash (`cash`);
- `nxdy_excc_amt` 익일정산금액: after tomorrow's settlements (`cash_next_day`);
- `prvs_rcdl_excc_amt` 가수도정산금액: after every pending one (`cash_after_settlement`);
- `tot_evlu_amt` 총평가금액 (securities at market + D+2 cash) and `nass_amt` 순자산금액
  (net assets: the same without loans), against our NAV (`total_value`);
- `scts_evlu_amt` 유가평가금액 (securities at market), `thdt_buy_amt`, `thdt_sll_amt`,
  `thdt_tlex_amt` (today's buys, sells and costs) are kept beside, not compared.
Our figures are those of the end of the reconciled day: the cash ledger's three figures
and the positions at that session's close (trading/books/nav.py). Amounts are compared to
the won. A CSV balance file, or a JSON one whose output2 is empty or holds none of these
fields, has no cash to compare.
"""

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from marketdata import encodings
from trading.books import readers
from trading.reconciliation.broker_reports import BrokerFileError

COMPARED = {
    "dnca_tot_amt": ("cash", "cash_settled"),
    "nxdy_excc_amt": ("cash_next_day", "cash_next_day"),
    "prvs_rcdl_excc_amt": ("cash_after_settlement", "cash"),
    "tot_evlu_amt": ("total_value", "nav"),
    "nass_amt": ("total_value", "nav"),
}
KEPT = ("scts_evlu_amt", "thdt_buy_amt", "thdt_sll_amt", "thdt_tlex_amt")


@dataclass(frozen=True)
class Difference:
    kind: str
    field: str
    date: object
    broker: Decimal
    ours: Decimal
    symbol: str = ""

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "field": self.field,
            "date": self.date.isoformat(),
            "symbol": self.symbol or None,
            "broker": float(self.broker),
            "ours": float(self.ours),
        }


def _lowered(fields: dict) -> dict:
    return {str(k).strip().lower(): v for k, v in fields.items()}


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode(encodings.guess(data[:65536]))
    except (encodings.EncodingUnknown, UnicodeDecodeError) as e:
        raise BrokerFileError(f"{name}: {e}") from e


def to_won(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _output2(document, name):
    """(path, fields) of the output2 row of a body, a list of bodies (the last page that
    has one), or None."""
    bodies = [document] if isinstance(document, dict) else document
    found = None
    for n, body in enumerate(bodies if isinstance(bodies, list) else []):
        if not isinstance(body, dict):
            continue
        body = _lowered(body)
        path = "$" if isinstance(document, dict) else f"$[{n}]"
        rows = body.get("output2")
        if isinstance(rows, dict):
            rows = [rows] if rows else []
        if rows is None or rows == []:
            continue
        if not isinstance(rows, list) or not isinstance(rows[0], dict):
            raise BrokerFileError(f"{name}: {path}.output2: expected an object of fields")
        found = (f"{path}.output2[0]", _lowered(rows[0]))
    return found


def cash(data: bytes, name: str) -> dict[str, Decimal] | None:
    """The broker's figures of an inquire-balance file by field name; None when the file
    has none (a CSV of holdings, an empty output2)."""
    text = _decode(data, name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return None  # a CSV: holdings only; broker_reports says what is wrong with it
    found = _output2(document, name)
    if found is None:
        return None
    path, fields = found
    if not COMPARED.keys() & fields.keys():
        return None  # another report's output2 (inquire-daily-ccld's sums, say)
    figures = {}
    for key in (*COMPARED, *KEPT):
        value = fields.get(key)
        if value in (None, ""):
            if key in ("dnca_tot_amt", "nxdy_excc_amt", "prvs_rcdl_excc_amt"):
                raise BrokerFileError(f"{name}: {path}.{key}: missing; KIS's output2 has it")
            continue
        try:
            figures[key] = readers.amount(value, signed=True, places=8)
        except readers.BadValue as e:
            raise BrokerFileError(f"{name}: {path}.{key}: {e}") from e
    return figures


def compare(day, broker: dict[str, Decimal], ours: dict[str, Decimal]) -> list[Difference]:
    """The broker's figures of `day` against ours (`ours` by our names: cash_settled,
    cash_next_day, cash, market_value, nav), to the won."""
    found = []
    for key, (kind, mine) in COMPARED.items():
        if key in broker and to_won(broker[key]) != to_won(ours[mine]):
            found.append(Difference(kind, key, day, broker[key], ours[mine]))
    return found
