"""The books' hand-worked example: one account, one stock, five sessions around a weekend
and a KRX closure, with every figure worked out by hand in the comments.

Sessions: Thu 2026-05-28, Fri 05-29, (weekend), Mon 06-01, Tue 06-02, (Wed 06-03 closed:
local elections), Thu 06-04. A fill settles on the second session after its trade date.

Thu 05-28  deposit 10,000,000.
           buy 100 005930 @ 50,000 = 5,000,000, commission 750 (settles Mon 06-01).
           close 51,000.
Fri 05-29  deposit 5,000,000; the market does not move (close 51,000).
Mon 06-01  sell 40 @ 52,000 = 2,080,000, commission 312, tax 4,160 (KOSPI 2026: 0.05 %
           1,040 + special 0.15 % 3,120); receives 2,075,528 on Thu 06-04 (Tue, then
           Wed is closed). close 52,000.
Tue 06-02  withdrawal 3,000,000. close 50,000.
Thu 06-04  dividend 60 x 361 = 21,660, withheld 3,330 (income tax 14 % = 3,032.4, cut
           below 10 won: 3,030; local tax 10 % of it = 303, cut: 300). close 50,000.
"""

import datetime as dt
from decimal import Decimal

from marketdata.models import MarketData, StockMetadata
from tests import factories
from trading import fills
from trading.models.books import CashMovement

KST = dt.timezone(dt.timedelta(hours=9))
THU, FRI, MON, TUE, WED, THU2 = (
    dt.date(2026, 5, 28),
    dt.date(2026, 5, 29),
    dt.date(2026, 6, 1),
    dt.date(2026, 6, 2),
    dt.date(2026, 6, 3),
    dt.date(2026, 6, 4),
)
SESSIONS = [THU, FRI, MON, TUE, THU2]
CLOSES = {THU: 51_000, FRI: 51_000, MON: 52_000, TUE: 50_000, THU2: 50_000}

# Per session: (cash settled, cash next day, cash after settlement, market value, NAV,
# flow), all in won:
EXPECTED = {
    # Settled: the deposit. Next day (Fri): the buy settles Mon. After all: 10,000,000
    # - 5,000,750 = 4,999,250. 100 x 51,000 = 5,100,000. NAV 10,099,250.
    THU: (10_000_000, 10_000_000, 4_999_250, 5_100_000, 10_099_250, 10_000_000),
    # Settled: 15,000,000 (the buy not yet). Next day is Mon: 15,000,000 - 5,000,750 =
    # 9,999,250. NAV 9,999,250 + 5,100,000 = 15,099,250.
    FRI: (15_000_000, 9_999_250, 9_999_250, 5_100_000, 15_099_250, 5_000_000),
    # The buy settles: 9,999,250. Next day (Tue): the sell settles Thu, not yet.
    # After all: 9,999,250 + 2,075,528 = 12,074,778. 60 x 52,000 = 3,120,000.
    MON: (9_999_250, 9_999_250, 12_074_778, 3_120_000, 15_194_778, 0),
    # 9,999,250 - 3,000,000 = 6,999,250. Next day is Thu (Wed is closed): the sell
    # settles: 9,074,778. 60 x 50,000 = 3,000,000.
    TUE: (6_999_250, 9_074_778, 9_074_778, 3_000_000, 12_074_778, -3_000_000),
    # 6,999,250 + 2,075,528 + 21,660 - 3,330 = 9,093,108 everywhere.
    THU2: (9_093_108, 9_093_108, 9_093_108, 3_000_000, 12_093_108, 0),
}
# Daily returns, the flow counted at the start of the day: NAV / (previous NAV + flow) - 1.
RETURNS = {
    THU: Decimal(10_099_250) / Decimal(10_000_000) - 1,  # 0.009925
    FRI: Decimal(15_099_250) / Decimal(10_099_250 + 5_000_000) - 1,  # 0: nothing moved
    MON: Decimal(15_194_778) / Decimal(15_099_250) - 1,  # 0.0063266...
    TUE: Decimal(12_074_778) / Decimal(15_194_778 - 3_000_000) - 1,  # -0.0098402...
    THU2: Decimal(12_093_108) / Decimal(12_074_778) - 1,  # 0.0015180...: the dividend
}
# Chained: 1.009925 x 1 x 1.0063266... x 0.9901597... x 1.0015180... - 1 = 0.0078412723867...
TWR = (
    (1 + RETURNS[THU]) * (1 + RETURNS[FRI]) * (1 + RETURNS[MON]) * (1 + RETURNS[TUE])
    * (1 + RETURNS[THU2])
    - 1
)  # fmt: skip


def at(day, hour=10):
    return dt.datetime.combine(day, dt.time(hour), KST)


def daily_bar(symbol, day, close):
    return MarketData(
        time=dt.datetime.combine(day, dt.time(), KST),
        symbol=symbol,
        interval_type="1d",
        open=close,
        high=close,
        low=close,
        close=close,
        volume=1000,
    )


def cash(account, day, kind, amount, **fields):
    return CashMovement.objects.create(
        account=account,
        trade_date=day,
        settles_on=day,
        kind=kind,
        amount=Decimal(amount),
        source=fields.pop("source", "person"),
        **fields,
    )


def book(code="MAIN"):
    """The example's account, its cash, fills and bars; the fills assessed as imports
    leave them (settlement dates set)."""
    StockMetadata.objects.get_or_create(
        symbol="005930", defaults={"name": "삼성전자", "market": "KOSPI"}
    )
    account = factories.account(code)
    MarketData.objects.bulk_create(
        [daily_bar("005930", day, close) for day, close in CLOSES.items()],
        ignore_conflicts=True,
    )
    cash(account, THU, "deposit", 10_000_000)
    cash(account, FRI, "deposit", 5_000_000)
    cash(account, TUE, "withdrawal", -3_000_000)
    cash(account, THU2, "dividend", 21_660, source="corporate_action")
    cash(account, THU2, "dividend_tax", -3_330, source="corporate_action")
    trades = [
        factories.trade(
            account=account, side="BUY", quantity=100, price=Decimal(50_000),
            commission=Decimal(750), tax=Decimal(0), executed_at=at(THU),
        ),
        factories.trade(
            account=account, side="SELL", quantity=40, price=Decimal(52_000),
            commission=Decimal(312), tax=Decimal(4_160), executed_at=at(MON),
        ),
    ]  # fmt: skip
    for trade in fills.assess(trades):
        trade.save()
    return account
