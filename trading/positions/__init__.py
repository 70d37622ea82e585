"""Positions rebuilt from fills: the replay of fills at moving-average cost (accounting) and
the rebuild, reconciliation and staleness of the stored positions (rebuild).
Docs: docs/computations.md.
"""

from trading.positions.accounting import Holding, OversellError, replay
from trading.positions.rebuild import (
    Difference,
    Reconciliation,
    StalePosition,
    rebuild,
    recompute,
    reconcile,
    stale,
    stale_summary,
    trades_in_order,
)

__all__ = [
    "Difference",
    "Holding",
    "OversellError",
    "Reconciliation",
    "StalePosition",
    "rebuild",
    "recompute",
    "reconcile",
    "replay",
    "stale",
    "stale_summary",
    "trades_in_order",
]
