"""The books: cash per account, what each account is worth every day, what it returned.

- ledger.py: the cash ledger (movements kept and those derived from the fills) and the three
  daily cash figures KIS reports (settled, after tomorrow's settlements, after all);
- cash_files.py: cash files in (import_cash, the admin's import) through readers.py;
- nav.py: the NAV of each account per session, stored, rebuilt, and what made it stale;
- returns.py: time- and money-weighted returns, drawdown, ratios, benchmark;
- broker_balance.py, profit_reports.py, checks.py: the broker's cash and P&L beside ours;
- account_page.py: what the account's page (trading/admin/books.py) and the front page
  show.
The tables are trading/models/books.py. The names others use are exported here, each
imported when first asked for, so that importing one module does not load them all.
Docs: docs/books.md.
"""

import importlib

_EXPORTS = {
    "CashFigures": "ledger",
    "Ledger": "ledger",
    "cash_figures": "ledger",
    "ledgers": "ledger",
    "rebuild_nav": "nav",
    "stale_navs": "nav",
    "StaleNav": "nav",
    "Returns": "returns",
    "returns_of": "returns",
    "book_figures": "account_page",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'trading.books' has no attribute {name!r}")
    return getattr(importlib.import_module(f"trading.books.{_EXPORTS[name]}"), name)
