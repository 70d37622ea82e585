"""Every GET parameter of every admin page, with absurd values: a page, a form error or
400, never a server error."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.urls import reverse

from tests import factories
from tests.test_every_admin_url import admin_paths

pytestmark = pytest.mark.django_db

ABSURD = [
    "9999-12-31",
    "0001-01-01",
    "0001-01-05",
    "2024-02-30",
    "2024-01-01T00:00:00+99:00",
    "2024-01-01T00:00:00+20:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "NaN",
    "1e999",
    "-Infinity",
    "-1",
    "99999999999999999999999",
    "a\x00b",
    "\x00",
    "x" * 5000,
    "a=NaN",
    "a=1e999",
    "a=-Infinity",
    "a=\x00",
    'a="\\u0000"',
    "a={",
    "%",
    "' OR 1=1 --",
]
RANGE = {"symbol": "005930", "interval": "1d"}
# Parameters of the admin's own change lists, whatever a page links to.
CHANGELIST = {"q", "o", "p", "all", "e", "_to_field", "_popup"}


def market_page(path):
    return "/marketdata/" in path and "/stockmetadata/" not in path


def parameters(html):
    """Names of the GET parameters a page links to or asks for in a GET form."""
    names = set()
    for href in re.findall(r'href="([^"]*\?[^"]*)"', html):
        names |= {k for k, _v in parse_qsl(urlsplit(unescape(href)).query, True)}
    for form in re.findall(r"<form(?![^>]*method=\"post\")[^>]*>(.*?)</form>", html, re.S | re.I):
        names |= set(re.findall(r'<(?:input|select)[^>]*name="([^"]+)"', form))
    return names - {"csrfmiddlewaretoken", "next"}


@pytest.fixture
def pages(admin_client):
    factories.bar().save()
    factories.stock().save()
    paths = [
        p
        for p in admin_paths()
        if not re.search(r"/(change|delete|history|password)/|/\d+/$|logout", p)
    ]
    found = {}
    for path in paths:
        response = admin_client.get(path, RANGE if market_page(path) else {})
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        names = parameters(response.content.decode())
        if market_page(path):
            names |= {"symbol", "interval", "start", "end", "before", "page"}
        elif path == "/admin/trading/trade/":
            names |= CHANGELIST
        else:
            names -= CHANGELIST - {"q"}  # Django's own, walked once on the trade list
        found[path] = names
    return found


def test_the_walk_reaches_the_pages_and_their_parameters(pages):
    assert "/admin/trading/systemlog/" in pages
    assert {"extra", "level__exact", "q"} <= pages["/admin/trading/systemlog/"]
    assert {"start", "end", "before"} <= pages["/admin/marketdata/bars/"]
    assert pages["/admin/trading/trade/"] >= CHANGELIST
    assert sum(len(names) for names in pages.values()) > 60


# Without a test transaction: a database error in one request must not spoil the next.
# A date typed into a list filter's address is naive, which Django warns about; the suite
# turns that warning into an error, a server does not.
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning")
def test_absurd_values_in_any_parameter_never_give_a_server_error(admin_client, pages):
    admin_client.raise_request_exception = False
    failures = []
    for path, names in pages.items():
        base = RANGE if market_page(path) else {}
        for name in sorted(names):
            for value in ABSURD:
                response = admin_client.get(f"{path}?{urlencode(base | {name: value})}")
                if response.status_code not in (200, 302, 400, 403, 404):
                    failures.append((path, name, value[:40], response.status_code))
    assert failures == []


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-05"])
@pytest.mark.parametrize("page", ["marketdata_browser", "marketdata_chart", "marketdata_delete"])
def test_a_date_out_of_range_is_a_form_error(admin_client, page, value):
    response = admin_client.get(reverse(f"admin:{page}"), RANGE | {"end": value})

    assert response.status_code == 200
    assert response.context["form"].errors["end"] == [
        f"Enter a date from 1956-03-03 (the KRX opened) to {last_day()}."
    ]


def last_day():
    import datetime as dt

    return dt.date(dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).year + 1, 12, 31)


def test_the_chart_data_answers_400_with_the_form_errors(admin_client):
    response = admin_client.get(
        reverse("admin:marketdata_chart_data"), RANGE | {"end": "9999-12-31"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["end"] == [
        f"Enter a date from 1956-03-03 (the KRX opened) to {last_day()}."
    ]


def test_a_page_cursor_out_of_range_is_refused_on_the_page(admin_client):
    cursor = "0001-01-01T00:00:00+05:00"
    response = admin_client.get(reverse("admin:marketdata_browser"), RANGE | {"before": cursor})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The page cursor is not a time."]


def test_a_page_cursor_with_an_offset_postgresql_refuses_is_read_in_korea_time(admin_client):
    factories.bar().save()  # 2024-03-04
    cursor = "2024-03-05T00:00:00+20:00"  # 2024-03-04 13:00 in Korea, after the bar
    response = admin_client.get(reverse("admin:marketdata_browser"), RANGE | {"before": cursor})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


@pytest.mark.parametrize("value", ["a=NaN", "a=1e999", "a=-Infinity", 'a="\\u0000"'])
def test_a_log_extra_filter_with_a_value_json_cannot_store_finds_nothing(admin_client, value):
    factories.log(extra={"a": 1}).save()
    response = admin_client.get(reverse("admin:trading_systemlog_changelist"), {"extra": value})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_nul_byte_anywhere_in_a_request_is_a_bad_request(admin_client):
    assert admin_client.get("/admin/trading/trade/", {"side__exact": "BUY\x00"}).status_code == 400
    assert admin_client.get("/admin/trading/trade/", {"q": "\x00"}).status_code == 400
