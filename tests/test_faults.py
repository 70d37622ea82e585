"""Faults on a real, separate PostgreSQL server that the tests stop, restart and abuse."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
HEADER = "time,symbol,interval_type,open,high,low,close,volume\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="qb-fault-", dir="/var/tmp"))
        self.dir.chmod(0o755)
        self.port = free_port()
        self.env = os.environ | {
            "QB_LOCAL_DIR": str(self.dir),
            "QB_LOCAL_PG_PORT": str(self.port),
            "QB_LOCAL_PG_FSYNC": "off",  # a throwaway cluster
        }

    def localdb(self, action):
        return subprocess.run(
            [ROOT / "bin" / "localdb", action],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()

    @property
    def url(self):
        return self.localdb("url")

    def manage(self, *args, wait=True):
        env = os.environ | {"DATABASE_URL": self.url, "QB_TIMESCALEDB": "off"}
        command = [sys.executable, "manage.py", *map(str, args)]
        if not wait:
            return subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    def sql(self, statement):
        connection = psycopg2.connect(self.url)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchone() if cursor.description else None
        finally:
            connection.close()

    def bars(self):
        return self.sql(
            "SELECT count(*), count(DISTINCT (time, symbol, interval_type)) FROM market_data"
        )


@pytest.fixture(scope="module")
def server():
    server = Server()
    server.localdb("start")
    migrated = server.manage("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    yield server
    server.localdb("stop")
    shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture
def empty(server):
    server.sql("TRUNCATE market_data")
    return server


def minute_file(path, symbols, minutes, start_day=2):
    with path.open("w") as out:
        out.write(HEADER)
        for m in range(minutes):
            stamp = (
                f"2024-01-{start_day + m // 1440:02d} {m % 1440 // 60:02d}:{m % 60:02d}:00+09:00"
            )
            for s in symbols:
                out.write(f"{stamp},{s},1m,100,110,90,105,{m}\n")
    return path


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_database_restart_during_a_load_fails_cleanly_and_the_rerun_converges(empty, tmp_path):
    symbols = [f"{n:06d}" for n in range(1, 101)]
    path = minute_file(tmp_path / "bars.csv", symbols, 4000)  # 400,000 rows
    loader = empty.manage("load_marketdata", path, wait=False)
    # Stop the server once the COPY runs: a fixed wait lost the race on a busy machine,
    # where Django's start took longer and the loader met the restarted server.
    assert wait_for(
        lambda: (
            empty.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%%' "
                "AND pid <> pg_backend_pid()"
            )[0]
            > 0
        )
    )
    empty.localdb("stop")
    empty.localdb("start")
    _, err = loader.communicate(timeout=300)

    assert loader.returncode == 1
    assert "Traceback" not in err
    # When the server dies in the middle of a COPY, psycopg2 prints the server's message
    # itself before raising (its copy loop reports two results); the loader's own report
    # comes last.
    assert err.count("CommandError: ") == 1
    assert err[err.index("CommandError: ") :].startswith(
        "CommandError: Nothing was loaded: the database said: "
    )
    assert empty.bars() == (0, 0)  # the run was one transaction: nothing partial

    rerun = empty.manage("load_marketdata", path)
    assert rerun.returncode == 0, rerun.stderr
    assert empty.bars() == (400_000, 400_000)


def test_a_killed_loader_leaves_whole_files_and_the_rerun_converges(empty, tmp_path):
    files = [
        minute_file(
            tmp_path / f"part{n}.csv",
            [f"{k:06d}" for k in range(1, 101)],
            1500,
            start_day=2 + n * 2,
        )
        for n in range(3)
    ]
    # --skip-invalid commits file by file: a kill keeps the files already committed.
    loader = empty.manage("load_marketdata", "--skip-invalid", *files, wait=False)
    assert wait_for(lambda: empty.bars()[0] >= 150_000)
    loader.send_signal(signal.SIGKILL)
    loader.wait(timeout=30)

    count, distinct = empty.bars()
    assert count == distinct
    assert count % 150_000 == 0 and count < 450_000

    rerun = empty.manage("load_marketdata", *files)
    assert rerun.returncode == 0, rerun.stderr
    assert empty.bars() == (450_000, 450_000)
