"""Servers the tests start beside the test cluster: a streaming replica of it, and
PgBouncer in front of it. Each runs as the `postgres` user when the tests run as root (both
refuse root), in a private folder, on a free port, and is removed afterwards."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path:
    for version in (17, 16, 15, 14):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if (path / "pg_ctl").exists():
            return path
    found = shutil.which("pg_ctl")
    if not found:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    return Path(found).parent


def as_owner(command: list) -> list:
    return ["runuser", "-u", "postgres", "--", *map(str, command)] if os.geteuid() == 0 else command


def private_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


def run(command, env=None):
    result = subprocess.run(
        as_owner(command), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stderr}")
    return result


class Standby:
    """A streaming replica of the server `primary` (a Django settings dict) describes:
    pg_basebackup -R into a folder of its own, then a hot standby on a free port."""

    def __init__(self, primary: dict):
        self.primary = primary
        self.folder = private_folder("qb-standby-")
        self.data = self.folder / "data"
        self.port = free_port()
        self.bin = postgres_bin()
        self.env = os.environ | ({"PGPASSWORD": primary["PASSWORD"]} if primary["PASSWORD"] else {})

    def start(self):
        if not self.data.exists():
            run(
                [
                    self.bin / "pg_basebackup",
                    "-h",
                    self.primary["HOST"],
                    "-p",
                    self.primary["PORT"],
                    "-U",
                    self.primary["USER"],
                    "-D",
                    self.data,
                    "--write-recovery-conf",
                    "--wal-method=stream",
                    "--checkpoint=fast",
                    "--no-sync",
                ],
                env=self.env,
            )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off -c hot_standby=on"
        )
        run(
            [
                self.bin / "pg_ctl",
                "-D",
                self.data,
                "-l",
                self.folder / "server.log",
                "-w",
                "-t",
                "60",
                "start",
                "-o",
                options,
            ]
        )

    def stop(self):
        run([self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def settings(self) -> dict:
        """The Django settings of the standby: the primary's, on the standby's port."""
        return self.primary | {"HOST": "127.0.0.1", "PORT": str(self.port)}

    def sql(self, statement, params=()):
        with (
            psycopg2.connect(
                host="127.0.0.1",
                port=self.port,
                user=self.primary["USER"],
                password=self.primary["PASSWORD"] or None,
                dbname=self.primary["NAME"],
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def wait_for(self, statement, expected, timeout=30.0):
        """Until `statement` gives `expected` on the standby (replication is asynchronous)."""
        deadline = time.monotonic() + timeout
        while (found := self.sql(statement)) != expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"the standby still says {found}, not {expected}")
            time.sleep(0.05)


class Bouncer:
    """Debian's PgBouncer in transaction pooling mode in front of the server `primary` (a
    Django settings dict) describes, for every database of it."""

    def __init__(self, primary: dict):
        self.primary = primary
        self.folder = private_folder("qb-pgbouncer-")
        self.port = free_port()
        self.process = None

    def start(self):
        server = (
            f"host={self.primary['HOST']} port={self.primary['PORT']} user={self.primary['USER']}"
            + (f" password={self.primary['PASSWORD']}" if self.primary["PASSWORD"] else "")
        )
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = {server}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            f"unix_socket_dir = {self.folder}\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n"
            # Loopback only, for the length of a test; the server connections log in as
            # the user above, whatever the client says.
            "auth_type = any\n"
            "pool_mode = transaction\n"
            "default_pool_size = 4\n"
            "max_client_conn = 50\n"
            "stats_period = 1\n"
            f"admin_users = {self.primary['USER']}\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        if os.geteuid() == 0:
            shutil.chown(config, "postgres", "postgres")
        self.process = subprocess.Popen(
            as_owner(["pgbouncer", config]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "pgbouncer.log").read_text(errors="replace")
                raise RuntimeError(f"pgbouncer did not start:\n{log}")
            time.sleep(0.05)

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def transactions(self, database: str) -> int:
        """Transactions PgBouncer has passed to `database` (SHOW STATS on its admin console;
        the totals follow within stats_period)."""
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.primary["USER"], dbname="pgbouncer"
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SHOW STATS")
            names = [c.name for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        connection.close()
        return sum(r["total_xact_count"] for r in rows if r["database"] == database)

    def remove(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)
