"""Benchmark: `load_marketdata` against PostgreSQL's own COPY, on one fresh server.

    .venv/bin/python bench/load_marketdata.py [--rows 1000000] [--big-rows 5000000]
        [--rounds 3] [--bulk-create] [--loader-only]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder) and measures, in the
same run:
  bare copy   COPY of a canonical file of 1-minute bars (200 symbols) into an empty twin
              of market_data without triggers (its columns, defaults, indexes and
              constraints): the baseline
  copy        COPY of that file into the empty market_data, with its triggers (the
              per-day counts)
  load        load_marketdata of that file into the empty market_data
  reload      load_marketdata of the same file again (every row conflicts, none changes)
  krx-portal  load_marketdata of the same number of daily bars in the KRX data portal's
              layout (CP949, every value quoted, thousands separators, 2024/02/21 dates,
              newest first, a 종목코드 column), against COPY of the same bars canonical
  big         COPY and load_marketdata of --big-rows rows, and the peak RSS
  long lines  a line of 8 to 64 MB, alone and after 8 to 64 MB of rows: the loader stops a
              megabyte into the line, in time linear in the file and flat memory
  bulk_create (with --bulk-create) Django bulk_create(update_conflicts=True) by 2,000
The COPYs and the loads alternate for --rounds rounds; the medians are printed with each
ratio to the bare COPY. --loader-only stops there (with --rows 200000, a quick run).
Targets: load <= 1.2x, reload <= 2.0x the bare COPY, peak RSS <= 150 MB and flat.
"""

import argparse
import csv
import datetime as dt
import itertools
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VALUES = ("open", "high", "low", "close", "volume")
CANONICAL = ("time", "symbol", "interval_type", *VALUES)
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody holds now, so that several benchmarks can run side by side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("QB_BENCH_PG_PORT") or 0) or free_port()


def walk(rng, symbols, steps):
    """(step, symbol, open, high, low, close, volume) of a random walk per symbol."""
    price = {c: rng.uniform(2_000, 500_000) for c in symbols}
    for n in range(steps):
        for code in symbols:
            p = price[code] = max(100.0, price[code] * (1 + rng.gauss(0, 0.001)))
            o, c = round(p), round(p * (1 + rng.gauss(0, 0.001)))
            yield n, code, o, max(o, c) + 10, min(o, c) - 10, c, rng.randint(0, 50_000)


def codes(rng, count):
    return [f"{n:06d}" for n in rng.sample(range(1, 999_999), count)]


def generate(path: Path, rows: int, symbols: int = 200):
    """Canonical 1-minute bars, oldest first."""
    rng = random.Random(7)
    start = dt.datetime(2015, 1, 2, 0, 0, tzinfo=dt.UTC)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CANONICAL)
        for n, code, *values in walk(rng, codes(rng, symbols), rows // symbols):
            writer.writerow([(start + dt.timedelta(minutes=n)).isoformat(), code, "1m", *values])


def generate_portal(path: Path, twin: Path, rows: int, symbols: int = 400):
    """Daily bars in the KRX data portal's layout, newest first (a walk runs backwards as
    well as forwards), and the same bars canonical (`twin`)."""
    rng = random.Random(11)
    days = rows // symbols
    last = dt.date(2024, 12, 31)
    dates = [last - dt.timedelta(days=d) for d in range(days * 7 // 5 + 7)]
    dates = [d for d in dates if d.weekday() < 5][:days]
    header = "일자,종목코드,종가,대비,등락률,시가,고가,저가,거래량,거래대금,시가총액,상장주식수"
    with path.open("w", encoding="cp949", newline="") as out, twin.open("w", newline="") as t:
        out.write(header + "\n")
        canonical = csv.writer(t)
        canonical.writerow(CANONICAL)
        for n, code, o, h, low, c, v in walk(rng, codes(rng, symbols), days):
            day = dates[n]
            quoted = [f"{x:,}" for x in (c, 0)] + ["0.00"] + [f"{x:,}" for x in (o, h, low, v)]
            fields = [day.strftime("%Y/%m/%d"), code, *quoted, f"{v * c:,}", "0", "0"]
            out.write(",".join(f'"{f}"' for f in fields) + "\n")
            canonical.writerow([day.isoformat(), code, "1d", o, h, low, c, v])


def peak_rss(pid: int) -> int:
    """The peak RSS (kB) of a running process since its exec. (The rusage of a child
    started with vfork also counts the parent's memory, this script's included.)"""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    peaks = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")]
    return peaks[0] if peaks else 0


def run_loader(path: Path, env, *args) -> tuple[float, int, str]:
    """Seconds, peak RSS (MB) and last output line of one `manage.py load_marketdata`."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "manage.py", "load_marketdata", str(path), *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        peak = 0
        while child.poll() is None:
            peak = max(peak, peak_rss(child.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode(), err.read().decode()
    if child.returncode != 0 and not args:
        sys.exit(f"load_marketdata failed:\n{output}\n{errors}")
    last = (output.strip() or errors.strip()).splitlines()[-1]
    return seconds, peak // 1024, last


def long_line_file(path: Path, before_mb: int, line_mb: int):
    row = b"2015-01-02T00:00:00+00:00,005930,1m,100,110,90,105,1000\n"
    with path.open("wb") as out:
        out.write(",".join(CANONICAL).encode() + b"\n")
        for _ in range(before_mb * (1 << 20) // len(row)):
            out.write(row)
        out.write(b"2015-01-02," + b"9" * (line_mb << 20) + b"\n")


def print_table(args, results, base):
    print(f"\nrows: {args.rows:,} (1-minute bars, 200 symbols), PostgreSQL without TimescaleDB")
    print(f"medians of {args.rounds} rounds; the baseline: COPY into market_data without triggers")
    print(f"{'step':<22}{'seconds':>10}{'rows/s':>12}{'x bare COPY':>13}")
    for step, seconds in results.items():
        print(f"{step:<22}{seconds:>10.2f}{args.rows / seconds:>12,.0f}{seconds / base:>13.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bulk-create", action="store_true")
    parser.add_argument(
        "--loader-only",
        action="store_true",
        help="only the COPYs, load and reload of --rows canonical bars",
    )
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
        portal, twin = work / "portal.csv", work / "portal-canonical.csv"
        print(f"generating {args.rows:,} and {args.big_rows:,} rows ...")
        generate(small, args.rows)
        if not args.loader_only:
            generate(big, args.big_rows)
            generate_portal(portal, twin, args.rows)

        def sql(statement):
            with connection.cursor() as cursor:
                cursor.execute(statement)

        # market_data without its triggers: the baseline.
        sql("CREATE TABLE market_data_bare (LIKE market_data INCLUDING ALL)")

        def fresh_table():
            sql("TRUNCATE market_data, market_data_loads, market_data_bare CASCADE")
            sql("VACUUM ANALYZE market_data")
            sql("CHECKPOINT")

        def copy(path, table="market_data"):
            fresh_table()
            started = time.perf_counter()
            with path.open("rb") as f, connection.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(CANONICAL)}) FROM STDIN WITH (FORMAT csv, HEADER)",
                    f,
                )
            return time.perf_counter() - started

        def load(path, *extra):
            fresh_table()
            seconds, rss, last = run_loader(path, env, *extra)
            print(f"    {last}")
            return seconds, rss

        timings = {"bare copy": [], "copy": [], "load": [], "reload": []}
        for _ in range(args.rounds):
            timings["bare copy"].append(copy(small, "market_data_bare"))
            timings["copy"].append(copy(small))
            seconds, rss_small = load(small)
            timings["load"].append(seconds)
            sql("CHECKPOINT")
            seconds, _, last = run_loader(small, env)
            print(f"    {last}")
            timings["reload"].append(seconds)
        results = {step: statistics.median(values) for step, values in timings.items()}
        base = results["bare copy"]
        if args.loader_only:
            print_table(args, results, base)
            return

        portal_copy = statistics.median(copy(twin) for _ in range(args.rounds))
        portal_load = statistics.median(load(portal)[0] for _ in range(args.rounds))

        if args.bulk_create:
            fresh_table()
            started = time.perf_counter()
            with small.open() as f:
                reader = csv.reader(f)
                next(reader)
                while rows := list(itertools.islice(reader, 2000)):
                    MarketData.objects.bulk_create(
                        [MarketData(**dict(zip(CANONICAL, row, strict=True))) for row in rows],
                        update_conflicts=True,
                        unique_fields=CANONICAL[:3],
                        update_fields=list(VALUES),
                    )
            results["bulk_create"] = time.perf_counter() - started

        big_copy = copy(big)
        big_seconds, rss_big = load(big)

        print_table(args, results, base)
        print(
            f"\n{args.big_rows:,} rows, one round: COPY {big_copy:.2f} s, load_marketdata "
            f"{big_seconds:.2f} s ({args.big_rows / big_seconds:,.0f} rows/s), "
            f"{big_seconds / big_copy:.2f}x COPY"
        )
        print(
            f"\nKRX portal layout, {args.rows:,} daily bars of 400 symbols: COPY of the same bars "
            f"canonical {portal_copy:.2f} s, load_marketdata {portal_load:.2f} s, "
            f"{portal_load / portal_copy:.2f}x COPY"
        )
        print(
            f"peak RSS of load_marketdata: {rss_small} MB at {args.rows:,} rows, "
            f"{rss_big} MB at {args.big_rows:,} rows"
        )

        print("\nlong lines (the loader stops a megabyte into the line):")
        for before, line in ((0, 8), (0, 64), (8, 8), (16, 8), (32, 8), (64, 8)):
            path = work / "long.csv"
            long_line_file(path, before, line)
            seconds, rss, last = run_loader(path, env, "--dry-run")
            print(
                f"  {before:>3} MB of rows, then a line of {line} MB: {seconds:5.2f} s, "
                f"peak RSS {rss} MB: {last[-60:]}"
            )
            path.unlink()
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
