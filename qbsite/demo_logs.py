"""The demo's system logs of its last sessions, made from what happened in them:
- an "Order filled" line at each fill's moment, naming its broker order and symbol (the log
  list links them to the fills and the chart);
- the access token refreshed (once in a while, failing) and the quote subscription, just
  before each day's first session;
- the engine's other lines (signals, heartbeats, lagging quotes, rejected orders, a
  dropped connection) at moments inside that day's trading hours, Nextrade's included.
"""

import datetime as dt

from marketdata.sessions import KST
from qbsite.demo_fills import STRATEGIES, Hours, moment_in
from qbsite.demo_market import STOCKS
from trading.models import Level, SystemLog, Venue

COUNT = 600
BEFORE_THE_OPEN = dt.time(7, 50)  # the engine starts ten minutes before Nextrade opens
SYMBOLS = [s.symbol for s in STOCKS]

# level, component, message, extra, weight: the lines of the trading hours
LINES = [
    (Level.INFO, "strategy", "Signal evaluated", lambda r: {"symbol": r.choice(SYMBOLS)}, 25),
    (Level.DEBUG, "scheduler", "Heartbeat", lambda r: {}, 20),
    (
        Level.WARNING,
        "collector",
        "Quote feed lagging",
        lambda r: {"latency_ms": r.randint(800, 4000)},
        6,
    ),
    (
        Level.WARNING,
        "risk",
        "Exposure above 80% of limit",
        lambda r: {"exposure": round(r.uniform(0.8, 0.95), 3)},
        4,
    ),
    (
        Level.ERROR,
        "broker.kis",
        "Order rejected: insufficient buying power",
        lambda r: {"code": "APBK0919", "symbol": r.choice(SYMBOLS)},
        3,
    ),
    (Level.ERROR, "collector", "WebSocket disconnected", lambda r: {"retry_in_s": 5}, 2),
]
TOKEN_FAILS = 0.2  # of the mornings, the first refresh of the access token fails


def filled(trade) -> SystemLog:
    return SystemLog(
        timestamp=trade.executed_at,
        level=Level.INFO,
        component="broker.kis",
        message="Order filled",
        extra={
            "order_id": trade.broker_order_id,
            "symbol": trade.symbol,
            "side": trade.side,
            "quantity": trade.quantity,
            "price": int(trade.price),
            "venue": trade.venue,
        },
    )


def morning(rng, day: dt.date) -> list[SystemLog]:
    """The engine's start of `day`: its access token, then the quote subscription."""
    start = dt.datetime.combine(day, BEFORE_THE_OPEN, KST) + dt.timedelta(seconds=rng.randrange(60))
    rows = []
    if rng.random() < TOKEN_FAILS:
        rows.append(
            SystemLog(
                timestamp=start,
                level=Level.CRITICAL,
                component="broker.kis",
                message="Access token refresh failed",
                extra={"status": 500, "retry_in_s": 30},
            )
        )
        start += dt.timedelta(seconds=30)
    rows.append(
        SystemLog(
            timestamp=start + dt.timedelta(seconds=rng.randrange(1, 60)),
            level=Level.INFO,
            component="collector",
            message="Subscribed to real-time quotes",
            extra={"symbols": len(STOCKS)},
        )
    )
    return rows


def logs(rng, *, days: list[dt.date], fills, now: dt.datetime, count: int = COUNT) -> list:
    """The log lines of `days` (sessions, oldest first), oldest first: `count` in all, unless
    the fills alone are more."""
    first = dt.datetime.combine(days[0], dt.time(), KST)
    rows = [filled(t) for t in fills if t.executed_at >= first]
    hours = Hours(days, now)
    trading = {}
    for day in days:
        rows += morning(rng, day)
        trading[day] = hours.of(day, Venue.NXT) or hours.of(day, Venue.KRX)
    weights = [line[-1] for line in LINES]
    while len(rows) < count:
        level, component, message, extra, _ = rng.choices(LINES, weights)[0]
        if component == "strategy":
            component = f"strategy.{rng.choice(STRATEGIES)}"
        rows.append(
            SystemLog(
                timestamp=moment_in(rng, trading[rng.choice(days)]),
                level=level,
                component=component,
                message=message,
                extra=extra(rng),
            )
        )
    rows.sort(key=lambda row: row.timestamp)
    return rows
