import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings

from qbsite.logging import JsonFormatter
from tests.servers import free_port


def test_json_lines_carry_time_level_logger_and_message():
    record = logging.LogRecord(
        "marketdata.loading", logging.ERROR, __file__, 1, "bad %s", ("row",), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "marketdata.loading"
    assert entry["message"] == "bad row"
    assert entry["time"][:2] == "20"


def test_exceptions_stay_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "qbsite", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_gunicorn_s_master_and_workers_log_in_korea_time(tmp_path):
    # The machine's clock in UTC, as in the Docker image.
    env = os.environ | {"TZ": "UTC", "PORT": str(free_port()), "WEB_CONCURRENCY": "1"}
    env.pop("TIME_ZONE", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "qbsite.wsgi"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=5)
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    time.sleep(0.1)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    text = log.read_text()
    master = re.findall(
        r"^\[[\d-]+ [\d:]+ ([+-]\d{4})\] \[\d+\] \[INFO\] Starting gunicorn", text, re.M
    )
    access = re.findall(r'\[\d+/\w+/\d+:[\d:]+ ([+-]\d{4})\] "GET /healthz', text)
    assert (master, access) == (["+0900"], ["+0900"])
