"""Security defaults, throttled logins, the 503 page, logs kept in system_logs."""

import logging
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse

from tests import factories
from trading.models import SystemLog

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def test_every_page_sends_a_content_security_policy_without_inline_script(client):
    response = client.get(LOGIN)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_sessions_expire_after_a_working_day():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY


def test_five_failed_logins_lock_the_account_even_with_the_right_password(client):
    User.objects.create_user("ops", password="the-right-pass-phrase", is_staff=True)
    statuses = [
        client.post(LOGIN, {"username": "ops", "password": "wrong"}).status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]

    locked = client.post(LOGIN, {"username": "ops", "password": "the-right-pass-phrase"})

    assert locked.status_code == 429
    assert "Account locked" in locked.text
    assert client.get("/admin/").status_code == 302


def test_a_good_login_is_not_throttled(client):
    User.objects.create_user("ops", password="the-right-pass-phrase", is_staff=True)
    client.post(LOGIN, {"username": "ops", "password": "wrong"})
    response = client.post(LOGIN, {"username": "ops", "password": "the-right-pass-phrase"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_lost_database_gives_a_friendly_503_and_the_site_recovers(admin_client):
    assert admin_client.get(reverse("admin:trading_trade_changelist")).status_code == 200
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"
    try:
        response = admin_client.get(reverse("admin:trading_trade_changelist"))
        assert response.status_code == 503
        assert "The database is unavailable" in response.text
        assert "Traceback" not in response.text
        korean = admin_client.get(
            reverse("admin:trading_trade_changelist"), HTTP_ACCEPT_LANGUAGE="ko"
        )
        assert korean.status_code == 503
        assert '<html lang="ko">' in korean.text
        assert "<h1>데이터베이스에 연결할 수 없습니다</h1>" in korean.text
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert admin_client.get(reverse("admin:trading_trade_changelist")).status_code == 200


def system_log_handler():
    [handler] = [h for h in logging.getLogger("trading").handlers if h.name == "system_logs"]
    return handler


@pytest.mark.django_db(transaction=True)
def test_the_projects_warnings_land_in_system_logs_with_the_logger_as_component(settings):
    settings.QB_LOG_TO_DATABASE = True
    logging.getLogger("trading.positions").warning("position %s looks stale", "005930")
    logging.getLogger("trading.positions").info("routine")
    system_log_handler().flush()

    [row] = SystemLog.objects.all()
    assert (row.level, row.component, row.message) == (
        "WARNING",
        "trading.positions",
        "position 005930 looks stale",
    )


@pytest.mark.django_db(transaction=True)
def test_logging_when_the_table_cannot_be_written_neither_blocks_nor_fails(settings):
    settings.QB_LOG_TO_DATABASE = True
    handler = system_log_handler()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE system_logs RENAME TO system_logs_away")
    try:
        started = time.perf_counter()
        for n in range(100):
            logging.getLogger("marketdata.loading").error("failure %d", n)
        assert time.perf_counter() - started < 1.0
        handler.flush()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE system_logs_away RENAME TO system_logs")
    assert not SystemLog.objects.exists()
    logging.getLogger("marketdata.loading").error("after")
    handler.flush()
    assert SystemLog.objects.get().message == "after"


def test_exports_neutralise_spreadsheet_formulas(admin_client):
    factories.trade(strategy="=cmd|' /C calc'!A0", broker_order_id="+1+1").save()
    response = admin_client.post(
        reverse("admin:trading_trade_export"),
        {
            "format": "0",
            "resource": "0",
            "traderesource_strategy": "on",
            "traderesource_broker_order_id": "on",
        },
    )
    assert response.content.decode().splitlines() == [
        "strategy,broker_order_id",
        "'=cmd|' /C calc'!A0,'+1+1",
    ]


@pytest.mark.django_db(transaction=True)
def test_nothing_an_anonymous_client_sends_reaches_system_logs_or_the_health_check(settings):
    from django.test import Client

    from qbsite import dashboard, health

    settings.QB_LOG_TO_DATABASE = True
    settings.ALLOWED_HOSTS = ["testserver"]

    def seen():
        [logs] = health.run(["logs"])
        figures = dashboard.figures(User(username="someone", is_superuser=True))
        return figures["errors"], logs.status, logs.message, logs.details["components"]

    before = seen()
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="attacker's <b>text</b>")
    for n in range(100):
        assert client.get("/healthz", HTTP_HOST=f"evil{n}.example").status_code == 400
    for _ in range(20):
        assert client.post(LOGIN, {"username": "ops", "password": "x"}).status_code == 403
    csrf_client = Client(HTTP_USER_AGENT="attacker's text")
    for n in range(20):
        csrf_client.post(LOGIN, {"username": f"ops{n % 3}", "password": "wrong"})
    client.get("/admin/no-such-page/")
    system_log_handler().flush()

    assert SystemLog.objects.count() == 0
    assert seen() == before


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_one_error_keeps_ten_rows_a_minute_and_counts_the_rest(settings):
    settings.QB_LOG_TO_DATABASE = True
    handler = system_log_handler()
    now = [1000.0]
    handler.clock = lambda: now[0]
    try:
        for n in range(1000):
            logging.getLogger("trading.broker").error("order %s rejected", n)
        handler.flush()
        assert SystemLog.objects.count() == 10
        now[0] += 61
        logging.getLogger("trading.broker").error("order %s rejected", "late")
        logging.getLogger("trading.other").error("something else")
        handler.flush()
    finally:
        handler.clock = time.monotonic
    late = SystemLog.objects.get(message="order late rejected")
    assert late.extra["left_out"] == 990
    assert SystemLog.objects.count() == 12


def test_x_forwarded_proto_from_a_client_is_not_believed(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + LOGIN


def test_behind_a_proxy_that_says_so_x_forwarded_proto_is_believed(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(LOGIN, HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_the_https_redirect_carries_the_policy_and_the_frame_ban(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(LOGIN)
    assert response.status_code == 301
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert response["X-Frame-Options"] == "DENY"


def test_a_login_whose_next_is_refused_lands_on_the_admin(client):
    User.objects.create_user("ops", password="the-right-pass-phrase", is_staff=True)
    response = client.post(
        "/admin/login/?next=https://evil.example/",
        {"username": "ops", "password": "the-right-pass-phrase", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db(transaction=True)
def test_the_chart_data_answers_json_when_the_database_is_down(admin_client):
    url = reverse("admin:marketdata_chart_data") + "?symbol=005930&interval=1d"
    assert admin_client.get(url).status_code == 200
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"
    try:
        response = admin_client.get(url)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "The database is unavailable."}
