"""The admin's load page in a real browser, in English and Korean: upload a file whose
header the loader does not know, correct the mapping, confirm, and undo the load. Shots in
test-artifacts/ (en-load-upload-*.png, ko-load-upload-*.png)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from marketdata.models import Load, MarketData
from tests.test_browser import ARTIFACTS, browser, full_shot, server  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BROKER = (
    "Trade day,Open,High,Low,Last,Shares\n"
    "2024-01-02,78200,79800,78200,79600,17142847\n"
    "2024-01-03,78500,78800,77000,77000,21753644\n"
)
HEADINGS = {
    "en": ("The file cannot be loaded as it is", "How the file was read"),
    "ko": ("이 파일은 그대로 적재할 수 없습니다", "파일을 읽은 방식"),
}


def log_in(driver, address, language):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    User.objects.create_superuser("boss", password="a-long-pass-phrase")
    driver.get(f"{address}/admin/")
    driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": language})
    driver.find_element(By.NAME, "username").send_keys("boss")
    driver.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, 30).until(ready.presence_of_element_located((By.ID, "qb-dashboard")))


@pytest.mark.parametrize("language", ["en", "ko"])
def test_upload_correct_the_mapping_confirm_and_undo(server, browser, language):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    log_in(browser, server, language)
    ARTIFACTS.mkdir(exist_ok=True)
    upload = ARTIFACTS / "005930.csv"
    upload.write_text(BROKER)
    cannot, read = HEADINGS[language]

    browser.get(f"{server}/admin/marketdata/load/")
    browser.find_element(By.CSS_SELECTOR, ".object-tools a.addlink").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    browser.find_element(By.NAME, "file").send_keys(str(upload))
    browser.find_element(By.NAME, "preview").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "qb-errors"))
    assert cannot in browser.page_source
    full_shot(browser, f"{language}-load-upload-refused")

    browser.find_element(By.NAME, "maps").send_keys("date=Trade day\nclose=Last\nvolume=Shares")
    browser.find_element(By.NAME, "preview").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "qb-counts"))
    assert read in browser.page_source
    assert "Trade day" in browser.find_element(By.ID, "qb-preview").text
    full_shot(browser, f"{language}-load-upload-preview")
    assert MarketData.objects.count() == 0

    browser.find_element(By.CSS_SELECTOR, "button[name=confirm]").click()
    WebDriverWait(browser, 30).until(lambda d: "/change/" in d.current_url)
    load = Load.objects.get()
    assert (load.user.username, MarketData.objects.count()) == ("boss", 2)
    full_shot(browser, f"{language}-load-upload-loaded")

    browser.get(f"{server}/admin/marketdata/load/")
    browser.find_element(By.CSS_SELECTOR, "input.action-select").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("undo_selected")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=submit].qb-danger")
    )
    browser.find_element(By.CSS_SELECTOR, "input[type=submit].qb-danger").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".messagelist"))
    assert MarketData.objects.count() == 0
    load.refresh_from_db()
    assert load.undone_at is not None
