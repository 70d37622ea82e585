"""The demo's accounts and fills: three strategies' orders over the last sessions, each
filled at a moment its venue trades, at a price the demo's own bars allow.

- Venue: KRX, or Nextrade (from its first day) for about a third of the fills.
- Moment: a second inside one of the venue's stretches of continuous trading that day, as
  marketdata/sessions.py gives them (KRX 09:00-15:20, before the closing auction; Nextrade
  08:00-08:50, 09:00-15:20 and 15:30-20:00), in a stretch that has ended by now.
- Price: inside the 1-minute bar of its minute where the demo has one, else inside the
  day's high-low, nearer the open early in the day and the close late; on the tick grid.
- Sells never exceed what the strategy holds. One fill per broker order.
"""

import datetime as dt
from decimal import Decimal

from marketdata import sessions as krx
from qbsite.demo_market import STOCKS, Market, grid
from trading import fills as assessing
from trading.models import DEFAULT_ACCOUNT, Account, CommissionSchedule, Side, Trade, Venue

STRATEGIES = ("momentum", "mean_reversion", "pairs_kospi")
# code, name, KIS account number, its strategies, commission rate on KRX and on Nextrade
ACCOUNTS = [
    ("MAIN", "Main", "12345678-01", ("momentum", "mean_reversion"), "0.00015", "0.00012"),
    ("PAIRS", "Pairs", "87654321-01", ("pairs_kospi",), "0.0001", "0.00008"),
]
NXT_SHARE = 0.3  # of the fills, executed on Nextrade
PROFILES = {Venue.KRX: "krx", Venue.NXT: "krx+nxt"}


def accounts(first_day: dt.date) -> dict[str, Account]:
    """The demo accounts with their commission schedules, by strategy."""
    by_strategy = {}
    # The first demo account takes over the empty default account the migration made.
    default = Account.objects.filter(code=DEFAULT_ACCOUNT).first()
    for code, name, number, strategies, krx_rate, nxt_rate in ACCOUNTS:
        account = default or Account()
        default = None
        account.code, account.name, account.broker, account.number = code, name, "KIS", number
        account.save()
        CommissionSchedule.objects.bulk_create(
            CommissionSchedule(account=account, venue=venue, valid_from=first_day, rate=rate)
            for venue, rate in ((Venue.KRX, Decimal(krx_rate)), (Venue.NXT, Decimal(nxt_rate)))
        )
        by_strategy |= dict.fromkeys(strategies, account)
    return by_strategy


class Hours:
    """When each venue trades on the demo's days: the stretches of continuous trading that
    have ended by `now`, from two calendar look-ups for all the days."""

    def __init__(self, days: list[dt.date], now: dt.datetime):
        self.now = now
        self.sessions = {
            venue: {s.date: s for s in krx.sessions(days[0], days[-1], profile=profile)}
            for venue, profile in PROFILES.items()
        }

    def krx_session(self, day: dt.date) -> krx.Session:
        return self.sessions[Venue.KRX][day]

    def of(self, day: dt.date, venue: str) -> list[tuple[dt.datetime, dt.datetime]]:
        """(start, end) of each stretch of continuous trading of `venue` on `day`."""
        windows = self.sessions[venue][day].windows
        return [(start, end) for start, end in windows if end <= self.now]


def moment_in(rng, hours: list[tuple]) -> dt.datetime:
    """A whole second inside one of `hours`, each as likely as its length."""
    lengths = [int((end - start).total_seconds()) for start, end in hours]
    (n,) = rng.choices(range(len(hours)), weights=lengths)
    return hours[n][0] + dt.timedelta(seconds=rng.randrange(lengths[n]))


def order(rng, day: dt.date, hours: Hours) -> tuple[dt.datetime, str]:
    """(moment, venue) of one order of `day`."""
    nxt = day >= krx.NXT_FIRST_DAY and rng.random() < NXT_SHARE
    venue = Venue.NXT if nxt else Venue.KRX
    if not hours.of(day, venue):
        venue = Venue.KRX
    return moment_in(rng, hours.of(day, venue)), venue


def fill_price(rng, *, market: Market, hours: Hours, symbol: str, moment: dt.datetime) -> Decimal:
    """A price on the tick grid inside the bar of `moment`'s minute, or inside its day's
    high-low, where the day's walk would be then, give or take."""
    minute = market.minute(symbol, moment)
    if minute is not None:
        return Decimal(grid(rng.uniform(minute.low, minute.high)))
    day = moment.astimezone(krx.KST).date()
    bar = market.day(symbol, day)
    session = hours.krx_session(day)
    elapsed = (moment - session.open) / (session.close - session.open)
    share = min(1.0, max(0.0, elapsed))
    target = bar.open + (bar.close - bar.open) * share + rng.gauss(0, (bar.high - bar.low) / 6)
    return Decimal(grid(min(bar.high, max(bar.low, target))))


def trades(rng, *, days: list[dt.date], market: Market, accounts, now: dt.datetime) -> list:
    """The fills of `days`, in time order (so that a sell never comes before the buy it
    sells from)."""
    hours = Hours(days, now)
    held: dict[tuple[str, str], int] = {}
    fills, order_ids = [], set()
    for day in days:
        for moment, venue in sorted(order(rng, day, hours) for _ in range(rng.randint(2, 6))):
            strategy = rng.choice(STRATEGIES)
            symbol = rng.choice(STOCKS).symbol
            price = fill_price(rng, market=market, hours=hours, symbol=symbol, moment=moment)
            holding = held.get((strategy, symbol), 0)
            if holding and rng.random() < 0.45:
                side, quantity = Side.SELL, rng.choice([holding, max(1, holding // 2)])
            else:
                side = Side.BUY
                quantity = max(1, int(rng.uniform(2_000_000, 10_000_000) / float(price)))
            held[strategy, symbol] = holding + (quantity if side == Side.BUY else -quantity)
            fills.append(
                Trade(
                    account=accounts[strategy],
                    venue=venue,
                    symbol=symbol,
                    side=side,
                    quantity=quantity,
                    price=price,
                    strategy=strategy,
                    broker_order_id=_order_id(rng, order_ids),
                    executed_at=moment,
                )
            )
    return fills


def _order_id(rng, taken: set) -> str:
    """A KIS order number (odno, ten digits) no other demo order has."""
    while (order_id := f"{rng.randint(0, 99_999_999):010d}") in taken:
        continue
    taken.add(order_id)
    return order_id


def charge(fills) -> None:
    """Charge each fill what its account's schedule and the tax in force on its settlement
    date say, except one sell, charged the 2024 KOSDAQ rate (0.18 %) so that the check has
    something to show."""
    assessing.assess(fills)
    for trade in fills:
        trade.commission, trade.tax = trade.expected_commission, trade.expected_tax
        trade.charges_differ = False
    wrong = next(
        (t for t in reversed(fills) if t.side == Side.SELL and t.expected_special_tax == 0),
        None,
    )
    if wrong is not None:
        wrong.tax = (wrong.quantity * wrong.price * Decimal("0.0018")).quantize(Decimal(1))
        wrong.charges_differ = assessing.differs(wrong.tax, wrong.expected_tax)
