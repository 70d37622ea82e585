"""Benchmark: the admin's import preview of trades, ours against django-import-export's
defaults, in the same run.

    .venv/bin/python bench/import_preview.py [--rows 10000] [--plain-rows 1000] [--runs 3]

Starts a throwaway PostgreSQL (bin/localdb in a temporary folder), migrates, stores
`--rows` trades, and previews trade files through Django's test client as a superuser:

- ours (trading/admin/trades.py): fields checked in Python, each distinct cell and value once,
  constraints for all rows in one query, stored rows read in one query, the first 100 rows
  listed;
- plain: an ImportExportModelAdmin with a ModelResource of the same columns on a second
  admin site, as the project had it before (row by row: a query per constraint, an
  INSERT and a history row per row inside the dry run, every row listed).

Files: new fills (CSV at 1,000, 3,000 and `--rows` rows; XLSX at `--rows`) and an export
of the stored trades imported back (every row unchanged). Prints the median wall time and
process CPU time of `--runs` previews, seconds per 1,000 rows, and plain / ours per row.
Target: a preview of 10,000 CSV rows answers in under 3 s.
"""

import argparse
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "executed_at,symbol,side,quantity,price,commission,tax,strategy,broker_order_id"


def free_port() -> int:
    """A loopback port nobody holds now, so that several benchmarks can run side by side."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fills_csv(rows: int) -> bytes:
    lines = [HEADER] + [
        f"2024-03-04 {9 + n // 3600 % 6:02d}:{n // 60 % 60:02d}:{n % 60:02d},"
        f"{1 + n % 300:06d},{'BUY' if n % 2 else 'SELL'},{1 + n % 50},{1000 + n % 9000},"
        f"15,0,momentum,ORD{n:08d}"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def xlsx(csv_bytes: bytes) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for line in csv_bytes.decode().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plain_admin_site():
    """Trades on a second admin site, with django-import-export's defaults."""
    from django.contrib import admin
    from import_export import resources
    from import_export.admin import ImportExportModelAdmin

    from trading.models import DEFAULT_ACCOUNT, Account, Trade

    default_account = Account.objects.get(code=DEFAULT_ACCOUNT).pk

    class PlainTradeResource(resources.ModelResource):
        class Meta:
            model = Trade
            fields = ("id", *HEADER.split(","))
            import_id_fields = ("id",)
            skip_unchanged = True
            report_skipped = True
            clean_model_instances = True

        def before_import(self, dataset, **kwargs):
            if "id" not in dataset.headers:
                dataset.append_col([""] * len(dataset), header="id")

        def get_instance(self, instance_loader, row):
            return super().get_instance(instance_loader, row) if row.get("id") else None

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            instance.account_id = instance.account_id or default_account
            if instance.id is None:
                instance.id = uuid.uuid4()

    class PlainTradeAdmin(ImportExportModelAdmin):
        resource_classes = [PlainTradeResource]

    site = admin.AdminSite(name="plain")
    site.register(Trade, PlainTradeAdmin)
    return site


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--plain-rows", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="qb-bench-import-", dir="/var/tmp"))
    work.chmod(0o755)  # the postgres user must reach the cluster inside
    server_env = os.environ | {
        "QB_LOCAL_DIR": str(work / "state"),
        "QB_LOCAL_PG_PORT": str(port),
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
    os.environ.update(
        {
            "DATABASE_URL": url,
            "QB_TIMESCALEDB": "off",
            "QB_LOG_TO_DATABASE": "false",
            "QB_IMPORT_DIR": str(work / "uploads"),
            "QB_IMPORT_MAX_ROWS": str(max(args.rows, 10_000)),
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
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.urls import path

        from qbsite import urls as qbsite_urls
        from trading.models import Trade

        call_command("migrate", verbosity=0)
        urls = types.ModuleType("bench_import_urls")
        urls.urlpatterns = [*qbsite_urls.urlpatterns, path("plain/", plain_admin_site().urls)]
        sys.modules["bench_import_urls"] = urls
        settings.ROOT_URLCONF = "bench_import_urls"
        settings.STORAGES = settings.STORAGES | {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
        user, _ = User.objects.get_or_create(
            username="bench", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)

        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO trades (id, symbol, side, quantity, price, commission, tax,
                                    strategy, broker_order_id, executed_at, created_at)
                SELECT gen_random_uuid(), lpad((1 + n %% 300)::text, 6, '0'),
                       CASE WHEN n %% 2 = 0 THEN 'BUY' ELSE 'SELL' END, 1 + n %% 50,
                       1000 + n %% 9000, 15, 0, 'momentum', 'OLD' || n,
                       TIMESTAMPTZ '2024-03-04 09:00+09' + n * interval '1 second', now()
                FROM generate_series(1, %s) AS n
                """,
                [args.rows],
            )
            cursor.execute("ANALYZE trades")
        exported = client.post(
            "/admin/trading/trade/export/",
            {"format": "0", "resource": "0"}
            | {f"traderesource_{c}": "on" for c in ["id", *HEADER.split(",")]},
        ).content

        def preview(site, data, name, fmt):
            def once():
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.post(
                    f"/{site}/trading/trade/import/",
                    {"import_file": SimpleUploadedFile(name, data), "format": fmt, "resource": "0"},
                )
                assert response.status_code == 200, response.status_code
                result = response.context_data["result"]
                assert not result.has_errors() and not result.has_validation_errors()
                return time.perf_counter() - wall, time.process_time() - cpu

            once()  # warm up
            runs = [once() for _ in range(args.runs)]
            return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

        cases = [
            ("ours", "admin", n, "new fills, CSV", fills_csv(n), "trades.csv", "0")
            for n in sorted({1_000, 3_000, args.rows})
        ]
        cases += [
            (
                "ours",
                "admin",
                args.rows,
                "new fills, XLSX",
                xlsx(fills_csv(args.rows)),
                "t.xlsx",
                "1",
            ),
            ("ours", "admin", args.rows, "export re-imported", exported, "trades.csv", "0"),
            (
                "plain",
                "plain",
                args.plain_rows,
                "new fills, CSV",
                fills_csv(args.plain_rows),
                "trades.csv",
                "0",
            ),
        ]
        stored = Trade.objects.count()
        print(f"\nimport preview of trades; {args.runs} runs each (median); {stored:,} stored")
        print(f"{'admin':<7}{'rows':>8}  {'file':<20}{'wall s':>8}{'cpu s':>8}{'s/1000':>8}")
        per_row = {}
        for who, site, rows, what, data, name, fmt in cases:
            wall, cpu = preview(site, data, name, fmt)
            per_row[(who, rows, what)] = wall / rows
            print(
                f"{who:<7}{rows:>8,}  {what:<20}{wall:>8.2f}{cpu:>8.2f}{wall / rows * 1000:>8.3f}"
            )
        plain = per_row[("plain", args.plain_rows, "new fills, CSV")]
        ours = per_row[("ours", args.rows, "new fills, CSV")]
        print(f"plain / ours, per row (new fills, CSV): {plain / ours:.1f}x")
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run([ROOT / "bin" / "localdb", "stop"], env=server_env, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
