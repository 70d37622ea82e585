"""Where the market-data pages of one stock are, for links from every list and page."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode


def _page(name: str, **query) -> str:
    return f"{reverse(f'admin:{name}')}?{urlencode(query)}"


def chart(symbol: str, *, interval: str = "1d", at: dt.datetime | None = None) -> str:
    """The chart of `symbol`; with `at`, around that moment (the chart picks the finest
    bars of that day)."""
    if at:
        return _page("marketdata_chart", symbol=symbol, at=timezone.localtime(at).isoformat())
    return _page("marketdata_chart", symbol=symbol, interval=interval)


def bars(symbol: str, *, interval: str = "1d") -> str:
    return _page("marketdata_browser", symbol=symbol, interval=interval)


def coverage(symbol: str) -> str:
    return _page("marketdata_coverage", symbol=symbol)


def stock(symbol: str) -> str:
    return reverse("admin:marketdata_stockmetadata_change", args=[symbol])
