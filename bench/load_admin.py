"""Load test: 50 logged-in staff sessions browsing the admin for 60 s through gunicorn.

    .venv/bin/python bench/load_admin.py [--sessions 50] [--seconds 60] [--workers 2]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder) with the demo data,
gunicorn with production settings on 127.0.0.1, logs each session in through the login
form, then has every session loop over the front page, the trade list, the system log list,
the chart page and its data. Prints requests, errors (must be 0), throughput, and median and
p95 latency per page and overall. Traffic stays on loopback; the run ends by itself.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody holds now, so that several benchmarks can run side by side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PG_PORT, WEB_PORT = free_port(), free_port()
PAGES = [
    ("front page", "/admin/"),
    ("trades", "/admin/trading/trade/"),
    ("system logs", "/admin/trading/systemlog/"),
    ("chart", "/admin/marketdata/chart/?symbol=005930&interval=1d"),
    ("chart data", "/admin/marketdata/chart/data/?symbol=005930&interval=1m"),
]


def log_in(base, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/admin/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "admin", "password": password, "next": "/admin/"}
    ).encode()
    response = opener.open(f"{base}/admin/login/?next=/admin/", form, timeout=30)
    if not response.url.endswith("/admin/"):
        raise RuntimeError("login failed")
    return opener


def browse(opener, base, until, results, errors):
    n = 0
    while time.monotonic() < until:
        name, path = PAGES[n % len(PAGES)]
        n += 1
        started = time.perf_counter()
        try:
            with opener.open(base + path, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except Exception as e:  # counted and reported, the run goes on
            ok = False
            errors.append(f"{path}: {e}")
        elapsed = (time.perf_counter() - started) * 1000
        results.append((name, elapsed, ok))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="qb-load-", dir="/var/tmp"))
    work.chmod(0o755)  # the postgres user must reach the cluster inside
    server_env = os.environ | {"QB_LOCAL_DIR": str(work), "QB_LOCAL_PG_PORT": str(PG_PORT)}
    env = os.environ | {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/qb",
        "SECRET_KEY": "load-" + "x" * 50,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "QB_LOG_TO_DATABASE": "false",
        "AXES_FAILURE_LIMIT": "1000",
    }
    env.pop("SECRET_KEY_FILE", None)
    python = sys.executable
    web = None
    subprocess.run([ROOT / "bin" / "localdb", "start"], env=server_env, check=True)
    try:
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["seed_demo"],
            ["collectstatic", "--no-input", "-v0"],
            ["create_local_admin", "--password-file", str(work / "admin-password")],
        ):
            subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
        password = (work / "admin-password").read_text().strip()
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "qbsite.wsgi",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{WEB_PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        openers = [log_in(base, password) for _ in range(args.sessions)]
        results, errors = [], []
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=browse, args=(o, base, until, results, errors)) for o in openers
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        print(f"\n{args.sessions} sessions, {args.seconds} s, gunicorn {args.workers} workers")
        print(f"{'page':<14}{'requests':>10}{'errors':>8}{'median ms':>11}{'p95 ms':>9}")
        for name, _ in [*PAGES, ("all", None)]:
            rows = [r for r in results if name == "all" or r[0] == name]
            times = sorted(r[1] for r in rows)
            bad = sum(1 for r in rows if not r[2])
            p95 = times[int(len(times) * 0.95)] if times else 0
            print(f"{name:<14}{len(rows):>10}{bad:>8}{statistics.median(times):>11.0f}{p95:>9.0f}")
        print(f"throughput: {len(results) / args.seconds:.1f} requests/s; errors: {len(errors)}")
        for line in errors[:5]:
            print(f"  {line}")
    finally:
        if web:
            web.terminate()
            web.wait(timeout=30)
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
