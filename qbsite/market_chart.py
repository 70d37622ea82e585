"""The candlestick chart: bars of one symbol with the trades drawn on them.

It shows bars (marketdata) and fills (trading) together, so it lives here. A series asked
for at an interval it has no bars of, such as 15 minutes of a symbol with 1-minute bars, is
made from the finer bars; ranges with more than MAX_CANDLES bars are made into wider
candles. Both read TimescaleDB's continuous aggregates where they fit, else bucket the bars
on the server (time_bucket or date_bin, aligned to midnight in Korea; see
marketdata/timescale/aggregates.py), so a page never ships more than that many candles.

Every time the chart shows is Korea time (TIME_ZONE), labelled here: the browser draws the
candles on a category axis of these labels, one after the other, so the nights, weekends
and holidays between sessions take no room, and a daily candle reads as its session date.
"""

import bisect
import datetime as dt

from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from display import colours
from marketdata import coarser, facts, links, reads
from marketdata.admin.views import VIEW, RangeForm, page_context, require
from marketdata.models import Interval, MarketData, StockMetadata
from trading import access
from trading.models import Position, Side, Trade

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
WHOLE_DAYS = {Interval.DAY, Interval.WEEK, Interval.MONTH}
# The words the chart draws, translated here so that the script holds none.
WORDS = {
    "open": _("open"),
    "high": _("high"),
    "low": _("low"),
    "close": _("close"),
    "volume": _("volume"),
    "price": _("price (KRW)"),
    "buy": _("buy"),
    "sell": _("sell"),
}


def day_after_bar(time: dt.datetime, interval: str) -> dt.datetime:
    """Midnight (Korea time) after the last moment of the bar that starts at `time`: a range
    ending there holds every fill of the bar's last day, those after its close too."""
    last_moment = time + facts.closes_after().get(interval, dt.timedelta(minutes=1))
    last_day = timezone.localtime(last_moment - dt.timedelta(microseconds=1)).date()
    return dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time(), timezone.get_current_timezone()
    )


def _range(form, source):
    first, after = form.bounds()
    data = form.cleaned_data
    if first is None or after is None:
        newest = (
            MarketData.objects.filter(symbol=data["symbol"], interval_type=source)
            .order_by("-time")
            .values_list("time", flat=True)
            .first()
        )
        if newest is None:
            return None, None
        after = after or day_after_bar(newest, data["interval"])
        first = first or after - DEFAULT_SPAN.get(data["interval"], dt.timedelta(days=5))
    return first, after


def candles(symbol, interval, first, after, *, source=None):
    """(bucket width or None, rows of (time, open, high, low, close, volume)). Bars of
    `source` (a finer interval, when `interval` has none of its own) are made into candles
    of `interval`, or wider where the range holds too many."""
    source = source or interval
    where = "symbol = %s AND interval_type = %s AND time >= %s AND time < %s"
    params = [symbol, source, first, after]
    width = None if source == interval else coarser.bar_width(interval)
    connection = reads.connection()
    with connection.cursor() as cursor:
        if width is None:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM market_data WHERE {where} LIMIT %s) x",
                [*params, MAX_CANDLES + 1],
            )
            if cursor.fetchone()[0] <= MAX_CANDLES:
                cursor.execute(
                    f"SELECT time, open, high, low, close, volume FROM market_data "
                    f"WHERE {where} ORDER BY time",
                    params,
                )
                return None, cursor.fetchall()
        cursor.execute(f"SELECT min(time), max(time) FROM market_data WHERE {where}", params)
        low, high = cursor.fetchone()
    if low is None:
        return width, []
    needed = next((b for b in BUCKETS if (high - low) / b < MAX_CANDLES), BUCKETS[-1])
    width = max(width or needed, needed)
    rows = coarser.read(
        connection, symbol=symbol, interval=source, width=width, first=first, after=after
    )
    return width, rows


def label(moment: dt.datetime, *, whole_days: bool) -> str:
    """How the chart names a candle: its session date, or its Korea-time start."""
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d}" if whole_days else f"{local:%Y-%m-%d %H:%M}"


def place(fill_times, candle_times):
    """For each fill, the index of the candle it happened in: the last one that starts at
    or before it (the first candle for fills before any)."""
    return [max(bisect.bisect_right(candle_times, t) - 1, 0) for t in fill_times]


def width_text(width: dt.timedelta) -> str:
    minutes = int(width.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def note(candle_count: int, trade_count: int, width: dt.timedelta | None) -> str:
    """ "60 candles, 2 trades", or "1,200 candles of 5 minutes, 3 trades" when bucketed."""
    candles_text = ngettext("%(count)s candle", "%(count)s candles", candle_count) % {
        "count": f"{candle_count:,}"
    }
    if width:
        candles_text = gettext("%(candles)s of %(width)s") % {
            "candles": candles_text,
            "width": width_text(width),
        }
    trades_text = ngettext("%(count)s trade", "%(count)s trades", trade_count) % {
        "count": f"{trade_count:,}"
    }
    return gettext("%(candles)s, %(trades)s") % {"candles": candles_text, "trades": trades_text}


def fill_text(fill: tuple) -> str:
    """A fill's hover text: what, at what price, by which strategy in which account on which
    venue, when (Korea time). `fill`: (executed_at, price, side, quantity, strategy, account
    code, venue)."""
    moment, price, side, quantity, strategy, account, venue = fill
    what = gettext("%(side)s %(quantity)s @ %(price)s") % {
        "side": Side(side).label,
        "quantity": f"{quantity:,}",
        "price": f"{price:,.0f}" if price == price.to_integral_value() else f"{price:,.2f}",
    }
    where = f"{strategy}, {account} {venue}"
    return f"{what} ({where})<br>{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"


def title(symbol: str) -> str:
    """ "005930 삼성전자", or the code alone for a stock we have no name for."""
    name = StockMetadata.objects.filter(symbol=symbol).values_list("name", flat=True).first()
    return f"{symbol} {name}" if name else symbol


def chart_data(site, request):
    require(request, VIEW)
    require(request, "trading.view_trade")
    form = RangeForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    source = coarser.stored_source(data["symbol"], data["interval"])
    first, after = _range(form, source)
    result = {
        "symbol": data["symbol"],
        "title": title(data["symbol"]),
        "interval": data["interval"],
        "bucket": None,
        "candles": {k: [] for k in "tohlcv"},
        "trades": [],
        "words": WORDS,
        # Rising candles and buys in the "up" colour of the convention, the others "down".
        "colours": colours.palette().as_dict(),
        "note": note(0, 0, None),
    }
    if first is None:
        return JsonResponse(result)
    width, rows = candles(data["symbol"], data["interval"], first, after, source=source)
    result["bucket"] = str(width) if width else None
    whole_days = data["interval"] in WHOLE_DAYS or (width or dt.timedelta()) >= dt.timedelta(1)
    times = [row[0] for row in rows]
    result["candles"]["t"] = [label(t, whole_days=whole_days) for t in times]
    for key, column in zip("ohlcv", list(zip(*rows, strict=True))[1:], strict=False):
        result["candles"][key] = [float(v) for v in column]
    trades = access.restrict(Trade.objects, request.user).filter(
        symbol=data["symbol"], executed_at__gte=first, executed_at__lt=after
    )
    account = request.GET.get("account", "")
    if account.isdigit():
        trades = trades.filter(account_id=int(account))
    fills = list(
        trades.order_by("executed_at").values_list(
            "executed_at", "price", "side", "quantity", "strategy", "account__code", "venue"
        )[:MAX_TRADES]
    )
    if times:
        candle_labels = result["candles"]["t"]
        result["trades"] = [
            {
                "x": candle_labels[n],
                "price": float(fill[1]),
                "side": fill[2],
                "account": fill[5],
                "text": fill_text(fill),
            }
            for n, fill in zip(place([f[0] for f in fills], times), fills, strict=True)
        ]
    result["note"] = note(len(times), len(result["trades"]), width)
    result["from"] = timezone.localtime(first).isoformat()
    result["to"] = timezone.localtime(after).isoformat()
    return JsonResponse(result)


def largest_position(user) -> str | None:
    """The symbol of the largest open position `user` may see: what the chart opens on."""
    held = access.restrict(Position.objects.filter(quantity__gt=0), user)
    return (
        held.order_by(F("market_value").desc(nulls_last=True))
        .values_list("symbol", flat=True)
        .first()
    )


def around(symbol: str, moment: dt.datetime) -> dict:
    """The range a chart "around" `moment` shows: that day at the finest interval the
    symbol has bars of then, else a quarter of daily bars around it."""
    day = timezone.localdate(moment)
    first = dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())
    held = {i for _, i in facts.series(symbol=symbol)}
    for interval in (i for i in facts.MINUTES if i in held):
        bars = MarketData.objects.filter(symbol=symbol, interval_type=interval)
        if bars.filter(time__gte=first, time__lt=first + dt.timedelta(days=1)).exists():
            return {"interval": interval, "start": day, "end": day}
    return {
        "interval": Interval.DAY,
        "start": day - dt.timedelta(days=90),
        "end": day + dt.timedelta(days=30),
    }


def moment_from(text: str) -> dt.datetime | None:
    """An ISO date-time from a URL (Korea time when it has no zone); None if it is not one."""
    try:
        moment = parse_datetime(text[:40])
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def chart_page(site, request):
    """The chart of the range asked for. Without one, the largest position's daily bars;
    with ?at=<moment>, the range around it (links from a fill)."""
    require(request, VIEW)
    if not request.GET:
        symbol = largest_position(request.user)
        if symbol:
            return redirect(links.chart(symbol))
    if "at" in request.GET:
        form = RangeForm({"symbol": request.GET.get("symbol", ""), "interval": Interval.DAY})
        moment = moment_from(request.GET["at"])
        if form.is_valid() and moment is not None:
            symbol = form.cleaned_data["symbol"]
            params = {"symbol": symbol, **around(symbol, moment)}
            return redirect(f"{reverse('admin:marketdata_chart')}?{urlencode(params)}")
    form = RangeForm(request.GET or None)
    query = form.query() if form.is_valid() else ""
    if query and request.GET.get("account"):
        query += "&" + urlencode({"account": request.GET["account"]})
    accounts = [("", _("every account"))] + [
        (str(a.pk), f"{a.code} {a.name}") for a in access.visible_accounts(request.user)
    ]
    return TemplateResponse(
        request,
        "admin/marketdata/chart.html",
        page_context(
            site,
            request,
            _("Chart"),
            form=form,
            query=query,
            # Whose fills the chart marks (chart_data filters on ?account=).
            extra_selects=[
                {
                    "name": "account",
                    "label": _("fills of"),
                    "choices": accounts,
                    "value": request.GET.get("account", ""),
                }
            ],
        ),
    )
