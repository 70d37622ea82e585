"""Benchmark: the books at scale. NAV of 10 accounts x 3 years x 200 symbols, rebuilt whole
and by one day, and the account page with the books, against baselines of the same run.

    .venv/bin/python bench/books.py [--accounts 10] [--years 3] [--symbols 200] [--runs 5]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder; QB_BENCH_PG_PORT picks
its port), fills it with daily bars of every session of the years for every symbol, fills
(each account buys every symbol on the first day, then trades five times a session), and
deposits (an opening one and one a month), then measures:
- the whole rebuild of every account's NAV (trading/books/nav.py), against the NAV the
  naive way, each session's positions recomputed from every fill up to it and marked at
  the newest closes (trading/positions.py's `recompute`), timed on a sample and scaled;
- one more session's fills, then the NAV of that session alone, for every account;
- the account's change page with the books, against the same page without them (Django's
  test client; median and p95 of --runs).
Targets: whole rebuild <= 30 s; a day's increment <= 1 s; the account page <= 200 ms.
"""

import argparse
import datetime as dt
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

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("QB_BENCH_PG_PORT") or 0) or free_port()
FILLS_A_SESSION = 5


def seed(cursor, *, accounts, symbols, days, settlement, kst):
    """Bars, accounts, fills and deposits, made in SQL from arrays of the sessions."""
    started = time.perf_counter()
    starts = [dt.datetime.combine(d, dt.time(), kst) for d in days]
    cursor.execute(
        """
        INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, volume)
        SELECT t, lpad((100000 + s)::text, 6, '0'), '1d', p, p, p, p, 1000
        FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS d(t, n)
        CROSS JOIN generate_series(1, %s) AS s
        CROSS JOIN LATERAL (SELECT (10000 + 50 * ((n * 7 + s * 13) %% 97))::numeric AS p) AS x
        """,
        [starts, symbols],
    )
    for n in range(1, accounts + 1):
        cursor.execute(
            "INSERT INTO accounts (code, name, broker, number, is_active, created_at) "
            "VALUES (%s, %s, 'KIS', '', true, now())",
            [f"BOOK{n:02d}", f"Book {n}"],
        )
    cursor.execute("SELECT id FROM accounts WHERE code LIKE 'BOOK%%' ORDER BY code")
    ids = [row[0] for row in cursor.fetchall()]
    moments = [dt.datetime.combine(d, dt.time(10), kst) for d in days]
    settles = [settlement[d] for d in days]
    cursor.execute(
        """
        INSERT INTO trades (id, account_id, venue, symbol, side, quantity, price, commission,
                            tax, strategy, broker_order_id, fill_seq, execution_id,
                            executed_at, created_at, settles_on, charges_differ)
        SELECT gen_random_uuid(), a, 'KRX', lpad((100000 + s)::text, 6, '0'), 'BUY', 10000,
               10000, 150, 0, 'bench', '', 1, '', %s, now(), %s, false
        FROM unnest(%s::int[]) AS a CROSS JOIN generate_series(1, %s) AS s
        """,
        [moments[0], settles[0], ids, symbols],
    )
    cursor.execute(
        """
        INSERT INTO trades (id, account_id, venue, symbol, side, quantity, price, commission,
                            tax, strategy, broker_order_id, fill_seq, execution_id,
                            executed_at, created_at, settles_on, charges_differ)
        SELECT gen_random_uuid(), a, 'KRX',
               lpad((100000 + 1 + (n * 31 + k * 17 + a) %% %s)::text, 6, '0'),
               CASE WHEN (n + k) %% 2 = 0 THEN 'BUY' ELSE 'SELL' END, 1 + k,
               10000 + 50 * ((n * 7 + k) %% 97), 15,
               CASE WHEN (n + k) %% 2 = 0 THEN 0 ELSE 20 END,
               'bench', '', 1, '', t + k * interval '1 minute', now(), st, false
        FROM unnest(%s::timestamptz[], %s::date[]) WITH ORDINALITY AS d(t, st, n)
        CROSS JOIN generate_series(1, %s) AS k CROSS JOIN unnest(%s::int[]) AS a
        WHERE n > 1
        """,
        [symbols, moments, settles, FILLS_A_SESSION, ids],
    )
    cursor.execute(
        """
        INSERT INTO cash_movements (account_id, kind, amount, trade_date, settles_on, source,
                                    note, import_key, created_at)
        SELECT a, 'deposit', CASE WHEN n = 1 THEN 100000000000 ELSE 10000000 END, d, d,
               'file', '', '', now()
        FROM unnest(%s::date[]) WITH ORDINALITY AS x(d, n) CROSS JOIN unnest(%s::int[]) AS a
        WHERE n = 1 OR n %% 20 = 0
        """,
        [days, ids],
    )
    for table in ("market_data", "trades", "cash_movements", "accounts"):
        cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return ids


def timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sample", type=int, default=20, help="sessions of the naive baseline")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="qb-bench-books-"))
    work.chmod(0o755)
    local = {"QB_LOCAL_DIR": str(work / "state"), "QB_LOCAL_PG_PORT": str(PORT)}
    server_env = os.environ | local | {"QB_LOCAL_PG_FSYNC": "off"}
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
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.urls import path

        from marketdata import sessions
        from qbsite import urls as qbsite_urls
        from trading import positions
        from trading.admin.accounts import AccountAdmin
        from trading.admin.books import BooksOnAccountPage
        from trading.books import ledger, nav
        from trading.fills import taxes
        from trading.models import Account

        call_command("migrate", verbosity=0)
        last = nav.last_session()
        days = [s.date for s in sessions.sessions(last - dt.timedelta(days=365 * args.years), last)]
        *history, new_day = days
        settlement = taxes.settlement_dates(days)
        with connection.cursor() as cursor:
            ids = seed(
                cursor,
                accounts=args.accounts,
                symbols=args.symbols,
                days=history,
                settlement=settlement,
                kst=sessions.KST,
            )
            cursor.execute("SELECT count(*) FROM trades")
            fills = cursor.fetchone()[0]
        accounts = list(Account.objects.filter(pk__in=ids))
        print(
            f"\n{len(accounts)} accounts x {len(history)} sessions x {args.symbols} symbols; "
            f"{fills:,} fills; {args.runs} runs of each page"
        )

        # The naive way: each session's positions from every fill up to it, on a sample.
        sample = history[-args.sample :]

        def naive():
            for day in sample:
                end = dt.datetime.combine(day, dt.time(23, 59), sessions.KST)
                marked = positions.recompute(as_of=end, accounts=[ids[0]])
                sum(v["market_value"] or 0 for v in marked.values())
                ledger.cash_figures(account_ids=[ids[0]], days=[day])

        naive_seconds, _ = timed(naive)
        per_session = naive_seconds / len(sample)
        naive_total = per_session * len(history) * len(accounts)
        whole, counts = timed(lambda: nav.rebuild(accounts=accounts, end=history[-1]))
        print(f"{'whole rebuild':<40}{whole:>10.1f} s   ({sum(counts.values()):,} NAV rows)")
        print(
            f"{'  naive, scaled from ' + str(len(sample)) + ' sessions':<40}"
            f"{naive_total:>10.1f} s   (x{naive_total / whole:,.0f})"
        )

        # One more session: five fills an account, then that session's NAV.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO trades (id, account_id, venue, symbol, side, quantity, price,
                    commission, tax, strategy, broker_order_id, fill_seq, execution_id,
                    executed_at, created_at, settles_on, charges_differ)
                SELECT gen_random_uuid(), a, 'KRX', lpad((100000 + k)::text, 6, '0'), 'BUY',
                       1, 10000, 15, 0, 'bench', '', 1, '', %s, now(), %s, false
                FROM unnest(%s::int[]) AS a CROSS JOIN generate_series(1, %s) AS k
                """,
                [
                    dt.datetime.combine(new_day, dt.time(10), sessions.KST),
                    settlement[new_day],
                    ids,
                    FILLS_A_SESSION,
                ],
            )
            cursor.execute(
                "INSERT INTO market_data (time, symbol, interval_type, open, high, low, close, "
                "volume) SELECT %s, lpad((100000 + s)::text, 6, '0'), '1d', 10100, 10100, "
                "10100, 10100, 1 FROM generate_series(1, %s) AS s",
                [dt.datetime.combine(new_day, dt.time(), sessions.KST), args.symbols],
            )
        increments = []
        for _ in range(args.runs):
            seconds, _ = timed(lambda: nav.rebuild(accounts=accounts, start=new_day, end=new_day))
            increments.append(seconds)
        one = [timed(lambda: nav.rebuild(accounts=accounts[:1], start=new_day, end=new_day))[0]]
        print(f"{'a day increment, every account':<40}{statistics.median(increments):>10.2f} s")
        print(f"{'a day increment, one account':<40}{one[0]:>10.2f} s")
        print(f"{'  stale marks left':<40}{len(nav.stale()):>10}")

        # The account page, with the books and without them (a plain AccountAdmin).
        class PlainAccountAdmin(AccountAdmin):
            change_form_template = None

            def change_view(self, request, object_id, form_url="", extra_context=None):
                # The account's page as it was before the books: skip their mixin.
                return super(BooksOnAccountPage, self).change_view(
                    request, object_id, form_url, extra_context
                )

        plain = admin.AdminSite(name="plain")
        plain.register(Account, PlainAccountAdmin)
        urls = types.ModuleType("bench_books_urls")
        urls.urlpatterns = [*qbsite_urls.urlpatterns, path("plain/", plain.urls)]
        sys.modules["bench_books_urls"] = urls
        settings.ROOT_URLCONF = "bench_books_urls"
        settings.STORAGES = settings.STORAGES | {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
        user, _ = User.objects.get_or_create(
            username="bench", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)

        def page(url):
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, url
            times.sort()
            return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]

        ours = page(f"/admin/trading/account/{ids[0]}/change/")
        theirs = page(f"/plain/trading/account/{ids[0]}/change/")
        front = page("/admin/")
        print(f"{'account page with the books':<40}{ours[0]:>10.0f} ms (p95 {ours[1]:.0f})")
        print(f"{'  the same page without them':<40}{theirs[0]:>10.0f} ms (p95 {theirs[1]:.0f})")
        print(f"{'front page':<40}{front[0]:>10.0f} ms (p95 {front[1]:.0f})")
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
