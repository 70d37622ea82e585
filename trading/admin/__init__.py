"""The admin of the trading wing: accounts and commission schedules, trades, positions,
strategy performance and risk, system logs, and reconciliation runs. Every account-owned
row goes through `access.AccountScoped`. Docs: docs/admin.md, docs/security.md.
"""

from trading.admin import (  # noqa: F401 (each registers its admin classes)
    accounts,
    analytics,
    logs,
    positions,
    reconciliation,
    trades,
)
