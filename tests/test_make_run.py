"""`make run` serves the back office as production does (gunicorn with gunicorn.conf.py,
DEBUG off, static files collected for WhiteNoise); `make dev` is the one with runserver."""

import os
import subprocess

from django.conf import settings


def make(target):
    """What `make TARGET` would run, and make's database with its variables (`-n -p`)."""
    result = subprocess.run(
        ["make", "-n", "-p", target],
        cwd=settings.BASE_DIR,
        env=os.environ | {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/qb"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands, database = result.stdout.split("\n# GNU Make", 1)
    return commands.splitlines(), database.splitlines()


def test_make_run_serves_with_gunicorn_debug_off_and_collected_static_files():
    commands, database = make("run")

    assert commands[-2:] == [
        ".venv/bin/python manage.py collectstatic --no-input --verbosity 0",
        "exec .venv/bin/python -m gunicorn -c gunicorn.conf.py qbsite.wsgi",
    ]
    assert not any("runserver" in c or "DEBUG=true" in c for c in commands)
    assert "run: DEBUG := false" in database
    assert "run: SECURE_SSL_REDIRECT := false" in database  # plain HTTP on 127.0.0.1


def test_make_dev_is_runserver_with_debug_on():
    commands, database = make("dev")
    assert commands[-1] == ".venv/bin/python manage.py runserver 127.0.0.1:" + os.environ.get(
        "PORT", "8000"
    )
    assert "dev: DEBUG := true" in database


def test_the_set_up_installs_the_npm_packages_once_and_again_when_the_lock_changes():
    _commands, database = make("run")
    assert "node_modules/.installed: package.json package-lock.json | system-packages" in database
    local_setup = next(line for line in database if line.startswith("local-setup:"))
    assert "node_modules/.installed" in local_setup.split()
    # -W: as if the lock had just changed.
    changed = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-W",
            "package-lock.json",
            "node_modules/.installed",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert changed.stdout.splitlines()[-2:] == [
        "npm ci --no-audit --no-fund --loglevel=error",
        "touch node_modules/.installed",
    ]
