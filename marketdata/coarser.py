"""Coarser bars for the chart and the bars browser: from the widest continuous aggregate
whose width divides the width asked (marketdata/timescale/aggregates.py), else by
bucketing the bars themselves."""

import datetime as dt

from psycopg2 import sql

from marketdata import facts
from marketdata.models import Interval
from marketdata.timescale import hypertable as timescale
from marketdata.timescale.aggregates import ORIGIN, SOURCE, Aggregate, existing


def bar_width(interval: str) -> dt.timedelta | None:
    """The fixed width of an interval's bars; None for months."""
    return facts.step(interval) or {
        Interval.DAY: dt.timedelta(days=1),
        Interval.WEEK: dt.timedelta(days=7),
    }.get(interval)


def stored_source(symbol: str, interval: str) -> str:
    """The interval to read for a series of `symbol` at `interval`: its own bars, or, when
    it has none, the 1-minute bars they can be made from."""
    if (
        interval == SOURCE
        or bar_width(interval) is None
        or facts.series(symbol=symbol, interval=interval)
    ):
        return interval
    return SOURCE if facts.series(symbol=symbol, interval=SOURCE) else interval


def source_for(width: dt.timedelta, aggregates: list[Aggregate]) -> Aggregate | None:
    """The widest aggregate whose width divides `width`."""
    fitting = [a for a in aggregates if width % a.width == dt.timedelta(0)]
    return fitting[-1] if fitting else None


def read(
    connection,
    *,
    symbol: str,
    interval: str,
    width: dt.timedelta,
    first: dt.datetime | None,
    after: dt.datetime | None,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[tuple]:
    """Bars of `width` made from the `interval` bars of `symbol` in [first, after): rows of
    (time, open, high, low, close, volume), oldest first unless `newest_first`."""
    params: list = []
    aggregate = source_for(width, existing(connection)) if interval == SOURCE else None
    if aggregate is not None:
        source = sql.SQL("{} WHERE symbol = %s").format(sql.Identifier(aggregate.view))
        params.append(symbol)
    else:
        source = sql.SQL("market_data WHERE symbol = %s AND interval_type = %s")
        params += [symbol, interval]
    for bound, operator in ((first, ">="), (after, "<")):
        if bound is not None:
            source += sql.SQL(" AND time {} %s").format(sql.SQL(operator))
            params.append(bound)
    order = sql.SQL("DESC" if newest_first else "")
    tail = sql.SQL(" LIMIT {}").format(sql.Literal(limit)) if limit else sql.SQL("")
    if aggregate is not None and aggregate.width == width:
        query = sql.SQL(
            "SELECT time, open, high, low, close, volume FROM {source} ORDER BY time {order}"
        ).format(source=source, order=order)
        with connection.cursor() as cursor:
            cursor.execute(query + tail, params)
            return cursor.fetchall()
    function = "time_bucket" if timescale.detect(connection).installed else "date_bin"
    query = sql.SQL(
        "SELECT {function}(%s::interval, time, %s::timestamptz) AS t, "
        "(array_agg(open ORDER BY time))[1], max(high), min(low), "
        "(array_agg(close ORDER BY time DESC))[1], sum(volume) "
        "FROM {source} GROUP BY 1 ORDER BY 1 {order}"
    ).format(function=sql.SQL(function), source=source, order=order)
    with connection.cursor() as cursor:
        cursor.execute(query + tail, [width, ORIGIN, *params])
        return cursor.fetchall()
