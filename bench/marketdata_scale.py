"""Benchmark: market-data pages and checks at 2 and 20 million 1-minute bars, this code
against the code before coverage came from per-day counts, in the same run.

    .venv/bin/python bench/marketdata_scale.py [--symbols 100] [--small 2000000]
        [--large 20000000] [--runs 5] [--baseline REV]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder), migrates, and fills
market_data with 1-minute bars of `--symbols` symbols over real KRX sessions (09:00-15:19,
the newest ending at the last closed session), with a few minutes and one session missing
per symbol. At `--small` and then `--large` bars it measures, for this checkout and for
`--baseline` (checked out into a temporary git worktree and run on the same database):

  coverage page     GET of the admin's coverage page
  coverage command  manage.py marketdata_coverage
  gap report        manage.py marketdata_coverage --gaps
  chart             the chart's data for a year of 1-minute bars of one symbol
  health            manage.py healthcheck (every check)

The charted symbol holds the whole year at both sizes. Each is the median of --runs
requests in a process of its own, after one request that loads the trading calendar (one
run when a run takes longer than 60 s). It also measures
what the per-day count triggers cost a COPY of about 1,000,000 bars: the server process's
CPU seconds with and without them.
Targets: coverage page and command <= 300 ms, gap report <= 1 s, chart <= 500 ms,
health <= 1 s, each flat from the small to the large table.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The last commit before coverage, gaps and freshness came from the per-day counts.
BASELINE = "c3aec7321fc9620533fccb1f1f39347e63041098"
STEPS = ("coverage page", "coverage command", "gap report", "chart", "health")
SESSION_MINUTES = 380

# Run in a process of its own, in the checkout being measured (ours or the baseline's).
MEASURE = r"""
import json, os, statistics, sys, time
from io import StringIO
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

symbol, start, end, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# Static files are not collected here: plain storage, as in the test suite.
settings.STORAGES = settings.STORAGES | {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
}
client = Client()
client.force_login(User.objects.get(username="bench"))


def page(url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)


def command(*args):
    try:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    except CommandError:
        pass  # healthcheck exits non-zero on warnings it was asked to fail on; not here


def median(step):
    step()  # the first call of a process loads the trading calendar: not measured
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
        if times[-1] > 60:
            break
    return statistics.median(times)


print(json.dumps({
    "coverage page": median(lambda: page(reverse("admin:marketdata_coverage"))),
    "coverage command": median(lambda: command("marketdata_coverage")),
    "gap report": median(lambda: command("marketdata_coverage", "--gaps")),
    "chart": median(lambda: page(
        reverse("admin:marketdata_chart_data"), symbol=symbol, interval="1m", start=start, end=end
    )),
    "health": median(lambda: command("healthcheck")),
}))
"""


def size(bars: int) -> str:
    return f"{bars / 1e6:.1f}M" if bars >= 1_000_000 else f"{bars / 1e3:.0f}k"


def free_port() -> int:
    """A loopback port nobody holds now, so that several benchmarks can run side by side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("QB_BENCH_PG_PORT") or 0) or free_port()


def measure(checkout: Path, env, symbol, year, runs) -> dict:
    start, end = year
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, symbol, str(start), str(end), str(runs)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode:
        sys.exit(f"measuring in {checkout} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def add_bars(cursor, opens, symbols):
    """1-minute bars of every symbol for the sessions that open at `opens`, 50 at a time."""
    for n in range(0, len(opens), 50):
        cursor.execute(
            """
            INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, volume)
            SELECT o + m * interval '1 minute', s, '1m', 10000 + m, 10020 + m, 9990 + m,
                   10010 + m, 1000 + m
            FROM unnest(%s::timestamptz[]) AS o
            CROSS JOIN generate_series(0, %s - 1) AS m
            CROSS JOIN unnest(%s::text[]) AS s
            ON CONFLICT DO NOTHING
            """,
            [opens[n : n + 50], SESSION_MINUTES, symbols],
        )


def make_gaps(cursor, opens, symbols, rng):
    """Per symbol, three missing minutes in one session and one missing session."""
    for symbol in symbols:
        day, gone = rng.sample(opens, 2)
        cursor.execute(
            "DELETE FROM market_data WHERE symbol = %s AND time >= %s AND time < %s",
            [symbol, day + dt.timedelta(minutes=100), day + dt.timedelta(minutes=103)],
        )
        cursor.execute(
            "DELETE FROM market_data WHERE symbol = %s AND time >= %s AND time < %s",
            [symbol, gone, gone + dt.timedelta(hours=8)],
        )


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def trigger_cost(connection, day_counts, opens, symbols) -> tuple[int, float, float]:
    """Bars, and the server CPU seconds of their COPY with and without the triggers."""
    rows, count = io.StringIO(), 0
    for day in opens[: 1_000_000 // (len(symbols) * SESSION_MINUTES) + 1]:
        for minute in range(SESSION_MINUTES):
            stamp = (day + dt.timedelta(minutes=minute)).isoformat()
            for symbol in symbols:
                rows.write(f"{stamp},{symbol},1m,100,110,90,105,7\n")
                count += 1
    data = rows.getvalue()
    costs = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        for with_triggers in (True, False):
            cursor.execute("TRUNCATE market_data")
            if not with_triggers:
                day_counts.detach_triggers(connection)
            cursor.execute("CHECKPOINT")
            before = server_cpu(pid)
            cursor.copy_expert(
                "COPY market_data (time, symbol, interval_type, open, high, low, close, volume) "
                "FROM STDIN WITH (FORMAT csv)",
                io.StringIO(data),
            )
            costs.append(server_cpu(pid) - before)
        cursor.execute("TRUNCATE market_data")
    day_counts.drop(connection)
    day_counts.setup(connection)
    return count, costs[0], costs[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--small", type=int, default=2_000_000)
    parser.add_argument("--large", type=int, default=20_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument(
        "--engine",
        choices=["postgresql", "timescaledb"],
        default="postgresql",
        help="timescaledb: the TimescaleDB test engine (what it can hold; not its speed)",
    )
    args = parser.parse_args()
    engine = args.engine == "timescaledb"

    work = Path(tempfile.mkdtemp(prefix="qb-bench-"))
    work.chmod(0o755)
    baseline = work / "baseline"
    server_env = os.environ | {
        "QB_LOCAL_DIR": str(work / "state"),
        "QB_LOCAL_PG_PORT": str(PORT),
        "QB_LOCAL_PG_FSYNC": "off",  # a throwaway cluster
        "QB_TIMESCALE_PORT": str(PORT),
    }
    server = ROOT / "bin" / ("timescale-engine" if engine else "localdb")
    env = os.environ | {
        "QB_TIMESCALEDB": "required" if engine else "off",
        "SECRET_KEY": "bench-" + "x" * 50,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "QB_LOG_TO_DATABASE": "false",
        "DJANGO_SETTINGS_MODULE": "qbsite.settings",
    }
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(baseline), args.baseline],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run([server, "start"], env=server_env, check=True)
    env["DATABASE_URL"] = subprocess.run(
        [server, "url"], env=server_env, check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from marketdata import sessions
        from marketdata.timescale import day_counts

        call_command("migrate", verbosity=0)
        User.objects.create_superuser("bench", password="x" * 20)
        last = sessions.last_closed(timezone.now()).date
        per_symbol = args.large // args.symbols // SESSION_MINUTES
        days = sessions.sessions(last - dt.timedelta(days=per_symbol * 7 // 5 + 60), last)
        opens = [s.open for s in days[-per_symbol:]]
        symbols = [f"{n:06d}" for n in random.Random(7).sample(range(1, 999_999), args.symbols)]
        small_days = args.small // args.symbols // SESSION_MINUTES
        year = (last - dt.timedelta(days=365), last)

        if not engine:
            print("cost of the per-day count triggers on a COPY ...", flush=True)
            copied, with_triggers, without = trigger_cost(connection, day_counts, opens, symbols)

        results = {}
        for label, batch in ((args.small, opens[-small_days:]), (args.large, opens[:-small_days])):
            print(f"adding bars up to {label:,} ...", flush=True)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                add_bars(cursor, batch, symbols)
                if label == args.small:
                    # The charted symbol holds the whole year from the start, so that the
                    # chart reads the same bars at both sizes.
                    add_bars(cursor, [o for o in opens if o.date() >= year[0]], symbols[:1])
                make_gaps(cursor, batch, symbols, random.Random(label))
                if engine:
                    # What a server's policies would have done by now (no background
                    # workers on the engine): materialize the continuous aggregates.
                    cursor.execute(
                        "SELECT job_id FROM timescaledb_information.jobs "
                        "WHERE proc_name = 'policy_refresh_continuous_aggregate' ORDER BY job_id"
                    )
                    for (job,) in cursor.fetchall():
                        cursor.execute(f"CALL run_job({int(job)})")
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("SELECT count(*) FROM market_data")
                bars = cursor.fetchone()[0]
            print(f"  {bars:,} bars in {time.perf_counter() - started:,.0f} s", flush=True)
            connection.close()  # the engine serves one client at a time
            results[bars] = {
                "ours": measure(ROOT, env, symbols[0], year, args.runs),
                "baseline": measure(baseline, env, symbols[0], year, args.runs),
            }

        where = "the TimescaleDB test engine" if engine else "PostgreSQL without TimescaleDB"
        print(f"\n{args.symbols} symbols of 1-minute bars, {where}; ms")
        sizes = list(results)
        header = "".join(f"{f'ours {size(n)}':>12}{f'before {size(n)}':>14}" for n in sizes)
        print(f"{'step':<18}{header}{'ours large/small':>18}")
        for step in STEPS:
            cells = "".join(
                f"{results[n]['ours'][step] * 1000:>12,.1f}"
                f"{results[n]['baseline'][step] * 1000:>14,.1f}"
                for n in sizes
            )
            growth = results[sizes[-1]]["ours"][step] / results[sizes[0]]["ours"][step]
            print(f"{step:<18}{cells}{growth:>18.2f}")
        if engine:
            return
        print(
            f"\nper-day count triggers, server CPU for a COPY of {copied:,} bars: "
            f"{with_triggers:.2f} s with, {without:.2f} s without "
            f"(+{(with_triggers / without - 1) * 100:.0f} %)"
        )
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([server, "stop"], env=server_env, check=False)
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, check=False
        )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
