"""The candlestick chart: bars of one symbol with the trades drawn on them.

It shows bars (marketdata) and fills (trading) together, so it lives here. Ranges with
more than MAX_CANDLES bars are bucketed on the server (time_bucket on TimescaleDB,
date_bin elsewhere), so a page never ships more than that many candles.
"""

import datetime as dt

from django.db import connection
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from marketdata import timescale
from marketdata.admin_views import VIEW, RangeForm, page_context, require
from marketdata.models import Interval, MarketData
from trading.models import Trade

MAX_CANDLES = 5000
MAX_TRADES = 2000
# Bucket widths to choose from, smallest first.
BUCKETS = [
    dt.timedelta(minutes=m)
    for m in (1, 2, 3, 5, 10, 15, 30, 60, 120, 240, 24 * 60, 2 * 24 * 60, 7 * 24 * 60, 28 * 24 * 60)
]
DEFAULT_SPAN = {
    Interval.DAY: dt.timedelta(days=365),
    Interval.WEEK: dt.timedelta(days=5 * 365),
    Interval.MONTH: dt.timedelta(days=10 * 365),
}


def _range(form):
    first, after = form.bounds()
    data = form.cleaned_data
    if first is None or after is None:
        newest = (
            MarketData.objects.filter(symbol=data["symbol"], interval_type=data["interval"])
            .order_by("-time")
            .values_list("time", flat=True)
            .first()
        )
        if newest is None:
            return None, None
        after = after or newest + dt.timedelta(seconds=1)
        first = first or after - DEFAULT_SPAN.get(data["interval"], dt.timedelta(days=5))
    return first, after


def candles(symbol, interval, first, after):
    """(bucket width or None, rows of (time, open, high, low, close, volume))."""
    where = "symbol = %s AND interval_type = %s AND time >= %s AND time < %s"
    params = [symbol, interval, first, after]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM market_data WHERE {where} LIMIT %s) x",
            [*params, MAX_CANDLES + 1],
        )
        if cursor.fetchone()[0] <= MAX_CANDLES:
            cursor.execute(
                f"SELECT time, open, high, low, close, volume FROM market_data WHERE {where} "
                "ORDER BY time",
                params,
            )
            return None, cursor.fetchall()
        cursor.execute(f"SELECT min(time), max(time) FROM market_data WHERE {where}", params)
        low, high = cursor.fetchone()
        width = next((b for b in BUCKETS if (high - low) / b < MAX_CANDLES), BUCKETS[-1])
        bucket = (
            "time_bucket(%s::interval, time)"
            if timescale.detect(connection).installed
            else "date_bin(%s::interval, time, TIMESTAMPTZ '2000-01-03 00:00:00+09')"
        )
        cursor.execute(
            f"SELECT {bucket} AS t, (array_agg(open ORDER BY time))[1], max(high), min(low), "
            f"(array_agg(close ORDER BY time DESC))[1], sum(volume) "
            f"FROM market_data WHERE {where} GROUP BY 1 ORDER BY 1",
            [width, *params],
        )
        return width, cursor.fetchall()


def chart_data(site, request):
    require(request, VIEW)
    require(request, "trading.view_trade")
    form = RangeForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    first, after = _range(form)
    result = {
        "symbol": data["symbol"],
        "interval": data["interval"],
        "bucket": None,
        "candles": {k: [] for k in "tohlcv"},
        "trades": [],
    }
    if first is None:
        return JsonResponse(result)
    width, rows = candles(data["symbol"], data["interval"], first, after)
    result["bucket"] = str(width) if width else None
    for key, column in zip("tohlcv", zip(*rows, strict=True), strict=False):
        result["candles"][key] = [v.isoformat() if key == "t" else float(v) for v in column]
    fills = (
        Trade.objects.filter(symbol=data["symbol"], executed_at__gte=first, executed_at__lt=after)
        .order_by("executed_at")
        .values_list("executed_at", "price", "side", "quantity", "strategy")[:MAX_TRADES]
    )
    result["trades"] = [
        {"t": t.isoformat(), "price": float(p), "side": s, "quantity": q, "strategy": st}
        for t, p, s, q, st in fills
    ]
    result["from"], result["to"] = first.isoformat(), after.isoformat()
    return JsonResponse(result)


def chart_page(site, request):
    require(request, VIEW)
    form = RangeForm(request.GET or None)
    return TemplateResponse(
        request,
        "admin/marketdata/chart.html",
        page_context(
            site,
            request,
            _("Chart"),
            form=form,
            query=request.GET.urlencode() if form.is_valid() else "",
        ),
    )
