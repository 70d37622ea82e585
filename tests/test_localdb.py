"""The private PostgreSQL of `make run` (bin/localdb): a password for every connection, kept
in a file only its owner reads, and writes synced to disk; an older cluster that trusted
everyone and ran without fsync is brought to that in place, its data kept."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from tests.servers import as_owner, free_port, postgres_bin, private_folder

LOCALDB = Path(settings.BASE_DIR) / "bin" / "localdb"


class Cluster:
    def __init__(self, **env):
        self.state = private_folder("qb-localdb-")
        self.port = free_port()
        self.env = (
            os.environ
            | {
                "QB_LOCAL_DIR": str(self.state),
                "QB_LOCAL_PG_PORT": str(self.port),
            }
            | env
        )

    def localdb(self, action):
        return subprocess.run(
            [LOCALDB, action], env=self.env, capture_output=True, text=True, timeout=120, check=True
        )

    def url(self):
        return self.localdb("url").stdout.strip()

    def sql(self, statement, **connect):
        with psycopg2.connect(**connect) as connection, connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()[0] if cursor.description else None

    def remove(self):
        if (self.state / "pg" / "data" / "postmaster.pid").exists():
            self.localdb("stop")
        shutil.rmtree(self.state, ignore_errors=True)


@pytest.fixture
def cluster():
    made = []

    def make(**env):
        made.append(Cluster(**env))
        return made[-1]

    yield make
    for c in made:
        c.remove()


def refused(**connect):
    with pytest.raises(psycopg2.OperationalError) as refusal:
        psycopg2.connect(**connect).close()
    return str(refusal.value)


def test_a_new_private_server_asks_everyone_for_its_password_and_syncs_to_disk(cluster):
    db = cluster()
    db.localdb("start")

    password_file = db.state / "pg-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    password = password_file.read_text().strip()
    assert len(password) >= 32
    assert db.url() == f"postgres://postgres:{password}@127.0.0.1:{db.port}/qb"
    assert db.sql("SHOW fsync", dsn=db.url()) == "on"
    tcp = {"host": "127.0.0.1", "port": db.port, "user": "postgres", "dbname": "qb"}
    assert "no password supplied" in refused(**tcp)
    assert "password authentication failed" in refused(**tcp, password="postgres")
    socket = tcp | {"host": str(db.state / "pg"), "password": "postgres"}
    assert "password authentication failed" in refused(**socket)
    assert db.sql("SELECT 1", **socket | {"password": password}) == 1
    # The second start finds everything in place and changes nothing.
    assert db.localdb("start").stderr == ""
    assert password_file.read_text().strip() == password


def test_a_cluster_that_trusted_everyone_is_upgraded_in_place(cluster):
    db = cluster()
    data = db.state / "pg" / "data"
    data.parent.mkdir(mode=0o755)
    if os.geteuid() == 0:
        shutil.chown(data.parent, "postgres", "postgres")
    # As the earlier bin/localdb made and started it.
    binaries = postgres_bin()
    subprocess.run(
        as_owner([binaries / "initdb", "--no-sync", "-A", "trust", "-U", "postgres", "-D", data]),
        capture_output=True,
        check=True,
    )
    options = (
        f"-p {db.port} -c listen_addresses=127.0.0.1 "
        f"-c unix_socket_directories={data.parent} -c fsync=off"
    )
    pg_ctl = [binaries / "pg_ctl", "-D", data, "-l", data.parent / "log", "-w", "start"]
    subprocess.run(as_owner([*pg_ctl, "-o", options]), capture_output=True, check=True)
    trusted = {"host": "127.0.0.1", "port": db.port, "user": "postgres", "dbname": "postgres"}
    connection = psycopg2.connect(**trusted)
    connection.autocommit = True
    connection.cursor().execute("CREATE DATABASE qb")
    connection.close()
    db.sql("CREATE TABLE kept AS SELECT 42 AS answer", **trusted | {"dbname": "qb"})

    started = db.localdb("start")

    assert "trusted every connection; setting its password" in started.stderr
    assert "no password supplied" in refused(**trusted)
    assert db.sql("SELECT answer FROM kept", dsn=db.url()) == 42
    assert db.sql("SHOW fsync", dsn=db.url()) == "on"


def test_a_throwaway_cluster_may_run_without_fsync(cluster):
    db = cluster(QB_LOCAL_PG_FSYNC="off")
    db.localdb("start")
    assert db.sql("SHOW fsync", dsn=db.url()) == "off"
    # Started again for `make run`, it syncs again.
    db.env["QB_LOCAL_PG_FSYNC"] = "on"
    assert "restarting with fsync=on" in db.localdb("start").stderr
    assert db.sql("SHOW fsync", dsn=db.url()) == "on"
