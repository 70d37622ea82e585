"""A real browser (Debian's headless Chromium, driven by Selenium) logs in and uses the
admin: the chart reads in Korea time, every page fits a 1400-pixel window, and every page
is shot in English and Korean into test-artifacts/ (en-<page>.png, ko-<page>.png)."""

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from marketdata.models import Load, MarketData, StockMetadata
from marketdata.sessions import sessions
from tests import factories
from trading.models import Position, ReconciliationRun, SystemLog, Trade

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
KST = dt.timezone(dt.timedelta(hours=9))
NO_BROWSER = (
    "Chromium or its driver is not installed "
    "(apt-get install -y --no-install-recommends chromium chromium-driver)"
)

# `make test` installs them (bin/system-packages); pytest run by hand skips without them,
# except under CI=true, where the browser test must run.
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI") == "true":
        pytest.fail(NO_BROWSER + ", and CI must run the browser test.", pytrace=False)
    pytest.skip(NO_BROWSER, allow_module_level=True)


@pytest.fixture
def server(settings):
    """A live server started after the test's settings (plain HTTP) are in place. Static
    files come from WhiteNoise, as in `make run`, reading them where the finders do (the
    tests collect none)."""
    from django.test.testcases import LiveServerThread

    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WHITENOISE_USE_FINDERS = True
    thread = LiveServerThread("127.0.0.1", lambda handler: handler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    # The browser's clock in Korea, like the desk's (else the admin's date widgets say
    # "You are 9 hours behind server time").
    service = Service(DRIVER, env=os.environ | {"TZ": "Asia/Seoul"})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CANVAS_TEXTS})
    yield driver
    driver.quit()


# The newest session of the fixture: daily bars up to it, 1-minute bars of it.
LAST_SESSION = dt.date(2024, 3, 28)
FILL_AT = dt.datetime(2024, 3, 28, 10, 15, 23, tzinfo=KST)


@pytest.fixture
def market():
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    days = [s.date for s in sessions(dt.date(2024, 1, 2), LAST_SESSION)]
    MarketData.objects.bulk_create(
        factories.bar(
            time=dt.datetime.combine(day, dt.time(), KST),
            open=70000 + n * 100,
            close=70000 + n * 100 + 50,
            high=70000 + n * 100 + 300,
            low=70000 + n * 100 - 300,
        )
        for n, day in enumerate(days)
    )
    open_ = dt.datetime.combine(LAST_SESSION, dt.time(9), KST)
    MarketData.objects.bulk_create(
        factories.bar(
            interval_type="1m",
            time=open_ + dt.timedelta(minutes=n),
            open=71000 + n % 7 * 100,
            close=71000 + n % 5 * 100,
            high=71700,
            low=70900,
        )
        for n in range(390)
    )
    factories.trade(executed_at=dt.datetime(2024, 1, 16, 10, tzinfo=KST), price=71000).save()
    factories.trade(side="SELL", executed_at=FILL_AT, price=71200).save()
    User.objects.create_superuser("boss", password="a-long-pass-phrase")
    return days


def shot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def log_in(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/admin/")
    browser.find_element(By.NAME, "username").send_keys("boss")
    browser.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 30).until(ready.presence_of_element_located((By.ID, "qb-dashboard")))


# The chart draws on canvases: each canvas keeps the texts of its last paint (a paint starts
# by clearing the canvas), as [x, text], so a test reads what the library drew.
CANVAS_TEXTS = """
const proto = CanvasRenderingContext2D.prototype;
const { fillRect, clearRect, fillText } = proto;
proto.fillRect = function (...args) {
  if (this.globalCompositeOperation === 'copy') this.canvas.qbTexts = [];
  return fillRect.apply(this, args);
};
proto.clearRect = function (...args) {
  this.canvas.qbTexts = [];
  return clearRect.apply(this, args);
};
proto.fillText = function (text, x, ...args) {
  (this.canvas.qbTexts ||= []).push([x, String(text)]);
  return fillText.call(this, text, x, ...args);
};
"""

# What the chart drew, by the rows of the library's layout table (price pane, separator,
# volume pane, time axis) and their cells (left scale, pane, right scale), left to right.
DRAWN = """
const box = document.getElementById('qb-chart');
const rows = box.qb.chart.chartElement().querySelector('table').rows;
const texts = (row, cell) => Array.from(rows[row].cells[cell].querySelectorAll('canvas'))
  .flatMap((canvas) => canvas.qbTexts || []).sort((a, b) => a[0] - b[0]).map((t) => t[1]);
return {
  candles: +box.dataset.candles,
  markers: +box.dataset.markers,
  firstDraw: +box.dataset.firstDraw,
  timeAxis: texts(rows.length - 1, 1),
  prices: texts(0, 1),
  volumeAxis: texts(2, 2),
};
"""


def open_chart(browser, url):
    """Open the chart and wait for its first draw; then what it drew once the drawing has
    settled (two reads a moment apart agree)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # A new profile (each test's browser), and no cache either: a newcomer's first chart.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    browser.get(url)
    WebDriverWait(browser, 60).until(
        lambda d: d.find_element(By.ID, "qb-chart").get_attribute("data-candles")
    )
    reads = [browser.execute_script(DRAWN)]

    def settled(driver):
        reads.append(driver.execute_script(DRAWN))
        return reads[-1] == reads[-2]

    WebDriverWait(browser, 10, poll_frequency=0.2).until(settled)
    return reads[-1]


def hover(browser, candle):
    """What the box in the chart's corner says with the mouse over one candle (its index)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    pane = browser.execute_script(
        "return document.getElementById('qb-chart').qb.chart.chartElement()"
        ".querySelector('table').rows[0].cells[1]"
    )
    x = browser.execute_script(
        "return document.getElementById('qb-chart').qb.chart.timeScale()"
        ".logicalToCoordinate(arguments[0]);",
        candle,
    )
    ActionChains(browser).move_to_element_with_offset(
        pane, int(x - pane.size["width"] / 2), 0
    ).perform()
    box = browser.find_element(By.CSS_SELECTOR, "#qb-chart .qb-chart-hover")
    return box.text.replace("\n", " ")


def record_first_draw(record_property, name, drawn):
    """The first draw's time (ms from navigation start, cold cache) into the test's report
    (the JUnit properties, the summary at the end of the run) and test-artifacts/."""
    record_property("first_draw_ms", drawn["firstDraw"])
    ARTIFACTS.mkdir(exist_ok=True)
    lines = FIRST_DRAW.read_text().splitlines() if FIRST_DRAW.exists() else []
    line = (
        f"{name}: first draw {drawn['firstDraw']:.0f} ms after navigation start "
        f"({drawn['candles']} candles, {drawn['markers']} trade "
        f"marker{'' if drawn['markers'] == 1 else 's'}, cold cache)"
    )
    kept = [old for old in lines if not old.startswith(f"{name}:")]
    FIRST_DRAW.write_text("\n".join(sorted([*kept, line])) + "\n")


FIRST_DRAW = ARTIFACTS / "first-draw.txt"


def test_staff_log_in_and_see_the_dashboard_and_the_trades(server, browser, market):
    from selenium.webdriver.common.by import By

    log_in(browser, server)
    assert "OPEN POSITIONS" in browser.find_element(By.ID, "qb-dashboard").text
    shot(browser, "dashboard")

    browser.get(f"{server}/admin/trading/trade/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 2
    assert "005930 삼성전자" in rows[0].text
    shot(browser, "trades")


def test_the_daily_chart_reads_in_session_dates(server, browser, market, record_property):
    from selenium.webdriver.common.by import By

    log_in(browser, server)
    drawn = open_chart(browser, f"{server}/admin/marketdata/chart/?symbol=005930&interval=1d")
    shot(browser, "chart-daily")
    record_first_draw(record_property, "chart-daily", drawn)

    # The default range ends after the newest session: both fills are drawn.
    assert drawn["firstDraw"] > 0
    assert (drawn["candles"], drawn["markers"]) == (len(market), 2)
    assert browser.find_element(By.ID, "qb-chart-note").text == f"{len(market)} candles, 2 trades"
    assert {"Buy 10 @ 71,000", "Sell 10 @ 71,200"} <= set(drawn["prices"])
    # Axis labels are session dates, never a weekend or the eve in UTC.
    assert drawn["timeAxis"] == [
        "2024-01-02",
        "2024-01-12",
        "2024-02-01",
        "2024-02-15",
        "2024-03-04",
        "2024-03-14",
        "2024-03-26",
    ]
    assert set(drawn["timeAxis"]) <= {str(day) for day in market}
    assert hover(browser, len(market) - 1).startswith("2024-03-28 open 75,900 high 76,200 ")
    assert hover(browser, 0).startswith("2024-01-02 open 70,000 high 70,300 ")
    # The fill at 10:15:23 KST on the newest session sits on that day's candle.
    assert hover(browser, len(market) - 1).endswith(
        " Sell 10 @ 71,200 (momentum, DEFAULT KRX) 2024-03-28 10:15:23"
    )
    # One colour convention (Korean by default): rising candles and buys red, sells blue,
    # as drawn (the pixel in the middle of the newest candle's body) and as the markers are.
    colours = browser.execute_script(
        """
        const qb = document.getElementById('qb-chart').qb;
        const [last] = qb.candles.data().slice(-1);
        const x = qb.chart.timeScale().timeToCoordinate(last.time);
        const y = qb.candles.priceToCoordinate((last.open + last.close) / 2);
        const canvas = qb.chart.chartElement().querySelector('table').rows[0].cells[1]
          .querySelector('canvas');
        const ratio = canvas.width / canvas.clientWidth;
        const pixel = canvas.getContext('2d')
          .getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
        return [`rgb(${pixel[0]}, ${pixel[1]}, ${pixel[2]})`,
                ...qb.markers.markers().map((m) => m.color)];
        """
    )
    assert colours == ["rgb(209, 26, 42)", "#d11a2a", "#1a5fd1"]
    # Volumes read in full with separators (12,000,000), not 12M.
    volumes = drawn["volumeAxis"]
    assert volumes and all(v.replace(",", "").isdigit() for v in volumes), volumes
    assert any("," in v for v in volumes), volumes


def test_the_minute_chart_reads_in_korea_time(server, browser, market, record_property):
    log_in(browser, server)
    drawn = open_chart(
        browser,
        f"{server}/admin/marketdata/chart/?symbol=005930&interval=1m"
        "&start=2024-03-28&end=2024-03-28",
    )
    shot(browser, "chart-minutes")
    record_first_draw(record_property, "chart-minutes", drawn)

    assert drawn["firstDraw"] > 0
    assert (drawn["candles"], drawn["markers"]) == (390, 1)
    # The session runs 09:00 to 15:29 in Korea, not 00:00 to 06:29 (UTC); its first candle
    # is labelled with its date.
    assert drawn["timeAxis"] == ["2024-03-28", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]
    assert hover(browser, 75).startswith("2024-03-28 10:15 ")
    assert hover(browser, 75).endswith(
        " Sell 10 @ 71,200 (momentum, DEFAULT KRX) 2024-03-28 10:15:23"
    )


def test_a_stock_name_that_holds_html_shows_as_text(server, browser, market):
    from selenium.webdriver.common.by import By

    StockMetadata.objects.filter(symbol="005930").update(name="<a href=//x>Evil</a>")
    log_in(browser, server)
    open_chart(browser, f"{server}/admin/marketdata/chart/?symbol=005930&interval=1d")

    title = browser.find_element(By.CSS_SELECTOR, "#qb-chart .qb-chart-title")
    assert title.text == "005930 <a href=//x>Evil</a>"
    for legend in ("#qb-chart .qb-chart-head", "#qb-chart .qb-chart-hover"):
        assert browser.find_elements(By.CSS_SELECTOR, f"{legend} a") == []


def test_the_export_page_select_all_box_works_under_the_content_security_policy(
    server, browser, market
):
    from selenium.webdriver.common.by import By

    log_in(browser, server)
    browser.get(f"{server}/admin/trading/trade/export/")
    toggle = browser.find_element(By.CSS_SELECTOR, "input.select-toggle")
    fields = browser.find_elements(
        By.CSS_SELECTOR, ".selectable-field-export-row input[type=checkbox]"
    )
    assert len(fields) > 5
    assert all(box.is_selected() for box in fields)

    toggle.click()
    assert not any(box.is_selected() for box in fields)
    shot(browser, "export-none-selected")
    toggle.click()
    assert all(box.is_selected() for box in fields)


# Every list of the back office, checked and shot in both languages.
LISTS = [
    "trading/trade",
    "trading/position",
    "trading/account",
    "trading/commissionschedule",
    "trading/reconciliationrun",
    "marketdata/load",
    "trading/strategyperformance",
    "trading/riskmetric",
    "trading/systemlog",
    "marketdata/stockmetadata",
    "auth/user",
    "auth/group",
]


def full_shot(driver, name):
    """The whole page, however long, at the window's width."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 1000), 4000))
    shot(driver, name)
    driver.set_window_size(1400, 1000)


def overflow(driver):
    """How many pixels the result table sticks out of its box (0 when it fits)."""
    return driver.execute_script(
        "const t = document.getElementById('result_list');"
        "return t ? Math.max(0, t.scrollWidth - t.parentElement.clientWidth,"
        " document.documentElement.scrollWidth - document.documentElement.clientWidth) : 0;"
    )


def page_overflow(driver):
    """How many pixels the page is wider than the window (a page without a change list)."""
    return driver.execute_script(
        "return Math.max(0, document.documentElement.scrollWidth"
        " - document.documentElement.clientWidth);"
    )


@pytest.fixture
def desk(settings, tmp_path):
    """The demo data: the pages as staff see them on the first day, and a load that
    corrected the last minutes of the newest fill's stock (so the load pages show bars it
    replaced)."""
    from django.core.management import call_command

    settings.QB_STRATEGY_CAPITAL = {"momentum": 100_000_000}
    call_command("seed_demo", stdout=io.StringIO())
    User.objects.create_superuser("boss", password="a-long-pass-phrase")
    symbol = Trade.objects.order_by("-executed_at").first().symbol
    minutes = MarketData.objects.filter(symbol=symbol, interval_type="1m").order_by("-time")
    correction = tmp_path / f"{symbol}-corrected.csv"
    correction.write_text(
        "time,symbol,interval_type,open,high,low,close,volume\n"
        + "".join(
            f"{bar.time.isoformat()},{symbol},1m,{bar.open},{bar.high},{bar.low},{bar.low},"
            f"{bar.volume + 1}\n"
            for bar in minutes[:30]
        )
    )
    call_command(
        "load_marketdata", str(correction), "--on-conflict", "update", stdout=io.StringIO()
    )


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_page_fits_1400_pixels_and_is_shot_in_both_languages(server, browser, desk, language):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    log_in(browser, server)
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": language})
    trade = Trade.objects.order_by("-executed_at").first()
    position = Position.objects.order_by("-market_value").first()
    log = SystemLog.objects.filter(level="ERROR").first()
    run = ReconciliationRun.objects.order_by("-difference_count").first()
    load = Load.objects.latest("pk")
    pages = {
        "dashboard": "/admin/",
        **{path.replace("/", "-"): f"/admin/{path}/" for path in LISTS},
        "trade": f"/admin/trading/trade/{trade.pk}/change/",
        "position": f"/admin/trading/position/{position.pk}/change/",
        "log": f"/admin/trading/systemlog/{log.pk}/change/",
        "account": f"/admin/trading/account/{position.account.pk}/change/",
        "commission-schedule": "/admin/trading/commissionschedule/"
        f"{position.account.commission_schedules.first().pk}/change/",
        "reconciliation": f"/admin/trading/reconciliationrun/{run.pk}/change/",
        "reconcile": "/admin/trading/reconciliationrun/reconcile/",
        "load": f"/admin/marketdata/load/{load.pk}/change/",
        "chart-daily": f"/admin/marketdata/chart/?symbol={trade.symbol}&interval=1d",
        "chart-minutes": f"/admin/marketdata/chart/?symbol={trade.symbol}&interval=1m",
        "bars": f"/admin/marketdata/bars/?symbol={trade.symbol}&interval=1d",
        "coverage": "/admin/marketdata/coverage/",
        "delete-range": f"/admin/marketdata/delete/?symbol={trade.symbol}&interval=1m",
        "hypertable": "/admin/marketdata/hypertable/",
        "health": "/admin/health/",
        "export": "/admin/trading/trade/export/",
        "rebuild": "/admin/trading/position/rebuild/",
    }
    # A fill the engine wrote after the last rebuild: the rebuild page has one to show.
    factories.trade(account=position.account, symbol=position.symbol, quantity=1).save()
    too_wide = {}
    for name, path in pages.items():
        browser.get(server + path)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
        assert "Server Error" not in browser.title, path
        if name.startswith("chart"):
            WebDriverWait(browser, 60).until(
                lambda d: d.find_element(By.ID, "qb-chart").get_attribute("data-candles")
            )
        if overflow(browser):
            too_wide[name] = overflow(browser)
        full_shot(browser, f"{language}-{name}")

    # Undoing the load: what it would delete and put back, before anything is done.
    browser.get(f"{server}/admin/marketdata/load/")
    browser.find_element(By.CSS_SELECTOR, "input.action-select").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("undo_selected")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=submit].qb-danger")
    )
    full_shot(browser, f"{language}-undo-load")

    # An import with a bad row: the reasons in the row, the good rows below.
    browser.get(f"{server}/admin/trading/trade/import/")
    upload = ARTIFACTS / "bad-trades.csv"
    upload.write_text(
        "executed_at,account,venue,symbol,side,quantity,price,commission,tax,strategy,"
        "broker_order_id\n"
        "2024-03-04 10:00:00,MAIN,KRX,005930,BUY,10,72000,108,0,momentum,0000000001\n"
        "2024-03-04 11:00:00,MAIN,KRX,005930,SELL,0,72500,0,0,momentum,0000000002\n"
    )
    browser.find_element(By.NAME, "import_file").send_keys(str(upload))
    Select(browser.find_element(By.NAME, "format")).select_by_value("0")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "qb-invalid-rows"))
    assert browser.find_elements(By.CSS_SELECTOR, "#qb-invalid-rows td.qb-why")
    assert browser.find_elements(By.CSS_SELECTOR, "#qb-valid-rows td.import-type")
    if overflow(browser) or page_overflow(browser):
        too_wide["import"] = page_overflow(browser)
    full_shot(browser, f"{language}-import-errors")
    assert too_wide == {}
