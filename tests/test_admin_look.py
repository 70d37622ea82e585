"""Destructive buttons look destructive; log levels are coloured in the log list."""

import datetime as dt

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from marketdata.models import MarketData
from tests import factories

pytestmark = pytest.mark.django_db
KST = dt.timezone(dt.timedelta(hours=9))


def test_the_delete_button_is_styled_as_destructive(admin_client):
    MarketData.objects.bulk_create(
        factories.bar(
            interval_type="1m",
            time=dt.datetime(2024, 1, 2, 9, tzinfo=KST) + dt.timedelta(minutes=n),
        )
        for n in range(1200)
    )
    page = admin_client.get(
        reverse("admin:marketdata_delete"), {"symbol": "005930", "interval": "1m"}
    ).text
    assert "This range holds 1,200 bars." in page
    assert '<input type="submit" class="qb-danger" value="Yes, delete 1,200 bars">' in page
    browser = admin_client.get(
        reverse("admin:marketdata_browser"), {"symbol": "005930", "interval": "1m"}
    ).text
    assert 'class="button qb-danger"' in browser
    with open(finders.find("display/desk.css")) as sheet:
        assert "background: var(--delete-button-bg)" in sheet.read()


def test_log_levels_are_coloured(admin_client):
    for level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        factories.log(level=level).save()
    page = admin_client.get(reverse("admin:trading_systemlog_changelist")).text
    for level, label in (("ERROR", "Error"), ("CRITICAL", "Critical"), ("WARNING", "Warning")):
        assert f'<span class="qb-level qb-level-{level}">{label}</span>' in page
