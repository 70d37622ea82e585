"""The demo's market: 21 real KRX stocks with about the shares they list, a year of daily
bars and the last sessions' 1-minute bars from a seeded random walk on the KRX tick grid,
loaded through the loader.

- A day with minutes is made minute by minute: a walk of a few prints a minute, each at the
  bid or the ask, livelier at the open and towards the close; its daily bar is what its
  minutes add up to (first open, highest high, lowest low, last close, total volume).
- A day without minutes is one daily bar of the same walk.
- The bars are written to our canonical CSV and loaded as `manage.py load_marketdata`
  loads a file, so the load history holds the demo's loads and each can be undone.
"""

import datetime as dt
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from marketdata import ticks
from marketdata.loader import loading
from marketdata.models import Interval, StockMetadata
from marketdata.sessions import KST, Session


class DemoError(Exception):
    """The demo data cannot be written as it is."""


class Stock(NamedTuple):
    symbol: str
    name: str
    name_en: str
    market: str
    sector: str
    price: int  # a plausible price to start the year's walk from
    shares: int  # listed common shares, about what each listed in 2025


STOCKS = [
    Stock("005930", "삼성전자", "Samsung Electronics", "KOSPI", "반도체", 72000, 5_919_637_922),
    Stock("000660", "SK하이닉스", "SK hynix", "KOSPI", "반도체", 180000, 728_002_365),
    Stock(
        "373220", "LG에너지솔루션", "LG Energy Solution", "KOSPI", "2차전지", 380000, 234_000_000
    ),
    Stock("207940", "삼성바이오로직스", "Samsung Biologics", "KOSPI", "바이오", 800000, 71_174_000),
    Stock("005380", "현대차", "Hyundai Motor", "KOSPI", "자동차", 240000, 204_757_766),
    Stock("000270", "기아", "Kia", "KOSPI", "자동차", 100000, 393_000_000),
    Stock("068270", "셀트리온", "Celltrion", "KOSPI", "바이오", 180000, 216_000_000),
    Stock("035420", "NAVER", "NAVER", "KOSPI", "인터넷", 190000, 158_437_008),
    Stock("035720", "카카오", "Kakao", "KOSPI", "인터넷", 45000, 442_000_000),
    Stock("051910", "LG화학", "LG Chem", "KOSPI", "화학", 380000, 70_592_343),
    Stock("006400", "삼성SDI", "Samsung SDI", "KOSPI", "2차전지", 400000, 68_764_530),
    Stock("005490", "POSCO홀딩스", "POSCO Holdings", "KOSPI", "철강", 400000, 84_571_230),
    Stock("105560", "KB금융", "KB Financial Group", "KOSPI", "금융", 70000, 381_000_000),
    Stock("055550", "신한지주", "Shinhan Financial Group", "KOSPI", "금융", 45000, 509_000_000),
    Stock("028260", "삼성물산", "Samsung C&T", "KOSPI", "유통", 140000, 170_000_000),
    Stock("012330", "현대모비스", "Hyundai Mobis", "KOSPI", "자동차부품", 230000, 92_000_000),
    Stock("247540", "에코프로비엠", "Ecopro BM", "KOSDAQ", "2차전지", 250000, 97_801_344),
    Stock("086520", "에코프로", "Ecopro", "KOSDAQ", "2차전지", 90000, 133_000_000),
    Stock("196170", "알테오젠", "Alteogen", "KOSDAQ", "바이오", 200000, 53_000_000),
    Stock("263750", "펄어비스", "Pearl Abyss", "KOSDAQ", "게임", 35000, 64_000_000),
    Stock("293490", "카카오게임즈", "Kakao Games", "KOSDAQ", "게임", 22000, 82_000_000),
]
DAY_SIGMA = 0.018  # the walk's daily volatility
DAY_DRIFT = 0.0003
GAP_SIGMA = 0.005  # of the open against the previous close
WICK_SIGMA = 0.008  # of a daily bar's high and low beyond its open and close
TURNOVER = {"KOSPI": 0.002, "KOSDAQ": 0.005}  # a day's volume on average, of the shares
PRINTS = 6  # trades a minute, which give it its open, high, low and close
OUT_OF_HOURS = 0.3  # Nextrade's pre- and after-market against the main session
MINUTE = dt.timedelta(minutes=1)
CSV_HEADER = "time,symbol,interval_type,open,high,low,close,volume\n"

_STEPS = tuple((int(below), int(size)) for below, size in ticks.STEPS)
_TOP_TICK = int(ticks.TOP_TICK)


def tick(price: float) -> int:
    """The tick at `price` (marketdata/ticks.py's table, in whole won)."""
    for below, size in _STEPS:
        if price < below:
            return size
    return _TOP_TICK


def grid(price: float, rounding=round) -> int:
    """`price` on the tick grid, rounded with `rounding` (round, math.floor, math.ceil). The
    grid of a band ends on a price of the next band's grid, so a price between two prices
    on the grid is never rounded past either."""
    size = tick(price)
    return max(size, int(rounding(price / size)) * size)


@dataclass(frozen=True, slots=True)
class Bar:
    time: dt.datetime
    symbol: str
    interval: str
    open: int
    high: int
    low: int
    close: int
    volume: int

    def csv_line(self) -> str:
        return (
            f"{self.time.isoformat(sep=' ')},{self.symbol},{self.interval},"
            f"{self.open},{self.high},{self.low},{self.close},{self.volume}\n"
        )


@dataclass
class Market:
    """The demo's bars: daily by (symbol, session date), 1-minute by (symbol, start)."""

    days: dict[tuple[str, dt.date], Bar] = field(default_factory=dict)
    minutes: dict[tuple[str, dt.datetime], Bar] = field(default_factory=dict)

    def day(self, symbol: str, day: dt.date) -> Bar:
        return self.days[symbol, day]

    def minute(self, symbol: str, moment: dt.datetime) -> Bar | None:
        """The 1-minute bar that `moment` falls in, if the demo has one."""
        start = moment.astimezone(KST).replace(second=0, microsecond=0)
        return self.minutes.get((symbol, start))

    def last_close(self, symbol: str) -> int:
        last = max(day for s, day in self.days if s == symbol)
        return self.days[symbol, last].close


def day_volume(rng, stock: Stock) -> int:
    return max(1, round(stock.shares * TURNOVER[stock.market] * rng.lognormvariate(0, 0.5)))


def day_bar(rng, *, stock: Stock, day: dt.date, previous_close: int) -> Bar:
    """One session as a daily bar only."""
    open_ = grid(previous_close * math.exp(rng.gauss(0, GAP_SIGMA)))
    close = grid(open_ * math.exp(rng.gauss(DAY_DRIFT, DAY_SIGMA)))
    high = grid(max(open_, close) * (1 + abs(rng.gauss(0, WICK_SIGMA))), math.ceil)
    low = grid(min(open_, close) * (1 - abs(rng.gauss(0, WICK_SIGMA))), math.floor)
    midnight = dt.datetime.combine(day, dt.time(), KST)
    return Bar(
        midnight, stock.symbol, Interval.DAY, open_, high, low, close, day_volume(rng, stock)
    )


def liveliness(count: int) -> list[float]:
    """How much each minute of a stretch of `count` minutes moves and trades, against a
    quiet midday minute: most just after the open, more again towards the end."""
    return [
        1 + 1.5 * math.exp(-n / 20) + 0.7 * math.exp(-(count - 1 - n) / 30) for n in range(count)
    ]


def minute_bars(rng, *, stock: Stock, session: Session, previous_close: int) -> list[Bar]:
    """The 1-minute bars of one session, at the starts the session expects (QB_SESSIONS)."""
    slots, weights = [], []
    for first, count in session.spans(MINUTE):
        scale = 1.0 if first == session.open else OUT_OF_HOURS
        slots += [first + n * MINUTE for n in range(count)]
        weights += [scale * w for w in liveliness(count)]
    # A day's moves and trading vary: some days are livelier than others.
    sigma = DAY_SIGMA * rng.lognormvariate(0, 0.3) / math.sqrt(sum(w * w for w in weights))
    volume = day_volume(rng, stock)
    shares = [w * w * rng.lognormvariate(0, 0.6) for w in weights]
    per_share = volume / sum(shares)
    fair = previous_close * math.exp(rng.gauss(0, GAP_SIGMA))
    bars = []
    for time, weight, share in zip(slots, weights, shares, strict=True):
        step = sigma * weight / math.sqrt(PRINTS)
        prints = []
        for _ in range(PRINTS):
            fair *= 1 + rng.gauss(0, step)  # exp(x) to within x²/2, a few in ten million
            bid = grid(fair, math.floor)
            prints.append(bid if rng.random() < 0.5 else bid + tick(bid))
        bars.append(
            Bar(
                time,
                stock.symbol,
                Interval.MIN_1,
                prints[0],
                max(prints),
                min(prints),
                prints[-1],
                max(1, round(share * per_share)),
            )
        )
    return bars


def day_of(minutes: list[Bar], day: dt.date) -> Bar:
    """The daily bar that a session's minutes add up to."""
    return Bar(
        dt.datetime.combine(day, dt.time(), KST),
        minutes[0].symbol,
        Interval.DAY,
        minutes[0].open,
        max(m.high for m in minutes),
        min(m.low for m in minutes),
        minutes[-1].close,
        sum(m.volume for m in minutes),
    )


def make(rng, *, days: list[dt.date], minute_sessions: list[Session]) -> Market:
    """Every stock's daily bars over `days`, and its 1-minute bars in `minute_sessions`."""
    with_minutes = {s.date: s for s in minute_sessions}
    market = Market()
    for stock in STOCKS:
        close = stock.price
        for day in days:
            if day in with_minutes:
                minutes = minute_bars(
                    rng, stock=stock, session=with_minutes[day], previous_close=close
                )
                market.minutes |= {(stock.symbol, m.time): m for m in minutes}
                bar = day_of(minutes, day)
            else:
                bar = day_bar(rng, stock=stock, day=day, previous_close=close)
            market.days[stock.symbol, day] = bar
            close = bar.close
    return market


def stock_rows(market: Market) -> list[StockMetadata]:
    """The stocks, with their listed shares and market cap at the last close."""
    return [
        StockMetadata(
            symbol=s.symbol,
            name=s.name,
            name_en=s.name_en,
            market=s.market,
            sector=s.sector,
            listed_shares=s.shares,
            market_cap=s.shares * market.last_close(s.symbol),
        )
        for s in STOCKS
    ]


def load(market: Market, *, os_user: str = "") -> list[loading.Result]:
    """Load the bars as `manage.py load_marketdata` loads files: the daily bars and the
    1-minute bars, each a canonical CSV file and a load of its own."""
    files = {
        "demo-daily-bars.csv": sorted(market.days.values(), key=_key),
        "demo-minute-bars.csv": sorted(market.minutes.values(), key=_key),
    }
    with tempfile.TemporaryDirectory(prefix="qb-demo-") as folder:
        paths = []
        for name, bars in files.items():
            path = Path(folder) / name
            path.write_text(CSV_HEADER + "".join(b.csv_line() for b in bars), encoding="utf-8")
            paths.append(str(path))
        try:
            return loading.load(paths, loading.Options(), os_user=os_user)
        except loading.LoadError as e:
            raise DemoError(f"the loader refused the demo's bars: {'; '.join(e.errors)}") from e


def _key(bar: Bar):
    return bar.symbol, bar.time
