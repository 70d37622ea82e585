"""psycopg2 is built from source against the system's libpq, in the venv and in the image,
so that libpq and OpenSSL get the system's security updates (the binary wheel bundles its
own copies, which no system update patches)."""

import ctypes
import importlib.metadata
import subprocess
from pathlib import Path

import psycopg2.extensions
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_psycopg2_uses_the_libpq_of_the_system():
    system = ctypes.CDLL("libpq.so.5").PQlibVersion()
    assert psycopg2.extensions.libpq_version() == system
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("psycopg2-binary")


def test_requirements_pin_psycopg2_and_not_the_binary_wheel():
    pins = [line.split("==")[0] for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "psycopg2" in pins
    assert "psycopg2-binary" not in pins


def test_a_changed_requirements_file_reinstalls_the_venv_without_the_binary_wheel():
    dry = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--dry-run",
            "--what-if=requirements.txt",
            ".venv/.installed",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    steps = dry.stdout.splitlines()
    uninstall = steps.index(
        ".venv/bin/python -m pip uninstall --quiet --yes psycopg2-binary 2>/dev/null"
    )
    assert steps[uninstall + 1] == ".venv/bin/python -m pip install --quiet -r requirements-dev.txt"
