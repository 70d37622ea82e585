"""KIS's daily reports of one account, read from the files an operator saves.

Two reports, with the field names of KIS's own examples (koreainvestment/open-trading-api,
examples_llm/domestic_stock/inquire_daily_ccld and inquire_balance):

- orders with their fills, `inquire-daily-ccld` (주식일별주문체결조회), `output1`: one row
  per order: `ord_dt`, `odno`, `orgn_odno`, `sll_buy_dvsn_cd` (01 sell, 02 buy), `pdno`,
  `ord_qty`, `tot_ccld_qty`, `avg_prvs`, `tot_ccld_amt`, `ord_tmd`, `cncl_yn`, `rmn_qty`,
  `rjct_qty`, and on newer accounts the exchange, `excg_id_dvsn_cd` (KRX, NXT, SOR; KIS
  spells it `excg_id_dvsn_Cd` in this report);
- holdings, `inquire-balance` (주식잔고조회), `output1`: `pdno`, `hldg_qty`,
  `pchs_avg_pric` (매입금액 / 보유수량), `pchs_amt`, `prpr`, ...

A file is the API's JSON response (the whole body, or only its `output1` list, or several
pages as a JSON array of bodies), or a CSV with the same field names as its header. Field
names are read without regard to case; values are strings and numbers may carry decimals
or thousands separators. Anything unusable raises BrokerFileError naming the file and the
line, column or JSON path.
"""

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marketdata import encodings
from marketdata.symbols import is_symbol
from trading.models import Side, Venue

SIDES = {"01": Side.SELL, "02": Side.BUY}
VENUES = {"KRX": Venue.KRX, "NXT": Venue.NXT}


class BrokerFileError(ValueError):
    """A report that cannot be used; the message says where and what."""


@dataclass(frozen=True)
class Order:
    """One order of the broker's report, with what was filled of it."""

    where: str  # file and line or JSON path, for messages
    order_date: dt.date | None
    order_id: str
    original_order_id: str
    side: str
    symbol: str
    name: str
    ordered: int
    filled: int
    average_price: Decimal
    filled_amount: Decimal | None
    time: dt.time | None
    cancelled: bool
    rejected: int
    venue: str  # KRX, NXT, SOR or ""


@dataclass(frozen=True)
class Holding:
    where: str
    symbol: str
    name: str
    quantity: int
    average_price: Decimal  # pchs_avg_pric: the purchase amount / the quantity
    purchase_amount: Decimal | None


ORDER_FIELDS = ("odno", "sll_buy_dvsn_cd", "pdno", "tot_ccld_qty", "avg_prvs")
HOLDING_FIELDS = ("pdno", "hldg_qty", "pchs_avg_pric")


def _lowered(fields: dict) -> dict:
    return {str(k).strip().lower(): v for k, v in fields.items()}


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), "a number")


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode(encodings.guess(data[:65536]))
    except (encodings.EncodingUnknown, UnicodeDecodeError) as e:
        raise BrokerFileError(f"{name}: {e}") from e


def read_rows(data: bytes, name: str, needed=(), report="") -> list[tuple[str, dict]]:
    """(where, fields by lower-case name) of every row of a report file; a CSV header
    must name the `needed` fields."""
    text = _decode(data, name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        if text.lstrip().startswith(("{", "[")):
            raise BrokerFileError(f"{name}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from e
        return _csv_rows(text, name, needed, report)
    return _json_rows(document, name)


def _json_rows(document, name):
    if isinstance(document, dict):
        return _body_rows(document, "$", name)
    if isinstance(document, list):
        if any(isinstance(item, dict) and _is_body(item) for item in document):
            found = []
            for n, body in enumerate(document):
                if not isinstance(body, dict):
                    raise BrokerFileError(
                        f"{name}: $[{n}]: expected a response body, found {_kind(body)}"
                    )
                found += _body_rows(body, f"$[{n}]", name)
            return found
        return _list_rows(document, "$", name)
    raise BrokerFileError(
        f"{name}: $: expected a KIS response body (an object with output1), its output1 "
        f"list, or a list of bodies; found {_kind(document)}"
    )


def _is_body(item: dict) -> bool:
    """A response body (output1, rt_cd, ...) rather than one of its rows."""
    return bool({"output1", "rt_cd", "msg1"} & _lowered(item).keys())


def _body_rows(body, path, name):
    body = _lowered(body)
    answer = body.get("rt_cd")
    if answer not in (None, "0", 0):
        raise BrokerFileError(
            f"{name}: {path}.rt_cd: the broker answered {answer!r} "
            f"({body.get('msg_cd', '')} {body.get('msg1', '')}".rstrip()
            + "), not a report"
        )
    if "output1" not in body:
        raise BrokerFileError(f"{name}: {path}: no output1 (KIS puts the report's rows there)")
    return _list_rows(body["output1"], f"{path}.output1", name)


def _list_rows(items, path, name):
    if not isinstance(items, list):
        raise BrokerFileError(f"{name}: {path}: expected a list of rows, found {_kind(items)}")
    found = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise BrokerFileError(
                f"{name}: {path}[{n}]: expected an object of fields, found {_kind(item)}"
            )
        found.append((f"{name}: {path}[{n}].", _lowered(item)))
    return found


def _csv_rows(text, name, needed, report):
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise BrokerFileError(f"{name}:1: empty: expected a header of KIS field names")
        header = [cell.strip().lower() for cell in header]
        _require(f"{name}:1", dict.fromkeys(header), needed, report)
        found = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise BrokerFileError(
                    f"{name}:{reader.line_num}: {len(cells)} values for {len(header)} columns"
                )
            found.append((f"{name}:{reader.line_num}: ", dict(zip(header, cells, strict=False))))
    except csv.Error as e:
        raise BrokerFileError(f"{name}:{reader.line_num}: not CSV: {e}") from e
    return found


def _text(fields, key) -> str:
    value = fields.get(key)
    return "" if value is None else str(value).strip()


def _number(where, fields, key, *, whole=False, required=True):
    raw = _text(fields, key)
    if not raw:
        if required:
            raise BrokerFileError(f"{where}{key}: empty; a number is needed")
        return None
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise BrokerFileError(f"{where}{key}: {raw[:40]!r} is not a number of zero or more")
    if whole:
        if value != value.to_integral_value():
            raise BrokerFileError(f"{where}{key}: {raw[:40]!r} is not a whole number of shares")
        return int(value)
    return value


def _symbol(where, fields):
    raw = _text(fields, "pdno")
    symbol = raw[-6:]  # KIS: "종목번호(뒤 6자리만 해당)"
    if not is_symbol(symbol):
        raise BrokerFileError(f"{where}pdno: {raw[:40]!r} is not a KRX short code")
    return symbol


def _require(where, fields, needed, report):
    missing = [key for key in needed if key not in fields]
    if missing:
        raise BrokerFileError(
            f"{where.rstrip(': .')}: no field {', '.join(missing)}; KIS's {report} rows have "
            f"{', '.join(needed)}"
        )


def _date(where, fields, key):
    raw = _text(fields, key)
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, "%Y%m%d").date()
    except ValueError as e:
        raise BrokerFileError(f"{where}{key}: {raw[:40]!r} is not a date YYYYMMDD") from e


def _time(where, fields, key):
    raw = _text(fields, key)
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw.zfill(6), "%H%M%S").time()
    except ValueError as e:
        raise BrokerFileError(f"{where}{key}: {raw[:40]!r} is not a time HHMMSS") from e


def orders(data: bytes, name: str) -> list[Order]:
    """The orders of an inquire-daily-ccld report."""
    found = []
    for where, fields in read_rows(data, name, ORDER_FIELDS, "inquire-daily-ccld"):
        _require(where, fields, ORDER_FIELDS, "inquire-daily-ccld")
        code = _text(fields, "sll_buy_dvsn_cd")
        if code not in SIDES:
            raise BrokerFileError(
                f"{where}sll_buy_dvsn_cd: {code[:40]!r} is neither 01 (sell) nor 02 (buy)"
            )
        order_id = _text(fields, "odno")
        if not order_id:
            raise BrokerFileError(f"{where}odno: empty; every order has a number")
        found.append(
            Order(
                where=where.rstrip(": ."),
                order_date=_date(where, fields, "ord_dt"),
                order_id=order_id,
                original_order_id=_text(fields, "orgn_odno"),
                side=SIDES[code],
                symbol=_symbol(where, fields),
                name=_text(fields, "prdt_name"),
                ordered=_number(where, fields, "ord_qty", whole=True, required=False) or 0,
                filled=_number(where, fields, "tot_ccld_qty", whole=True),
                average_price=_number(where, fields, "avg_prvs"),
                filled_amount=_number(where, fields, "tot_ccld_amt", required=False),
                time=_time(where, fields, "ord_tmd"),
                cancelled=_text(fields, "cncl_yn").upper() == "Y",
                rejected=_number(where, fields, "rjct_qty", whole=True, required=False) or 0,
                venue=_text(fields, "excg_id_dvsn_cd").upper(),
            )
        )
    return found


def holdings(data: bytes, name: str) -> list[Holding]:
    """The holdings of an inquire-balance report."""
    found = []
    for where, fields in read_rows(data, name, HOLDING_FIELDS, "inquire-balance"):
        _require(where, fields, HOLDING_FIELDS, "inquire-balance")
        found.append(
            Holding(
                where=where.rstrip(": ."),
                symbol=_symbol(where, fields),
                name=_text(fields, "prdt_name"),
                quantity=_number(where, fields, "hldg_qty", whole=True),
                average_price=_number(where, fields, "pchs_avg_pric"),
                purchase_amount=_number(where, fields, "pchs_amt", required=False),
            )
        )
    return found
