"""The load pipeline of market data and stock metadata: a file's head read in Python
(sources, formats), the body streamed through COPY into staging SQL (staging, ways), the
write, the record of every load (history) and its undo, and the listings of stocks.

Others use: `loading.load` / `loading.Options` (the command, the demo), `LoadError`,
`history` and `undo` (the admin of loads), `listing` (load_stock_metadata, the imports).
May import the TimescaleDB package and the ground floor; never the admin.

Docs: docs/loading.md.
"""
