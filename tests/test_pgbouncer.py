"""The admin through Debian's PgBouncer in transaction pooling mode, with the settings that
DATABASE_PGBOUNCER=transaction applies."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.urls import reverse

from tests import factories
from tests.servers import Bouncer
from tests.test_every_admin_url import admin_paths

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def through_pgbouncer(transactional_db):
    """The test database reached through PgBouncer, for this test only."""
    bouncer = Bouncer(connection.settings_dict)
    bouncer.start()
    direct = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        PORT=str(bouncer.port), CONN_MAX_AGE=0, DISABLE_SERVER_SIDE_CURSORS=True
    )
    try:
        yield bouncer
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(direct)
        bouncer.remove()


def test_every_admin_page_works_through_pgbouncer_in_transaction_mode(client, through_pgbouncer):
    name = connection.settings_dict["NAME"]
    before = through_pgbouncer.transactions(name)
    user = User.objects.create_user("admin-staff", is_staff=True)
    user.groups.add(Group.objects.get(name="admin"))
    client.force_login(user)
    answers = {}
    for path in admin_paths():
        if path != "/admin/logout/":
            answers[path] = client.get(path).status_code
    assert all(code in (200, 302, 400, 403, 404, 405) for code in answers.values()), answers
    assert answers["/admin/"] == 200

    # A streamed export, which fetches in chunks without a server-side cursor.
    factories.bar().save()
    export = client.get(reverse("admin:marketdata_export"), {"symbol": "005930", "interval": "1d"})
    assert b"".join(export.streaming_content).decode().count("\n") == 2

    time.sleep(2)  # stats_period
    assert through_pgbouncer.transactions(name) - before > len(answers)


def settings_with(**environment):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; "
        "print(d['DISABLE_SERVER_SIDE_CURSORS'], d['CONN_MAX_AGE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "qbsite.settings"} | environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_transaction_pooling_turns_off_server_side_cursors_and_persistent_connections():
    assert settings_with(DATABASE_PGBOUNCER="transaction") == ["True", "0"]
    assert settings_with(DATABASE_PGBOUNCER="transaction", CONN_MAX_AGE="30") == ["True", "30"]
    assert settings_with(DATABASE_PGBOUNCER="off") == ["False", "60"]
