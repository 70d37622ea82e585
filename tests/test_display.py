"""display/: numbers, times and colours as the desk reads them, in every language."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from display import colours, numbers, times
from tests import factories

KST = dt.timezone(dt.timedelta(hours=9))
NAN = Decimal("NaN")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("57552360.00"), "57,552,360"),
        (Decimal("1374.49"), "1,374"),
        (Decimal("1374.50"), "1,375"),
        (Decimal("-1200.00"), "-1,200"),
        (0, "0"),
        (None, "-"),
        (NAN, "-"),
        (float("inf"), "-"),
    ],
)
def test_money_is_whole_won_with_thousands_separators(value, shown):
    assert numbers.won(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("72000.00"), "72,000"),
        (Decimal("89430.1666"), "89,430.17"),
        (Decimal("1090923.0800"), "1,090,923.08"),
        (Decimal("15940.0000"), "15,940"),
        (Decimal("99.999"), "100"),
        (None, "-"),
    ],
)
def test_prices_show_at_most_two_decimals_and_none_when_whole(value, shown):
    assert numbers.price(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("9708616.40"), "+9,708,616"),
        (Decimal("-146447"), "-146,447"),
        (Decimal("0.4"), "0"),
        (Decimal("-0.4"), "0"),
        (None, "-"),
    ],
)
def test_gains_and_losses_carry_their_sign(value, shown):
    assert numbers.signed_won(value) == shown


def test_rates_read_as_percentages():
    assert numbers.percent(Decimal("0.0012")) == "0.12%"
    assert numbers.percent(Decimal("0.105485")) == "10.55%"
    assert numbers.percent(Decimal("0.5"), places=1) == "50.0%"
    assert numbers.percent(None) == "-"
    assert numbers.signed_percent(Decimal("0.0203")) == "+2.03%"
    assert numbers.signed_percent(Decimal("-0.0019")) == "-0.19%"
    assert numbers.signed_percent(Decimal("0.00001")) == "0.00%"
    assert numbers.ratio(Decimal("1.9876")) == "1.99"


def test_quantities_volumes_and_market_caps():
    assert numbers.quantity(1_234_567) == "1,234,567"
    assert numbers.quantity(None) == "-"
    assert numbers.hundred_millions(431_234_500_000_000) == "4,312,345"


def test_moments_are_korea_time_on_a_24_hour_clock():
    logged = dt.datetime(2026, 11, 25, 19, 5, 7, tzinfo=dt.UTC)
    assert times.moment(logged) == "2026-11-26 04:05"
    assert times.moment(logged, seconds=True) == "2026-11-26 04:05:07"
    assert times.moment(None) == "-"


def test_the_korean_convention_is_the_default_red_up_blue_down(settings):
    assert settings.QB_COLOUR_CONVENTION == "korean"
    assert colours.palette() == colours.PALETTES["korean"]
    assert colours.palette().up == "#d11a2a"
    assert colours.direction(Decimal("1")) == "qb-up"
    assert colours.direction(Decimal("-0.01")) == "qb-down"
    assert colours.direction(0) == ""
    assert colours.direction(None) == ""
    assert colours.direction(NAN) == ""


def test_the_western_convention_is_a_setting(settings):
    settings.QB_COLOUR_CONVENTION = "western"
    assert colours.palette().as_dict() == {"up": "#178a3a", "down": "#d11a2a"}


def test_a_bad_convention_stops_the_start():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"DJANGO_SETTINGS_MODULE": "qbsite.settings", "DEBUG": "true"}
        | {"QB_COLOUR_CONVENTION": "green"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "QB_COLOUR_CONVENTION='green' is not one of: korean, western." in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ko"])
def test_pages_colour_gains_and_losses_by_the_convention(admin_client, settings, language):
    factories.position(realized_pnl=Decimal("-5000"), unrealized_pnl=Decimal("12000")).save()

    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language).text
    assert ":root { --qb-up: #d11a2a; --qb-down: #1a5fd1; }" in page
    assert '<span class="qb-down">-5,000</span>' in page
    assert '<span class="qb-up">+12,000</span>' in page

    settings.QB_COLOUR_CONVENTION = "western"
    page = admin_client.get(reverse("admin:trading_position_changelist")).text
    assert ":root { --qb-up: #178a3a; --qb-down: #d11a2a; }" in page
    assert '<span class="qb-up">+12,000</span>' in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ko"])
def test_titles_and_lists_read_in_korea_time_in_every_language(admin_client, language):
    log = factories.log(timestamp=dt.datetime(2026, 11, 25, 19, 5, tzinfo=dt.UTC))
    log.save()
    risk = factories.risk(timestamp=dt.datetime(2026, 11, 26, 6, 40, tzinfo=dt.UTC))
    risk.save()
    trade = factories.trade(executed_at=dt.datetime(2026, 11, 26, 15, 40, tzinfo=KST))
    trade.save()

    assert str(log) == "2026-11-26 04:05:00 INFO collector: connected"
    assert str(risk) == "2026-11-26 15:40 100,000,000"
    assert str(trade) == "005930 Buy 10 @ 72,000"

    def page(name, *args):
        url = reverse(f"admin:trading_{name}", args=args)
        return admin_client.get(url, HTTP_ACCEPT_LANGUAGE=language).text

    assert "2026-11-26 04:05:00 INFO collector" in page("systemlog_change", log.pk)
    assert "2026-11-26 15:40 100,000,000" in page("riskmetric_change", risk.pk)
    listed = page("riskmetric_changelist")
    assert "2026-11-26 15:40" in listed
    assert "p.m." not in listed and "오후" not in listed
    trades = page("trade_changelist")
    assert ">2026-11-26 15:40<" in trades
    assert "Nov." not in trades and "11월" not in trades


@pytest.mark.django_db
def test_the_trade_list_colours_buys_up_and_sells_down(admin_client):
    factories.trade().save()
    factories.trade(side="SELL").save()
    page = admin_client.get(reverse("admin:trading_trade_changelist")).text
    assert '<td class="field-side_shown"><span class="qb-up">Buy</span></td>' in page
    assert '<td class="field-side_shown"><span class="qb-down">Sell</span></td>' in page


@pytest.mark.django_db
def test_daily_bars_read_as_their_session_date(admin_client):
    factories.bar(time=dt.datetime(2026, 11, 26, tzinfo=KST)).save()
    factories.bar(interval_type="1m", time=dt.datetime(2026, 11, 26, 15, 19, tzinfo=KST)).save()
    coverage = admin_client.get(reverse("admin:marketdata_coverage")).text
    assert "<td>2026-11-26</td>" in coverage
    assert "2026-11-26 00:00" not in coverage
    assert "<td>2026-11-26 15:19</td>" in coverage
    bars = admin_client.get(
        reverse("admin:marketdata_browser"), {"symbol": "005930", "interval": "1d"}
    ).text
    assert "<td>2026-11-26</td>" in bars


def test_commission_rates_read_to_the_thousandth_of_a_percent():
    assert [numbers.rate(r) for r in (Decimal("0.00015"), Decimal("0.0001"), None)] == [
        "0.015%",
        "0.010%",
        "-",
    ]


@pytest.mark.django_db
def test_the_charts_above_lists_date_their_ends_in_korea():
    from trading import charts
    from trading.models import RiskMetric

    # 08:00 in Seoul is 23:00 of the day before in UTC.
    factories.risk(timestamp=dt.datetime(2026, 11, 25, 8, tzinfo=KST)).save()
    factories.risk(timestamp=dt.datetime(2026, 11, 26, 8, tzinfo=KST)).save()
    svg = charts.risk_curves(RiskMetric.objects.all())
    assert ">2026-11-25</text>" in svg and ">2026-11-26</text>" in svg
    assert "2026-11-24" not in svg


def test_chart_axes_step_by_round_values():
    from trading import charts

    assert charts.ticks(-12_212_202, 7_742_350) == [-10_000_000, -5_000_000, 0, 5_000_000]
    assert charts.ticks(0, 0.132) == [0, 0.05, 0.1]
    assert charts.ticks(2_376_948, 5_317_391) == [3_000_000, 4_000_000, 5_000_000]
    assert [charts.value_text(v, percent=True) for v in (0, 0.05, 0.025)] == ["0%", "5%", "2.5%"]


@pytest.mark.django_db
def test_the_pnl_chart_labels_its_values_and_marks_zero_between_gains_and_losses():
    import re

    from trading import charts
    from trading.models import StrategyPerformance

    for day, pnl in ((4, 300_000), (5, -700_000), (6, 100_000)):
        factories.performance(date=dt.date(2024, 3, day), pnl=Decimal(pnl)).save()
    svg = charts.strategy_curves(StrategyPerformance.objects.all())
    pnl_chart = svg.split("</svg>")[0]

    # Each value label follows its grid line.
    values = re.findall(r"<line [^>]*/><text [^>]*>([^<]+)</text>", pnl_chart)
    # Cumulative: 300,000, then -400,000, then -300,000; the range takes in 0.
    assert values == ["-400,000", "-200,000", "0", "200,000"]
    assert re.search(r'<line [^>]*stroke-opacity="0.6"/><text [^>]*>0</text>', pnl_chart)
    assert ">2024-03-04</text>" in pnl_chart and ">2024-03-06</text>" in pnl_chart


@pytest.mark.django_db
def test_the_portfolio_value_chart_fits_its_values_without_a_zero_line():
    from trading import charts
    from trading.models import RiskMetric

    for day, value in ((25, 272_000_000), (26, 305_000_000)):
        factories.risk(
            timestamp=dt.datetime(2026, 11, day, 8, tzinfo=KST), portfolio_value=Decimal(value)
        ).save()
    value_chart = charts.risk_curves(RiskMetric.objects.all()).split("</svg>")[0]
    assert ">280,000,000</text>" in value_chart and ">300,000,000</text>" in value_chart
    assert ">0</text>" not in value_chart and 'stroke-opacity="0.6"' not in value_chart
