"""A real browser (Debian's headless Chromium, driven by Selenium) logs in and uses the
admin. Screenshots land in test-artifacts/."""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from marketdata.models import MarketData, StockMetadata
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
KST = dt.timezone(dt.timedelta(hours=9))

if not (CHROMIUM and DRIVER) and os.environ.get("CI") != "true":
    pytest.skip("Chromium and chromedriver are not installed", allow_module_level=True)


@pytest.fixture
def server(settings):
    """A live server started after the test's settings (plain HTTP) are in place."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
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
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def market():
    StockMetadata.objects.create(symbol="005930", name="삼성전자", market="KOSPI")
    start = dt.datetime(2024, 1, 2, tzinfo=KST)
    MarketData.objects.bulk_create(
        factories.bar(
            time=start + dt.timedelta(days=n),
            open=70000 + n * 100,
            close=70000 + n * 100 + 50,
            high=70000 + n * 100 + 300,
            low=70000 + n * 100 - 300,
        )
        for n in range(60)
    )
    factories.trade(executed_at=start + dt.timedelta(days=10, hours=10), price=71000).save()
    factories.trade(
        side="SELL", executed_at=start + dt.timedelta(days=20, hours=10), price=72000
    ).save()
    User.objects.create_superuser("boss", password="a-long-pass-phrase")


def shot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def test_staff_log_in_and_see_the_dashboard_the_trades_and_the_chart(server, browser, market):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/admin/")
    browser.find_element(By.NAME, "username").send_keys("boss")
    browser.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 30).until(ready.presence_of_element_located((By.ID, "qb-dashboard")))
    assert "OPEN POSITIONS" in browser.find_element(By.ID, "qb-dashboard").text
    shot(browser, "dashboard")

    browser.get(f"{server}/admin/trading/trade/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 2
    assert "005930 삼성전자" in rows[0].text
    shot(browser, "trades")

    browser.get(
        f"{server}/admin/marketdata/chart/?symbol=005930&interval=1d"
        "&start=2024-01-02&end=2024-03-01"
    )
    WebDriverWait(browser, 60).until(
        lambda d: d.find_element(By.ID, "qb-chart").get_attribute("data-candles")
    )
    assert browser.find_element(By.ID, "qb-chart").get_attribute("data-candles") == "60"
    # plotly draws one path per candle box.
    boxes = browser.find_elements(By.CSS_SELECTOR, "#qb-chart .trace.boxes path")
    assert len(boxes) == 60
    markers = browser.find_elements(By.CSS_SELECTOR, "#qb-chart .scatterlayer .point")
    assert len(markers) == 2
    assert browser.find_element(By.ID, "qb-chart-note").text == "60 candles, 2 trades"
    shot(browser, "chart")
