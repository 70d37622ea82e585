"""The tax picture as an XLSX workbook: one sheet each of realized gains, totals, taxes by
market, dividends and holdings at the year's end."""

import io
from decimal import Decimal


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return value


def _sheet(book, title, rows, columns):
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(c)) for c in columns])


def workbook(report: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _sheet(
        book,
        "realized",
        report["realized"],
        ["symbol", "quantity_sold", "proceeds", "cost", "gain", "method"],
    )
    totals = [{"item": k, "amount": v} for k, v in report["totals"].items()]
    _sheet(book, "totals", totals, ["item", "amount"])
    markets = [{"market": m, **v} for m, v in report["taxes_by_market"].items()]
    _sheet(
        book, "taxes by market", markets, ["market", "securities_transaction_tax", "special_tax"]
    )
    _sheet(book, "dividends", report["dividends"], ["symbol", "date", "gross"])
    _sheet(
        book,
        "holdings at year end",
        report["holdings_at_year_end"],
        [
            "symbol",
            "market",
            "quantity",
            "session",
            "close",
            "value",
            "share_of_listed",
            "large_shareholder",
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text(report: dict) -> str:
    lines = [f"Tax picture of {report['account']} for {report['year']}", "", "Realized:"]
    for r in report["realized"]:
        lines.append(
            f"  {r['symbol']}  sold {r['quantity_sold']:,}  proceeds {r['proceeds']:,.0f}  "
            f"cost {r['cost']:,.0f}  gain {r['gain']:,.0f}  ({r['method']})"
        )
    lines += ["", "Totals:"]
    lines += [f"  {k}: {v:,.0f}" for k, v in report["totals"].items()]
    lines += ["", "Holdings at the year's last session:"]
    for h in report["holdings_at_year_end"]:
        test = h["large_shareholder"]
        flag = " LARGE SHAREHOLDER" if test["value_test"] or test["share_test"] else ""
        value = "-" if h["value"] is None else f"{h['value']:,.0f}"
        lines.append(f"  {h['symbol']}  {h['quantity']:,}  value {value}{flag}")
    return "\n".join(lines) + "\n"
