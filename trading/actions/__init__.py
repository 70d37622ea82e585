"""Corporate actions in the trading wing: reading them from files (imports, ksd), what they do
to holdings (effects) and the cash dividends they pay (dividends). The model and the price
factors are market facts: marketdata/actions.py. Docs: docs/corporate-actions.md."""

from trading.actions.effects import FractionCash, actions_until, apply, effective_at

__all__ = ["FractionCash", "actions_until", "apply", "effective_at"]
