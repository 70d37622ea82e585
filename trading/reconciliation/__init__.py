"""Reconciling with the broker: KIS's daily reports read (broker_reports) and compared with
our fills and holdings, the runs recorded, missing fills created (compare).
Docs: docs/reconciliation.md.
"""

from trading.reconciliation import broker_reports
from trading.reconciliation.compare import (
    CONVENTIONS,
    OUR_CONVENTION,
    Result,
    compare,
    create_missing,
    describe,
    fill_line,
    missing_fills,
    record,
    shown,
)

__all__ = [
    "CONVENTIONS",
    "OUR_CONVENTION",
    "Result",
    "broker_reports",
    "compare",
    "create_missing",
    "describe",
    "fill_line",
    "missing_fills",
    "record",
    "shown",
]
