"""Figures computed from fills and bars: daily strategy performance (performance) and the
portfolio's risk metrics (risk). Docs: docs/computations.md."""
