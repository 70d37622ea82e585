"""The trading wing's tables. `from trading.models import Trade` survives any move inside.
Docs: docs/accounts-and-fees.md, docs/reconciliation.md, docs/books.md."""

from trading.models.accounts import (
    DEFAULT_ACCOUNT,
    Account,
    AccountQuerySet,
    CommissionSchedule,
    UnknownAccount,
)
from trading.models.books import (
    AccountNav,
    BooksCheck,
    BooksDifference,
    CashMovement,
    LedgerEntry,
    NavChange,
)
from trading.models.choices import Level, Side, Venue
from trading.models.logs import SystemLog
from trading.models.performance import RiskMetric, StrategyPerformance
from trading.models.reconciliation import (
    DifferenceKind,
    DifferenceStatus,
    ReconciliationDifference,
    ReconciliationRun,
    ReconciliationStatus,
)
from trading.models.trades import ASSESSED_FIELDS, Position, Trade, TradeChange

__all__ = [
    "ASSESSED_FIELDS",
    "DEFAULT_ACCOUNT",
    "Account",
    "AccountNav",
    "AccountQuerySet",
    "BooksCheck",
    "BooksDifference",
    "CashMovement",
    "CommissionSchedule",
    "DifferenceKind",
    "DifferenceStatus",
    "LedgerEntry",
    "Level",
    "NavChange",
    "Position",
    "ReconciliationDifference",
    "ReconciliationRun",
    "ReconciliationStatus",
    "RiskMetric",
    "Side",
    "StrategyPerformance",
    "SystemLog",
    "Trade",
    "TradeChange",
    "UnknownAccount",
    "Venue",
]
