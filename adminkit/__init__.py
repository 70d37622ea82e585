"""Admin plumbing both wings use: the history admin, sheet imports (private storage, limits,
preview) and exports, the cell readers and the batch validation behind them, and formula
quoting. Below `marketdata` and `trading`, above `display`; it knows no model of theirs.

Docs: docs/admin.md (imports and exports), docs/security.md.
"""
