"""The bars export: COPY in chunks, every bar once, and a failure that cannot pass for a
whole file; through gunicorn, a long export completes while the health endpoints answer."""

import datetime as dt
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.urls import reverse

from marketdata import exports
from tests.servers import free_port

KST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2024, 1, 2, 9, 0, tzinfo=KST)


def minute_bars(count, symbol="005930"):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, volume)
            SELECT %s + n * interval '1 minute', %s, '1m', 100, 110, 90, 105, n
            FROM generate_series(0, %s - 1) AS n
            """,
            [START, symbol, count],
        )


def export_url(**extra):
    query = "&".join(
        f"{k}={v}" for k, v in ({"symbol": "005930", "interval": "1m"} | extra).items()
    )
    return f"{reverse('admin:marketdata_export')}?{query}"


@pytest.mark.django_db
def test_an_export_in_many_chunks_holds_every_bar_once_in_time_order(admin_client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 7)
    minute_bars(50)
    minute_bars(3, symbol="000660")

    response = admin_client.get(export_url())
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert lines[0] == "time,symbol,interval_type,open,high,low,close,volume"
    assert len(lines) == 51
    assert lines[1] == "2024-01-02T09:00:00+09:00,005930,1m,100.00,110.00,90.00,105.00,0"
    assert lines[50] == "2024-01-02T09:49:00+09:00,005930,1m,100.00,110.00,90.00,105.00,49"
    times = [line.split(",")[0] for line in lines[1:]]
    assert times == sorted(set(times))


@pytest.mark.django_db
def test_an_export_that_fails_halfway_raises_instead_of_ending_like_a_file(
    admin_client, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK", 5)
    minute_bars(20)
    body = iter(admin_client.get(export_url()).streaming_content)
    assert next(body).startswith(b"time,")
    assert next(body).count(b"\n") == 5
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE market_data RENAME TO market_data_away")

    with pytest.raises(DatabaseError):
        next(body)


@pytest.fixture
def gunicorn(admin_user, transactional_db):
    """gunicorn with the project's gunicorn.conf.py on the test database, with a one-second
    worker timeout, and a logged-in session cookie for it."""
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    db = connection.settings_dict
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "QB_LOG_TO_DATABASE": "false",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_TIMEOUT": "1",
    }
    env.pop("SECRET_KEY_FILE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "qbsite.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            get(port, "/healthz")
            break
        except OSError:
            time.sleep(0.1)
    yield port, f"sessionid={client.cookies['sessionid'].value}"
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def get(port, path, cookie=""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def test_a_long_export_completes_through_gunicorn_while_health_answers(gunicorn):
    port, cookie = gunicorn
    minute_bars(150_000)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    # A small receive window, so that the server cannot hand the whole file to the kernel
    # at once and must keep sending for as long as the slow reader below reads.
    conn.sock = socket.socket()
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    conn.sock.connect(("127.0.0.1", port))
    conn.request("GET", export_url(), headers={"Cookie": cookie})
    response = conn.getresponse()
    assert response.status == 200
    health = []

    def probe():
        while len(health) < 5:
            health.append(get(port, "/healthz")[0])
            time.sleep(0.3)

    prober = threading.Thread(target=probe)
    prober.start()
    body = bytearray()
    # A slow reader: the export lasts several times the worker timeout.
    while chunk := response.read(256 * 1024):
        body += chunk
        time.sleep(0.2)
    prober.join()
    conn.close()

    assert health == [200] * 5
    assert body.count(b"\n") == 150_001
    assert body.endswith(b",149999\n")
