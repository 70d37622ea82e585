"""Bars as canonical CSV, streamed straight from PostgreSQL.

`COPY (SELECT ...) TO STDOUT` writes the rows many times faster than Python formatting them
one by one. The range is read in chunks of CHUNK bars in time order, each chunk one COPY
that starts after the last bar of the one before, so that memory stays flat whatever the
range holds and no transaction stays open while the client reads. Times are written in
Korea time with their offset, as the loader reads them back.

The caller streams the chunks; a failure halfway raises, and the server then breaks off the
response (with chunked transfer the client sees an incomplete body), so a cut-off export
never looks like a whole file.
"""

import datetime as dt
import io
from collections.abc import Iterator

from django.db import connections, transaction
from psycopg2 import sql

from marketdata.sessions import MARKET_TIME_ZONE

COLUMNS = ("time", "symbol", "interval_type", "open", "high", "low", "close", "volume")
CHUNK = 100_000
SLICE = 1 << 20  # bytes handed to the server at a time

QUERY = sql.SQL(
    "COPY (SELECT to_char(time, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), symbol, interval_type, "
    "open, high, low, close, volume FROM market_data "
    "WHERE symbol = %(symbol)s AND interval_type = %(interval)s AND time > %(after)s "
    "AND time >= %(first)s AND time < %(end)s ORDER BY time LIMIT %(limit)s) "
    "TO STDOUT WITH (FORMAT csv)"
)
# Beyond any bar: the range's open ends.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def _chunk(*, using: str, symbol: str, interval: str, first, end, after) -> bytes:
    connection = connections[using]
    out = io.BytesIO()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        # to_char writes the time in the session's zone: the market's, for this chunk only.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [MARKET_TIME_ZONE])
        statement = cursor.cursor.mogrify(
            QUERY,
            {
                "symbol": symbol,
                "interval": interval,
                "first": first,
                "end": end,
                "after": after,
                "limit": CHUNK,
            },
        )
        with connection.wrap_database_errors:  # psycopg2's own errors as Django's
            cursor.cursor.copy_expert(statement, out)
    return out.getvalue()


def canonical_csv(
    *,
    using: str,
    symbol: str,
    interval: str,
    first: dt.datetime | None,
    end: dt.datetime | None,
) -> Iterator[bytes]:
    """The bars of one series from `first` (included) to `end` (excluded), header first,
    read from the database `using` (chosen by the caller: the rows stream after the
    request's routing has ended)."""
    yield (",".join(COLUMNS) + "\n").encode()
    after = EARLIEST
    while True:
        data = _chunk(
            using=using,
            symbol=symbol,
            interval=interval,
            first=first or EARLIEST,
            end=end or LATEST,
            after=after,
        )
        for start in range(0, len(data), SLICE):
            yield data[start : start + SLICE]
        if data.count(b"\n") < CHUNK:
            return
        last_line = data[data.rfind(b"\n", 0, len(data) - 1) + 1 :]
        after = dt.datetime.fromisoformat(last_line.split(b",", 1)[0].decode())
