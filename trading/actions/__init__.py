"""Corporate actions in the trading wing: reading them from files (imports, ksd), what they do
to holdings (effects) and the cash dividends they pay (dividends). The model and the price
factors are market facts: marketdata/actions.py. Docs: docs/corporate-actions.md."""

from trading.actions.dividends import dividend_payments, withheld
from trading.actions.effects import FractionCash, actions_until, apply, effective_at
from trading.actions.errors import ActionFileError, Problem
from trading.actions.imports import import_file

__all__ = [
    "ActionFileError",
    "FractionCash",
    "Problem",
    "actions_until",
    "apply",
    "dividend_payments",
    "effective_at",
    "import_file",
    "withheld",
]
