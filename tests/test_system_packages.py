"""bin/system-packages, which `make test` and `make run` start with: on a machine that lacks
something, it installs it as root, or stops naming the apt-get line. The machine here has
everything, so the tests hide a program by running the script with a PATH of their own."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPT = ROOT / "bin" / "system-packages"


def fake(folder: Path, name: str, body: str) -> None:
    (folder / name).unlink(missing_ok=True)
    (folder / name).write_text("#!/bin/sh\n" + body)
    (folder / name).chmod(0o755)


class Machine:
    """A folder of links to every program on PATH except those hidden: a PATH that lacks
    them. Its apt-get only writes down what it is asked (and links Chromium back when asked
    to install it); its id says whether the script runs as root."""

    def __init__(self, folder: Path, *hidden: str, root: bool):
        self.bin = folder / "bin"
        self.bin.mkdir()
        for directory in os.environ["PATH"].split(os.pathsep):
            if not os.path.isdir(directory):
                continue
            for name in os.listdir(directory):
                link = self.bin / name
                if name not in hidden and not link.is_symlink():
                    link.symlink_to(Path(directory) / name)
        self.log = folder / "apt-get.log"
        fake(
            self.bin,
            "apt-get",
            f'echo "$*" >> {self.log}\n'
            f'case "$*" in *install*chromium*) ln -s /usr/bin/chromium {self.bin} ;; esac\n',
        )
        fake(self.bin, "id", "echo 0\n" if root else "echo 1000\n")

    def apt_get(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def run(self, goal: str, *, ci: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(
            [SCRIPT, goal],
            env=os.environ
            | {"PATH": str(self.bin), "PYTHON": sys.executable, "CI": "true" if ci else ""},
            capture_output=True,
            text=True,
            timeout=60,
        )


def test_a_machine_with_everything_installs_nothing_and_says_nothing(tmp_path):
    machine = Machine(tmp_path, root=True)
    for goal in ("run", "test"):
        done = machine.run(goal)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert machine.apt_get() == []


def test_as_root_it_installs_only_what_is_missing(tmp_path):
    machine = Machine(tmp_path, "chromium", root=True)
    done = machine.run("test")
    assert (done.returncode, done.stderr) == (0, "system-packages: installing chromium\n")
    assert machine.apt_get() == ["update -qq", "install -y --no-install-recommends chromium -qq"]
    again = machine.run("test")
    assert (again.returncode, again.stderr) == (0, "")
    assert len(machine.apt_get()) == 2


def test_not_as_root_it_stops_naming_the_apt_get_line(tmp_path):
    machine = Machine(tmp_path, "chromium", root=False)
    done = machine.run("test")
    assert done.returncode == 1
    assert done.stderr == (
        "system-packages: missing chromium; install them as root with: "
        "apt-get install -y --no-install-recommends chromium\n"
    )
    assert machine.apt_get() == []


def test_make_run_does_not_need_what_only_the_tests_use(tmp_path):
    machine = Machine(tmp_path, "chromium", "chromedriver", root=False)
    assert machine.run("run").returncode == 0
    done = machine.run("test", ci=True)
    assert (done.returncode, done.stderr) == (
        1,
        "system-packages: missing chromium chromium-driver; install them as root "
        "with: apt-get install -y --no-install-recommends chromium chromium-driver\n",
    )


def test_make_run_needs_node_and_npm_to_install_the_charts_script(tmp_path):
    machine = Machine(tmp_path, "node", "npm", root=False)
    done = machine.run("run")
    assert (done.returncode, done.stderr) == (
        1,
        "system-packages: missing nodejs npm; install them as root "
        "with: apt-get install -y --no-install-recommends nodejs npm\n",
    )


def test_a_package_that_apt_get_did_not_bring_is_an_error(tmp_path):
    machine = Machine(tmp_path, "chromium", "chromedriver", root=True)
    done = machine.run("test")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "system-packages: still missing after apt-get: chromium-driver"
    )


def test_make_test_checks_the_machine_before_anything_else():
    dry = subprocess.run(
        ["make", "--no-print-directory", "--dry-run", "--always-make", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0].endswith("bin/system-packages test")


def test_under_ci_a_missing_browser_is_one_clear_line_not_a_skip(tmp_path):
    path = str(Machine(tmp_path, "chromium", root=False).bin)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/test_browser.py"],
        cwd=ROOT,
        env=os.environ | {"PATH": path, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert (
        "Chromium or its driver is not installed (apt-get install -y --no-install-recommends "
        "chromium chromium-driver), and CI must run the browser test." in done.stdout
    )
    assert "skipped" not in done.stdout


def test_under_ci_a_missing_node_stops_the_timescaledb_suite(tmp_path):
    path = str(Machine(tmp_path, "node", root=False).bin)
    done = subprocess.run(
        [ROOT / "bin" / "test-timescale"],
        env=os.environ | {"PATH": path, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (
        1,
        "TimescaleDB suite: node is not installed, and CI must run this suite.\n",
    )
