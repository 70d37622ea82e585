"""What a fill should have cost: the commission of its account's schedule and the taxes in
force on its settlement date (taxes), compared with what it was charged (charges), and
the price checks against the tick grid and the daily limit. Docs: docs/accounts-and-fees.md.
"""

from trading.fills import taxes
from trading.fills.charges import Assessment, assess, differs, reassess, trade_date

__all__ = ["Assessment", "assess", "differs", "reassess", "taxes", "trade_date"]
