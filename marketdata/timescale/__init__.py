"""The TimescaleDB side of `market_data`: the hypertable, compression and retention
(hypertable), the per-day bar counts (day_counts), the continuous aggregates of coarser
bars (aggregates), what the server holds (introspection), pruning, and `setup.apply`, the
one function that owns the set-up order.

May import the ground floor of `marketdata` (models, sessions); never the loader or the
admin (an import-linter contract says so). Docs: docs/timescaledb.md.
"""
