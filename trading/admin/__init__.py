"""The admin of the trading wing: accounts and commission schedules, trades, positions,
strategy performance and risk, system logs, reconciliation runs, and the books (cash,
NAV, cash reconciliations). Every account-owned
row goes through `access.AccountScoped`. Docs: docs/admin.md, docs/security.md, docs/books.md.
"""

from trading.admin import (  # noqa: F401 (each registers its admin classes)
    accounts,
    analytics,
    books,
    logs,
    positions,
    reconciliation,
    trades,
)
