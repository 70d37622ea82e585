"""Benchmark: admin list pages on large tables, ours against a plain ModelAdmin.

    .venv/bin/python bench/admin_pages.py [--logs 10000000] [--trades 1000000] [--runs 7]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder), fills system_logs and
trades with generate_series, then requests each list page (unfiltered, filtered,
searched, page 50) through Django's test client, for our admin and for a plain
`admin.ModelAdmin` with the same columns, filters and search on a second admin site, in
the same run. Prints median and p95 latency per page, the median CPU time of our page in
the benchmark process (its Python work, whatever else the machine does), and the ratio
plain / ours.
Targets: median <= 100 ms on every page of ours; >= 10x faster than the plain admin on the
unfiltered system-log list.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nobody holds now, so that several benchmarks can run side by side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("QB_BENCH_PG_PORT") or 0) or free_port()


def seed(cursor, logs, trades):
    cursor.execute("SELECT count(*) FROM system_logs")
    if cursor.fetchone()[0] >= logs:
        return
    print(f"seeding {logs:,} system logs and {trades:,} trades ...", flush=True)
    started = time.perf_counter()
    # Building indexes once after the rows are in is far faster than maintaining them.
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('system_logs', 'trades') "
        "AND indexname NOT LIKE '%%pkey'"
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute(
        """
        INSERT INTO system_logs (timestamp, level, component, message, extra)
        SELECT now() - n * interval '1 second',
               (ARRAY['DEBUG','INFO','INFO','INFO','WARNING','ERROR','CRITICAL'])[1 + n %% 7],
               'component' || (n %% 20),
               'event ' || n || ' ' || md5(n::text),
               jsonb_build_object('n', n %% 1000, 'symbol', lpad((n %% 300)::text, 6, '0'))
        FROM generate_series(1, %s) AS n
        """,
        [logs],
    )
    cursor.execute(
        "INSERT INTO accounts (code, name, broker, number, is_active, created_at) "
        "VALUES ('MAIN', 'Main', 'KIS', '', true, now()), "
        "('SWING', 'Swing', 'KIS', '', true, now()), ('ALGO', 'Algo', 'KIS', '', true, now())"
    )
    # As the import leaves them: three accounts, one fill in five on Nextrade, the expected
    # charges worked out (1 in 200 differs, 1 in 1,000 without a schedule), 1 in 500 off
    # the tick grid, 1 in 2,000 outside the daily limit.
    cursor.execute(
        """
        INSERT INTO trades (id, account_id, venue, symbol, side, quantity, price, commission,
                            tax, strategy, broker_order_id, fill_seq, execution_id,
                            executed_at, created_at, settles_on, expected_commission,
                            expected_tax, expected_special_tax, charges_differ, on_tick,
                            within_limit)
        SELECT gen_random_uuid(), a.id, CASE WHEN n %% 5 = 0 THEN 'NXT' ELSE 'KRX' END,
               lpad((1 + n %% 300)::text, 6, '0'),
               CASE WHEN n %% 2 = 0 THEN 'BUY' ELSE 'SELL' END, 1 + n %% 100,
               1000 + n %% 90000, 15, 0, 'strategy' || (n %% 8), 'ORD' || (n / 3),
               1 + n %% 3, '', now() - n * interval '10 seconds', now(),
               (now() - n * interval '10 seconds')::date + 2,
               CASE WHEN n %% 1000 = 7 THEN NULL WHEN n %% 200 = 3 THEN 20 ELSE 15 END,
               CASE WHEN n %% 1000 = 7 THEN NULL ELSE 0 END, 0,
               n %% 200 = 3, n %% 500 <> 11, n %% 2000 <> 13
        FROM generate_series(1, %s) AS n
        JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k FROM accounts
              WHERE code IN ('MAIN', 'SWING', 'ALGO')) AS a
          ON a.k = n %% 3
        """,
        [trades],
    )
    cursor.execute(
        "INSERT INTO stock_metadata (symbol, name, name_en, market, sector, industry, is_active, "
        "updated_at) SELECT lpad(n::text, 6, '0'), '종목' || n, 'Stock ' || n, "
        "CASE WHEN n % 3 = 0 THEN 'KOSDAQ' ELSE 'KOSPI' END, '', '', true, now() "
        "FROM generate_series(1, 300) n ON CONFLICT DO NOTHING"
    )
    for _name, definition in indexes:
        cursor.execute(definition)
    cursor.execute("VACUUM ANALYZE system_logs")
    cursor.execute("VACUUM ANALYZE trades")
    cursor.execute("VACUUM ANALYZE stock_metadata")
    cursor.execute("VACUUM ANALYZE accounts")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


# (page, our query, the plain admin's query or None where it has no such filter)
PAGES = {
    "systemlog": [
        ("unfiltered", "", ""),
        ("filtered: level", "?level__exact=ERROR", "?level__exact=ERROR"),
        ("filtered: component", "?component=component3", "?component__exact=component3"),
        ("searched", "?q=event+123457+", "?q=event+123457+"),
        ("page 50", "?p=50", "?p=50"),
    ],
    "trade": [
        ("unfiltered", "", ""),
        ("filtered: side", "?side__exact=SELL", "?side__exact=SELL"),
        ("filtered: strategy", "?strategy=strategy3", "?strategy__exact=strategy3"),
        ("filtered: account", "?account={account}", None),
        ("filtered: venue", "?venue__exact=NXT", None),
        ("filtered: market", "?market=KOSDAQ", None),
        ("filtered: charges differ", "?charges=differ", None),
        ("filtered: no schedule", "?charges=unknown", None),
        ("filtered: price flagged", "?price=flagged", None),
        ("filtered: this month", "?executed_at__gte={month}", None),
        ("searched: code", "?q=000123", "?q=000123"),
        ("searched: name", "?q=%EC%A2%85%EB%AA%A9123", None),
        ("searched: order id", "?q=ORD3000", None),
        ("page 50", "?p=50", "?p=50"),
        ("one account's staff", "", None),
        ("staff of an account without trades", "", None),
    ],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--logs", type=int, default=10_000_000)
    parser.add_argument("--trades", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", help="reuse this folder for the server (seed once)")
    parser.add_argument("--only", choices=["systemlog", "trade"], help="measure these pages only")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="qb-bench-admin-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # the postgres user must reach the cluster inside
    # The private server's folder and port: the settings read its password from there.
    local = {"QB_LOCAL_DIR": str(work / "state"), "QB_LOCAL_PG_PORT": str(PORT)}
    server_env = os.environ | local | {"QB_LOCAL_PG_FSYNC": "off"}  # a throwaway cluster
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        local
        | {
            "QB_TIMESCALEDB": "off",
            "SECRET_KEY": "bench-" + "x" * 50,
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    os.environ.pop("SECRET_KEY_FILE", None)
    subprocess.run([ROOT / "bin" / "localdb", "start"], env=server_env, check=True)
    try:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsite.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.contrib import admin
        from django.contrib.auth.models import Permission, User
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.urls import path
        from django.utils import timezone

        from qbsite import urls as qbsite_urls
        from trading.models import Account, SystemLog, Trade

        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            seed(cursor, args.logs, args.trades)

        plain = admin.AdminSite(name="plain")
        ours = admin.site._registry

        for model in (SystemLog, Trade):
            theirs = ours[model]
            options = {
                # Our columns that are fields, as the plain admin shows them.
                "list_display": [
                    field.name
                    for field in model._meta.concrete_fields
                    if {field.name, f"{field.name}_code", f"{field.name}_shown"}
                    & {e if isinstance(e, str) else e.__name__ for e in theirs.list_display}
                ]
                or ["__str__"],
                "list_filter": [
                    f for f in ("level", "component", "side", "strategy") if hasattr(model, f)
                ],
                "search_fields": ["message"]
                if model is SystemLog
                else ["symbol", "broker_order_id"],
            }
            plain.register(model, type(f"Plain{model.__name__}Admin", (admin.ModelAdmin,), options))
        urls = types.ModuleType("bench_admin_urls")
        urls.urlpatterns = [
            *qbsite_urls.urlpatterns,
            path("plain/", plain.urls),
        ]
        sys.modules["bench_admin_urls"] = urls
        settings.ROOT_URLCONF = "bench_admin_urls"
        # Pages are rendered, not served: no collected static files are needed.
        settings.STORAGES = settings.STORAGES | {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }

        user, _ = User.objects.get_or_create(
            username="bench", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)
        # A staff member who may see one account's trades only.
        limited, _ = User.objects.get_or_create(username="bench-one", defaults={"is_staff": True})
        limited.user_permissions.add(Permission.objects.get(codename="view_trade"))
        account = Account.objects.get(code="SWING")
        account.visible_to.add(limited)
        limited_client = Client()
        limited_client.force_login(limited)
        # And one who may see an account that has no trades yet.
        newcomer, _ = User.objects.get_or_create(username="bench-none", defaults={"is_staff": True})
        newcomer.user_permissions.add(Permission.objects.get(codename="view_trade"))
        empty, _ = Account.objects.get_or_create(code="NEW", defaults={"name": "New"})
        empty.visible_to.add(newcomer)
        newcomer_client = Client()
        newcomer_client.force_login(newcomer)
        clients = {
            "one account's staff": limited_client,
            "staff of an account without trades": newcomer_client,
        }
        # As the date filter's "this month" link writes it: Korea's midnight, aware.
        month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        values = {"account": account.pk, "month": quote(str(month))}

        def measure(url, client=client):
            """Median and p95 of the wall time, and the median CPU time of this process
            (the page's Python work, whatever else the machine is doing); ms."""
            client.get(url)  # warm up
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            return statistics.median(times), p95, statistics.median(cpu)

        print(f"\n{args.logs:,} system logs, {args.trades:,} trades; {args.runs} runs each; ms")
        header = (
            f"{'page':<36}{'ours med':>10}{'ours p95':>10}{'ours CPU':>10}{'plain med':>11}"
            f"{'plain p95':>11}{'x':>8}"
        )
        print(header)
        for model, pages in PAGES.items():
            if args.only and model != args.only:
                continue
            for name, query, plain_query in pages:
                ours_med, ours_p95, ours_cpu = measure(
                    f"/admin/trading/{model}/{query.format(**values)}",
                    clients.get(name, client),
                )
                line = (
                    f"{model + ' ' + name:<36}{ours_med:>10.1f}{ours_p95:>10.1f}{ours_cpu:>10.1f}"
                )
                if plain_query is not None:
                    plain_med, plain_p95, _ = measure(f"/plain/trading/{model}/{plain_query}")
                    line += f"{plain_med:>11.1f}{plain_p95:>11.1f}{plain_med / ours_med:>8.1f}"
                print(line, flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
