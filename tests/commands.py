"""Running manage.py in a child process against the test database, for what only a real
process shows: exit codes, what reaches stderr, waiting on the file system."""

import subprocess
import sys
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


def manage(*args, timeout=60, stdin=None) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": database_url(), "SECRET_KEY": "x" * 60, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)],
        cwd=settings.BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
