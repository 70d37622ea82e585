"""Benchmark: `load_marketdata` against PostgreSQL's own COPY, on one fresh server.

    .venv/bin/python bench/load_marketdata.py [--rows 1000000] [--big-rows 5000000]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder), generates canonical CSV
files of 1-minute bars for 200 symbols, and measures in the same run:
  copy        COPY of the file into an empty copy of market_data (same indexes and checks)
  load        load_marketdata into an empty market_data
  reload      load_marketdata of the same file again (every row conflicts, none changes)
  bulk_create Django bulk_create(update_conflicts=True) in batches of 2,000
and the peak RSS of the load_marketdata process at --rows and at --big-rows.
Prints each time and its ratio to COPY. Targets: load <= 1.5x, reload <= 2.0x COPY, peak RSS
<= 150 MB and flat from 1M to 5M rows.
"""

import argparse
import csv
import datetime as dt
import itertools
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VALUES = ("open", "high", "low", "close", "volume")
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody holds now, so that several benchmarks can run side by side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("QB_BENCH_PG_PORT") or 0) or free_port()


def generate(path: Path, rows: int, symbols: int = 200):
    rng = random.Random(7)
    codes = [f"{n:06d}" for n in rng.sample(range(1, 999_999), symbols)]
    price = {c: rng.uniform(2_000, 500_000) for c in codes}
    start = dt.datetime(2015, 1, 2, 0, 0, tzinfo=dt.UTC)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["time", "symbol", "interval_type", "open", "high", "low", "close", "volume"]
        )
        for n in range(rows // symbols):
            stamp = (start + dt.timedelta(minutes=n)).isoformat()
            for code in codes:
                p = price[code] = max(100.0, price[code] * (1 + rng.gauss(0, 0.001)))
                o, c = round(p), round(p * (1 + rng.gauss(0, 0.001)))
                writer.writerow(
                    [
                        stamp,
                        code,
                        "1m",
                        o,
                        max(o, c) + 10,
                        min(o, c) - 10,
                        c,
                        rng.randint(0, 50_000),
                    ]
                )


def run_loader(path: Path, env) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one `manage.py load_marketdata` process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "load_marketdata", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    out, err = child.stdout.read().decode(), child.stderr.read().decode()
    if status != 0:
        sys.exit(f"load_marketdata failed:\n{out}\n{err}")
    print(f"    {out.strip()}")
    return seconds, usage.ru_maxrss // 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=5_000_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="qb-bench-"))
    work.chmod(0o755)
    # The private server's folder and port: the settings read its password from there.
    local = {"QB_LOCAL_DIR": str(work / "state"), "QB_LOCAL_PG_PORT": str(PORT)}
    server_env = os.environ | local | {"QB_LOCAL_PG_FSYNC": "off"}  # a throwaway cluster
    os.environ.pop("DATABASE_URL", None)
    env = (
        os.environ
        | local
        | {
            "QB_TIMESCALEDB": "off",
            "SECRET_KEY": "bench-" + "x" * 50,
            "DEBUG": "false",
        }
    )
    subprocess.run([ROOT / "bin" / "localdb", "start"], env=server_env, check=True)
    try:
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsite.settings")
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from marketdata.models import MarketData

        call_command("migrate", verbosity=0)
        small, big = work / "bars.csv", work / "bars-big.csv"
        print(f"generating {args.rows:,} and {args.big_rows:,} rows ...")
        generate(small, args.rows)
        generate(big, args.big_rows)

        def sql(statement):
            with connection.cursor() as cursor:
                cursor.execute(statement)

        def fresh_table():
            sql("TRUNCATE market_data")
            sql("VACUUM ANALYZE market_data")
            sql("CHECKPOINT")

        results = {}
        sql("CREATE TABLE market_data_copy (LIKE market_data INCLUDING ALL)")
        sql("CHECKPOINT")
        started = time.perf_counter()
        with small.open("rb") as f, connection.cursor() as cursor:
            cursor.copy_expert(
                "COPY market_data_copy (time, symbol, interval_type, open, high, low, close, "
                "volume) FROM STDIN WITH (FORMAT csv, HEADER)",
                f,
            )
        results["copy"] = time.perf_counter() - started
        sql("DROP TABLE market_data_copy")

        fresh_table()
        results["load"], rss_small = run_loader(small, env)
        sql("CHECKPOINT")
        results["reload"], _ = run_loader(small, env)

        fresh_table()
        started = time.perf_counter()
        with small.open() as f:
            reader = csv.reader(f)
            next(reader)
            fields = ["time", "symbol", "interval_type", *VALUES]
            while rows := list(itertools.islice(reader, 2000)):
                MarketData.objects.bulk_create(
                    [MarketData(**dict(zip(fields, row, strict=True))) for row in rows],
                    update_conflicts=True,
                    unique_fields=fields[:3],
                    update_fields=list(VALUES),
                )
        results["bulk_create"] = time.perf_counter() - started

        fresh_table()
        results[f"load {args.big_rows:,}"], rss_big = run_loader(big, env)

        copy = results["copy"]
        print(f"\nrows: {args.rows:,} (1-minute bars, 200 symbols), PostgreSQL without TimescaleDB")
        print(f"{'step':<20}{'seconds':>10}{'rows/s':>12}{'x COPY':>10}")
        for step, seconds in results.items():
            rows = args.big_rows if step.startswith("load ") else args.rows
            ratio = seconds / copy * args.rows / rows
            print(f"{step:<20}{seconds:>10.2f}{rows / seconds:>12,.0f}{ratio:>10.2f}")
        print(
            f"peak RSS of load_marketdata: {rss_small} MB at {args.rows:,} rows, "
            f"{rss_big} MB at {args.big_rows:,} rows"
        )
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
