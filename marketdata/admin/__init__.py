"""The admin of market data: stock metadata, the load history and its undo, and the pages
of bars (browser, coverage, hypertable, delete range) that the admin site mounts.
Docs: docs/admin.md, docs/loading.md.
"""

from marketdata.admin import loads, stocks  # noqa: F401 (they register their admin classes)
