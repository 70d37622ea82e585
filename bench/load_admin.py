"""Load test: 50 logged-in staff sessions browsing the admin for 60 s through gunicorn,
while one of them exports 2,000,000 bars.

    .venv/bin/python bench/load_admin.py [--sessions 50] [--seconds 60] [--workers 2]
                                         [--export-bars 2000000]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder) with the demo data and
`--export-bars` 1-minute bars of one more symbol, gunicorn with gunicorn.conf.py and
production settings on 127.0.0.1, logs each session in through the login form, then has
every session loop over the front page, the trade list, the system log list, the chart page
and its data. Meanwhile a further session downloads the export of all those bars, and two
probes, one for /healthz and one for /readyz, each ask again half a second after their last
answer, for as long as the export runs.
Prints requests, errors (must be 0), throughput, median and p95 latency per page and
overall; the export's lines against the bars stored, its bytes and seconds, and whether it
ended as a whole HTTP response; the health endpoints' latency during the export. Traffic
stays on loopback; the run ends by itself.
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
EXPORT_SYMBOL = "999990"  # one more series, beside the demo's
PAGES = [
    ("front page", "/admin/"),
    ("trades", "/admin/trading/trade/"),
    ("system logs", "/admin/trading/systemlog/"),
    ("chart", "/admin/marketdata/chart/?symbol=005930&interval=1d"),
    ("chart data", "/admin/marketdata/chart/data/?symbol=005930&interval=1m"),
]


# Bars of one more series, written by the server itself (generate_series).
SEED_BARS = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute(
        "INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, volume) "
        "SELECT TIMESTAMPTZ '2020-01-02 09:00+09' + n * interval '1 minute', '%s', '1m', "
        "100, 110, 90, 105, n FROM generate_series(1, %d) AS n"
    )
"""


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


def export(opener, base, bars, report):
    """Download the export of the extra series, and say how much of it arrived."""
    started = time.perf_counter()
    lines = size = 0
    tail = b""
    try:
        url = f"{base}/admin/marketdata/bars/export/?symbol={EXPORT_SYMBOL}&interval=1m"
        with opener.open(url, timeout=600) as response:
            while chunk := response.read(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
                tail = chunk[-100:]
        whole = True  # http.client raises IncompleteRead on a body cut off
    except Exception as e:  # reported below
        whole = False
        report["error"] = repr(e)
    report.update(
        lines=lines,
        expected=bars + 1,
        bytes=size,
        seconds=time.perf_counter() - started,
        whole=whole and tail.endswith(b"\n"),
    )


def probe_health(base, path, done, latencies):
    """Ask `path` again half a second after each answer, until `done`."""
    while not done.is_set():
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except Exception:
            ok = False
        latencies.append((path, (time.perf_counter() - started) * 1000, ok))
        time.sleep(0.5)


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
    parser.add_argument("--threads", type=int, default=4, help="threads a gunicorn worker")
    parser.add_argument("--export-bars", type=int, default=2_000_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="qb-load-", dir="/var/tmp"))
    work.chmod(0o755)  # the postgres user must reach the cluster inside
    server_env = os.environ | {
        "QB_LOCAL_DIR": str(work),
        "QB_LOCAL_PG_PORT": str(PG_PORT),
        "QB_LOCAL_PG_FSYNC": "off",  # a throwaway cluster
    }
    subprocess.run([ROOT / "bin" / "localdb", "start"], env=server_env, check=True)
    url = subprocess.run(
        [ROOT / "bin" / "localdb", "url"],
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    env = os.environ | {
        "DATABASE_URL": url,
        "SECRET_KEY": "load-" + "x" * 50,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "QB_LOG_TO_DATABASE": "false",
        "AXES_FAILURE_LIMIT": "1000",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "PORT": str(WEB_PORT),
    }
    env.pop("SECRET_KEY_FILE", None)
    python = sys.executable
    web = None
    try:
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["seed_demo"],
            ["collectstatic", "--no-input", "-v0"],
            ["create_local_admin", "--password-file", str(work / "admin-password")],
        ):
            subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [python, "manage.py", "shell", "-c", SEED_BARS % (EXPORT_SYMBOL, args.export_bars)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        password = (work / "admin-password").read_text().strip()
        web = subprocess.Popen(
            [
                *(python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--log-level", "warning"),
                *("--access-logfile", "/dev/null", "qbsite.wsgi"),
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
        exported, health, done = {}, [], threading.Event()
        exporter = threading.Thread(
            target=export, args=(log_in(base, password), base, args.export_bars, exported)
        )
        probers = [
            threading.Thread(target=probe_health, args=(base, path, done, health))
            for path in ("/healthz", "/readyz")
        ]
        for t in [*threads, exporter, *probers]:
            t.start()
        exporter.join()
        done.set()
        for t in [*threads, *probers]:
            t.join()

        print(
            f"\n{args.sessions} sessions, {args.seconds} s, gunicorn {args.workers} workers "
            f"of {args.threads} threads"
        )
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
        print(
            f"export of {args.export_bars:,} bars during the load: {exported['lines']:,} of "
            f"{exported['expected']:,} lines, {exported['bytes'] / 1e6:,.1f} MB in "
            f"{exported['seconds']:.1f} s, "
            + ("complete" if exported["whole"] else f"NOT complete {exported.get('error', '')}")
        )
        for path in ("/healthz", "/readyz"):
            times = sorted(t for p, t, _ok in health if p == path)
            bad = sum(1 for p, _t, ok in health if p == path and not ok)
            print(
                f"{path} during the export: {len(times)} requests, {bad} failed, median "
                f"{statistics.median(times):.0f} ms, p95 {times[int(len(times) * 0.95)]:.0f} ms, "
                f"max {times[-1]:.0f} ms"
            )
    finally:
        if web:
            web.terminate()
            web.wait(timeout=30)
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
