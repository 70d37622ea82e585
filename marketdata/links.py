"""Where the market-data pages of one stock are, for links from every list and page."""

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.http import urlencode


@lru_cache(maxsize=64)
def _path(name: str, prefix: str, urlconf: str) -> str:
    """A page's path, worked out once: lists link every row to a page."""
    return reverse(f"admin:{name}", urlconf=urlconf)


def _page(name: str, **query) -> str:
    path = _path(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{path}?{urlencode(query)}"


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
