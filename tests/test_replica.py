"""A real streaming replica of the test cluster (pg_basebackup -R into a second private
PostgreSQL): the admin's reads go to it, a person reads their own writes from the primary,
and reads fall back to the primary when it lags or is down."""

import time
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketdata.models import StockMetadata
from qbsite import health, replica
from tests import factories
from tests.servers import Standby

# The replica is a mirror to Django's test machinery: nothing is created or flushed on it.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])
STOCKS = reverse("admin:marketdata_stockmetadata_changelist")


@pytest.fixture(scope="module", autouse=True)
def standby(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = Standby(connection.settings_dict)
    server.start()
    connections.settings[replica.REPLICA] = server.settings() | {"TEST": {"MIRROR": "default"}}
    try:
        yield server
    finally:
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del connections.settings[replica.REPLICA]
        server.remove()


@pytest.fixture
def with_replica(standby, settings, monkeypatch):
    """The standby, replaying, measured on every use, allowed to lag a minute."""
    settings.QB_REPLICA_MAX_LAG = 60
    monkeypatch.setattr(replica, "CHECK_SECONDS", 0)
    try:
        yield standby
    finally:
        if standby.sql("SELECT pg_is_in_recovery()") == [(True,)]:
            standby.sql("SELECT pg_wal_replay_resume()")


def staff(name):
    user = User.objects.create_superuser(name, password="x" * 20)
    return user


def replicated(standby):
    """Until the standby has every stock the primary has."""
    standby.wait_for("SELECT count(*) FROM stock_metadata", [(StockMetadata.objects.count(),)])


def sql_of(queries):
    return " ".join(q["sql"] for q in queries)


def form_data(response):
    """What the admin change form would post back as it stands."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def test_the_admin_lists_read_from_the_replica_and_the_primary_serves_the_rest(
    client, with_replica
):
    factories.stock().save()
    client.force_login(staff("reader"))
    replicated(with_replica)
    with (
        CaptureQueriesContext(connections[replica.REPLICA]) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        page = client.get(STOCKS)
    assert page.status_code == 200
    assert "삼성전자" in page.text
    assert 'FROM "stock_metadata"' in sql_of(on_replica)
    assert 'FROM "stock_metadata"' not in sql_of(on_primary)
    assert 'FROM "django_session"' in sql_of(on_primary)  # sessions stay on the primary


def test_after_an_edit_the_editor_reads_the_primary_while_others_read_the_replica(
    client, with_replica
):
    factories.stock().save()
    editor = staff("editor")
    client.force_login(editor)
    replicated(with_replica)
    # The replica stops applying changes: whatever is written now, it does not have.
    with_replica.sql("SELECT pg_wal_replay_pause()")
    change = reverse("admin:marketdata_stockmetadata_change", args=["005930"])
    data = form_data(client.get(change)) | {"name_en": "Samsung Elec. (edited)"}

    edited = client.post(change, data, follow=True)

    assert edited.status_code == 200
    assert "Samsung Elec. (edited)" in edited.text  # read back from the primary
    assert "Samsung Elec. (edited)" in client.get(STOCKS).text
    other = client_for(staff("other"))
    assert "Samsung Elec. (edited)" not in other.get(STOCKS).text  # the replica's copy
    with_replica.sql("SELECT pg_wal_replay_resume()")
    replicated(with_replica)
    with_replica.wait_for(
        "SELECT name_en FROM stock_metadata WHERE symbol = '005930'",
        [("Samsung Elec. (edited)",)],
    )
    assert "Samsung Elec. (edited)" in other.get(STOCKS).text


def client_for(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def test_reads_fall_back_to_the_primary_when_the_replica_lags_too_far(
    client, with_replica, settings
):
    client.force_login(staff("reader"))
    factories.stock().save()
    replicated(with_replica)
    with_replica.sql("SELECT pg_wal_replay_pause()")
    factories.stock(symbol="000660", name="SK하이닉스").save()
    settings.QB_REPLICA_MAX_LAG = 0.5
    time.sleep(1.0)

    page = client.get(STOCKS)

    assert "SK하이닉스" in page.text  # the primary's rows
    [check] = health.run(["replica"])
    assert check.status == health.WARNING
    assert check.message.endswith(
        "s behind the primary, more than QB_REPLICA_MAX_LAG (0.5 s); reads go to the primary"
    )


def test_the_health_check_reports_the_lag_of_a_replica_in_step(with_replica):
    with_replica.wait_for("SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()", [(True,)])
    [check] = health.run(["replica"])
    assert check.status == health.OK
    assert check.message == "0.0 s behind the primary (at most 60 s); the admin reads from it"
    assert check.details["reachable"] is True


def test_reads_fall_back_to_the_primary_when_the_replica_is_down(client, with_replica):
    client.force_login(staff("reader"))
    factories.stock().save()
    with_replica.stop()
    try:
        page = client.get(STOCKS)
        assert page.status_code == 200
        assert "삼성전자" in page.text
        [check] = health.run(["replica"])
        assert check.status == health.WARNING
        assert check.message.startswith("unreachable (")
        assert check.message.endswith("); reads go to the primary")
    finally:
        with_replica.start()


def test_the_chart_and_coverage_read_bars_and_counts_from_the_replica(client, with_replica):
    client.force_login(staff("reader"))
    factories.bar().save()
    with_replica.wait_for("SELECT count(*) FROM market_data", [(1,)])
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        chart = client.get(
            reverse("admin:marketdata_chart_data"), {"symbol": "005930", "interval": "1d"}
        )
        coverage = client.get(reverse("admin:marketdata_coverage"))
    assert len(chart.json()["candles"]["t"]) == 1
    assert [r.bars for r in coverage.context["rows"]] == [1]
    assert "FROM market_data WHERE" in sql_of(on_replica)
    assert "FROM market_data_days" in sql_of(on_replica)


def test_commands_read_and_write_the_primary(with_replica):
    factories.bar().save()
    with_replica.wait_for("SELECT count(*) FROM market_data", [(1,)])
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        call_command("marketdata_coverage", stdout=StringIO())
        call_command("prune_marketdata", "--older-than", "1 day", stdout=StringIO())
    assert on_replica.captured_queries == []
