"""Benchmark: a reconciliation run's page, for a report of 20,000 orders against a baseline
of 100, in the same run.

    .venv/bin/python bench/reconcile_page.py [--orders 20000] [--baseline 100] [--runs 5]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder; port QB_BENCH_PG_PORT or
a free one), migrates, and as a superuser through Django's test client uploads KIS order
reports (CSV of the needed fields, every order missing in the back office: the most
differences a report can give) for one account and day. Then requests each run's page
`--runs` times and marks all its differences explained in one bulk post. Prints the
upload's time, the page's median and worst time and its size, and the bulk post's time.
Target: the run page under a second whatever the report held.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(orders: int) -> bytes:
    """An inquire-daily-ccld CSV of `orders` filled orders."""
    symbols = ("005930", "000660", "035720")
    lines = ["odno,sll_buy_dvsn_cd,pdno,tot_ccld_qty,avg_prvs,ord_tmd"]
    for n in range(orders):
        at = f"{9 + n % 6:02d}{n % 60:02d}{n // 60 % 60:02d}"  # HHMMSS
        lines.append(f"{n + 1:010d},02,{symbols[n % 3]},10,72000,{at}")
    return ("\n".join(lines) + "\n").encode()


def timed(call):
    started = time.perf_counter()
    answer = call()
    return time.perf_counter() - started, answer


def measure(client, account, orders: int, runs: int, day: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import NoReverseMatch, reverse

    from trading.models import ReconciliationRun

    data = report(orders)
    upload_s, answer = timed(
        lambda: client.post(
            reverse("admin:trading_reconciliationrun_reconcile"),
            {
                "account": account.pk,
                "date": day,
                "orders": SimpleUploadedFile("orders.csv", data),
            },
        )
    )
    if answer.status_code != 302:
        errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.content.decode())
        raise SystemExit(f"the upload of {orders:,} orders was refused: {errors}")
    run = ReconciliationRun.objects.latest("id")
    url = reverse("admin:trading_reconciliationrun_change", args=[run.pk])
    times, size = [], 0
    for _ in range(runs):
        took, page = timed(lambda: client.get(url))
        assert page.status_code == 200
        times.append(took)
        size = len(page.content)
    try:
        mark = reverse("admin:trading_reconciliationrun_mark", args=[run.pk])
    except NoReverseMatch:  # a version without the bulk marking
        mark_s = float("nan")
    else:
        mark_s, answer = timed(
            lambda: client.post(
                mark, {"kind": "", "current": "open", "status": "explained", "note": "bench"}
            )
        )
        assert answer.status_code == 302, answer.content[:2000]
    return {
        "orders": orders,
        "bytes": len(data),
        "differences": run.difference_count,
        "upload": upload_s,
        "median": statistics.median(times),
        "worst": max(times),
        "size": size,
        "mark": mark_s,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    port = int(os.environ.get("QB_BENCH_PG_PORT") or 0) or free_port()
    work = Path(tempfile.mkdtemp(prefix="qb-bench-reconcile-", dir="/var/tmp"))
    work.chmod(0o755)  # the postgres user must reach the cluster inside
    server_env = os.environ | {
        "QB_LOCAL_DIR": str(work / "state"),
        "QB_LOCAL_PG_PORT": str(port),
        "QB_LOCAL_PG_FSYNC": "off",
    }
    subprocess.run([ROOT / "bin" / "localdb", "start"], env=server_env, check=True)
    url = subprocess.run(
        [ROOT / "bin" / "localdb", "url"],
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    os.environ.update(
        {
            "DATABASE_URL": url,
            "QB_TIMESCALEDB": "off",
            "QB_LOG_TO_DATABASE": "false",
            "SECRET_KEY": "bench-" + "x" * 50,
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    os.environ.pop("SECRET_KEY_FILE", None)
    try:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsite.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client

        from marketdata.models import StockMetadata
        from trading.models import Account

        call_command("migrate", verbosity=0)
        settings.STORAGES = settings.STORAGES | {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
        for symbol in ("005930", "000660", "035720"):
            StockMetadata.objects.get_or_create(
                symbol=symbol, defaults={"name": symbol, "market": "KOSPI"}
            )
        account = Account.objects.get_or_create(code="BENCH", defaults={"name": "bench"})[0]
        client = Client()
        client.force_login(User.objects.create_superuser("bench", password=None))
        print(
            f"{'orders':>7}{'bytes':>10}{'diffs':>7}{'upload s':>10}{'page s':>8}"
            f"{'worst s':>9}{'page KB':>9}{'mark all s':>11}"
        )
        for n, day in ((args.baseline, "2026-03-03"), (args.orders, "2026-03-04")):
            got = measure(client, account, n, args.runs, day)
            print(
                f"{got['orders']:>7,}{got['bytes']:>10,}{got['differences']:>7,}"
                f"{got['upload']:>10.2f}{got['median']:>8.3f}{got['worst']:>9.3f}"
                f"{got['size'] / 1024:>9,.0f}{got['mark']:>11.2f}",
                flush=True,
            )
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
