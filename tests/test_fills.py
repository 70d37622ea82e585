"""Expected charges and price checks of fills, worked by hand on each side of each change."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from marketdata import ticks
from marketdata.models import StockMetadata
from tests import factories
from trading import fills
from trading.fills import taxes
from trading.models import Trade

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def stocks():
    StockMetadata.objects.bulk_create(
        [
            factories.stock(symbol="005930", market="KOSPI"),
            factories.stock(symbol="247540", name="에코프로비엠", market="KOSDAQ"),
            factories.stock(symbol="278990", name="코넥스", market="KONEX"),
            factories.stock(symbol="069500", name="KODEX 200", market="KOSPI", kind="ETF"),
        ]
    )


def sell(day, symbol="005930", quantity=10, price=70000, **fields):
    trade = factories.trade(
        side="SELL",
        symbol=symbol,
        quantity=quantity,
        price=Decimal(price),
        executed_at=dt.datetime.combine(day, dt.time(10, 0), KST),
        **fields,
    )
    return fills.assess([trade])[0]


# (trade date, symbol, settlement date, expected tax, special part) for 10 x 70,000 = 700,000.
# The settlement date (T+2 KRX sessions) decides: 2023-12-29 and 2024-12-31 had no session.
TAX_CASES = [
    (dt.date(2023, 12, 26), "005930", dt.date(2023, 12, 28), 350 + 1050, 1050),  # 0.05 + 0.15
    (dt.date(2023, 12, 27), "005930", dt.date(2024, 1, 2), 210 + 1050, 1050),  # 0.03 + 0.15
    (dt.date(2023, 12, 26), "247540", dt.date(2023, 12, 28), 1400, 0),  # 0.20
    (dt.date(2023, 12, 27), "247540", dt.date(2024, 1, 2), 1260, 0),  # 0.18
    (dt.date(2024, 12, 26), "005930", dt.date(2024, 12, 30), 210 + 1050, 1050),
    (dt.date(2024, 12, 27), "005930", dt.date(2025, 1, 2), 0 + 1050, 1050),  # 0 + 0.15
    (dt.date(2024, 12, 26), "247540", dt.date(2024, 12, 30), 1260, 0),
    (dt.date(2024, 12, 27), "247540", dt.date(2025, 1, 2), 1050, 0),  # 0.15
    (dt.date(2025, 12, 26), "005930", dt.date(2025, 12, 30), 1050, 1050),
    (dt.date(2025, 12, 29), "005930", dt.date(2026, 1, 2), 350 + 1050, 1050),  # 0.05 + 0.15
    (dt.date(2025, 12, 26), "247540", dt.date(2025, 12, 30), 1050, 0),
    (dt.date(2025, 12, 29), "247540", dt.date(2026, 1, 2), 1400, 0),  # 0.20
    (dt.date(2024, 6, 3), "278990", dt.date(2024, 6, 5), 700, 0),  # KONEX 0.10
    (dt.date(2025, 6, 2), "278990", dt.date(2025, 6, 5), 700, 0),  # 06-03 was election day
    (dt.date(2026, 6, 8), "278990", dt.date(2026, 6, 10), 700, 0),
    (dt.date(2026, 6, 8), "069500", dt.date(2026, 6, 10), 0, 0),  # ETFs pay none
]


@pytest.mark.parametrize(("day", "symbol", "settles", "tax", "special"), TAX_CASES)
def test_a_sell_pays_the_tax_in_force_on_its_settlement_date(
    stocks, day, symbol, settles, tax, special
):
    trade = sell(day, symbol)

    assert trade.settles_on == settles
    assert (trade.expected_tax, trade.expected_special_tax) == (tax, special)


def test_each_tax_is_cut_below_the_won_on_its_own(stocks):
    # 7 x 71,300 = 499,100: 0.05 % is 249.55 and 0.15 % is 748.65, so 249 + 748 = 997
    # (the total 0.20 % would be 998.2).
    trade = sell(dt.date(2026, 3, 3), quantity=7, price=71300)
    assert (trade.expected_tax, trade.expected_special_tax) == (997, 748)


def test_a_buy_pays_no_tax_and_a_stock_without_metadata_is_not_judged(stocks):
    buy = fills.assess(
        [factories.trade(side="BUY", executed_at=dt.datetime(2026, 3, 3, tzinfo=KST))]
    )
    assert buy[0].expected_tax == 0
    unknown = sell(dt.date(2026, 3, 3), symbol="000660", tax=Decimal(5))
    assert unknown.expected_tax is None
    assert unknown.on_tick is None
    assert not unknown.charges_differ


def test_the_settlement_date_of_the_2024_year_end_is_the_one_brokers_announced():
    # Brokers announced the 2025 rates "from the sells of Friday 2024-12-27" (T+2 past the
    # closed 2024-12-31 and the 2025-01-01 holiday).
    found = taxes.settlement_dates([dt.date(2024, 12, 26), dt.date(2024, 12, 27)])
    assert found == {
        dt.date(2024, 12, 26): dt.date(2024, 12, 30),
        dt.date(2024, 12, 27): dt.date(2025, 1, 2),
    }


def test_the_commission_follows_the_schedule_of_the_account_venue_and_date(stocks):
    main, swing = factories.account(), factories.account("SWING")
    factories.schedule(
        account=main, venue="KRX", rate="0.00015", valid_from=dt.date(2024, 1, 1)
    ).save()
    factories.schedule(
        account=main, venue="KRX", rate="0.0001", valid_from=dt.date(2025, 3, 4)
    ).save()
    factories.schedule(
        account=main, venue="NXT", rate="0.00012", valid_from=dt.date(2025, 3, 4)
    ).save()
    factories.schedule(
        account=swing,
        venue="KRX",
        rate="0.00015",
        minimum=Decimal(1000),
        valid_from=dt.date(2024, 1, 1),
    ).save()

    def commission(day, venue="KRX", account=main, quantity=10):
        return sell(day, venue=venue, account=account, quantity=quantity).expected_commission

    # 700,000 won: 0.015 % is 105; from 2025-03-04 0.01 % is 70 on KRX, 0.012 % is 84 on NXT.
    assert commission(dt.date(2025, 3, 3)) == 105
    assert commission(dt.date(2025, 3, 4)) == 70
    assert commission(dt.date(2025, 3, 4), venue="NXT") == 84
    # No NXT schedule before 2025-03-04: nothing to expect.
    assert commission(dt.date(2025, 3, 3), venue="NXT") is None
    # The minimum: 3 x 70,000 at 0.015 % is 31.5, the schedule asks at least 1,000.
    assert commission(dt.date(2025, 3, 3), account=swing, quantity=3) == 1000
    # 7 x 71,300 at 0.015 % is 74.865: cut to 74.
    assert sell(dt.date(2025, 3, 3), quantity=7, price=71300).expected_commission == 74


def test_charges_that_differ_by_more_than_a_won_are_flagged(stocks):
    factories.schedule(rate="0.00015").save()
    day = dt.date(2026, 3, 3)  # 700,000 won: commission 105, tax 350 + 1,050
    assert not sell(day, commission=Decimal(105), tax=Decimal(1400)).charges_differ
    assert not sell(day, commission=Decimal(106), tax=Decimal(1399)).charges_differ
    assert sell(day, commission=Decimal(107), tax=Decimal(1400)).charges_differ
    assert sell(day, commission=Decimal(105), tax=Decimal(1260)).charges_differ  # 2024's rate


TICKS = [
    # (price, ETF?, on the grid)
    (1999, False, True),
    (2003, False, False),
    (2005, False, True),
    (19990, False, True),
    (19995, False, False),
    (20010, False, False),
    (20050, False, True),
    (199900, False, True),
    (200100, False, False),
    (200500, False, True),
    (500500, False, False),
    (501000, False, True),
    (10005, True, True),
    (10003, True, False),
    (250005, True, True),
]


@pytest.mark.parametrize(("price", "fund", "expected"), TICKS)
def test_the_2023_tick_table(price, fund, expected):
    assert ticks.on_tick(Decimal(price), fund=fund) is expected


def test_the_daily_limit_is_30_percent_cut_to_the_tick():
    # KRX's own example: base 9,940: 2,982 cut to 2,980; 12,920 and 6,960.
    assert ticks.daily_limits(Decimal(9940)) == (Decimal(6960), Decimal(12920))
    # Base 72,000: 21,600; 93,600 and 50,400. Base 180,100: 54,030 cut to 54,000; 126,100
    # and 234,100, which the 500 won tick above 200,000 cuts to 234,000.
    assert ticks.daily_limits(Decimal(72000)) == (Decimal(50400), Decimal(93600))
    assert ticks.daily_limits(Decimal(180100)) == (Decimal(126100), Decimal(234000))


def test_fills_off_the_grid_or_outside_the_limit_are_flagged_not_refused(stocks):
    # 005930 closed at 72,000 on 2026-03-03: on 2026-03-04 the limits are 50,400 and 93,600.
    factories.bar(time=dt.datetime(2026, 3, 3, tzinfo=KST), close=72000, high=73000).save()
    day = dt.date(2026, 3, 4)

    def checked(price):
        trade = sell(day, price=price)
        trade.save()  # accepted by the database all the same
        return trade.on_tick, trade.within_limit

    assert checked(93600) == (True, True)
    assert checked(93700) == (True, False)
    assert checked(50400) == (True, True)
    assert checked(50300) == (True, False)
    assert checked(72050) == (False, True)
    # Without the previous session's close the limit cannot be told.
    assert sell(dt.date(2026, 3, 6), price=72000).within_limit is None
    # Before the 2023 table, nothing is judged.
    assert sell(dt.date(2023, 1, 20), price=72050).on_tick is None


def test_assess_fills_checks_unchecked_fills_then_all_again(stocks):
    factories.schedule(rate="0.00015").save()
    trade = factories.trade(
        side="SELL",
        commission=Decimal(105),
        tax=Decimal(1400),
        quantity=10,
        price=70000,
        executed_at=dt.datetime(2026, 3, 3, 10, tzinfo=KST),
    )
    trade.save()  # as the engine writes it: not checked
    assert trade.settles_on is None

    out = StringIO()
    call_command("assess_fills", stdout=out)
    assert out.getvalue().strip() == (
        "Checked 1 fills: charges differ on 0, 0 off the tick grid, 0 outside the daily limit."
    )
    trade.refresh_from_db()
    assert (trade.expected_commission, trade.expected_tax) == (105, 1400)

    # The schedule changes: only --all checks a checked fill again.
    Trade.objects.update(commission=Decimal(150))
    call_command("assess_fills", stdout=StringIO())
    assert not Trade.objects.get().charges_differ
    call_command("assess_fills", "--all", stdout=out)
    assert Trade.objects.get().charges_differ


def test_the_trade_page_ticks_charges_that_agree_and_crosses_those_that_differ(
    stocks, admin_client
):
    factories.schedule(rate="0.00015").save()
    at = dt.datetime(2026, 3, 3, 10, tzinfo=KST)
    agree = factories.trade(side="SELL", commission=105, tax=1400, quantity=10, price=70000)
    differ = factories.trade(side="SELL", commission=150, tax=1400, quantity=10, price=70000)
    # Bought on Nextrade, for which the account has no schedule: nothing is expected.
    unknown = factories.trade(venue="NXT", quantity=10, price=70000)
    for trade in (agree, differ, unknown):
        trade.executed_at = at
        trade.save()
    call_command("assess_fills", stdout=StringIO())

    def shown(trade):
        page = admin_client.get(f"/admin/trading/trade/{trade.pk}/change/")
        assert page.status_code == 200, page
        field = page.text.split("fieldBox field-charges_as_expected")[1].split("</div>")[0]
        return field.split('alt="')[1].split('"')[0]

    assert [shown(t) for t in (agree, differ, unknown)] == ["True", "False", "None"]
