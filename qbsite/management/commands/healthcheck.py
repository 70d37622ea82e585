"""Is the back office healthy? One report for the operator, with a useful exit code."""

import json

from django.core.management.base import BaseCommand, CommandError

from qbsite import health

SYMBOL = {health.OK: "OK", health.WARNING: "WARN", health.ERROR: "FAIL"}


class Command(BaseCommand):
    help = (
        "Check the database, migrations, TimescaleDB (hypertable, compression, jobs), market "
        "data freshness, table sizes, error logs and position prices. Exit code: 0 when nothing "
        "reaches --fail-on, 1 for warnings with --fail-on warning, 2 for errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", default="text", choices=["text", "json"])
        parser.add_argument("--fail-on", default="error", choices=[health.WARNING, health.ERROR])
        parser.add_argument(
            "--check",
            action="append",
            dest="names",
            choices=list(health.CHECKS),
            metavar="NAME",
            help=f"run only this check (repeatable): {', '.join(health.CHECKS)}",
        )

    def handle(self, *args, format, fail_on, names, **options):
        checks = health.run(names)
        if format == "json":
            self.stdout.write(json.dumps(health.report(checks), ensure_ascii=False, indent=2))
        else:
            self._text(checks)
        status = health.overall(checks)
        if status == health.ERROR:
            failed = [c.name for c in checks if c.status == health.ERROR]
            raise CommandError(f"unhealthy: {', '.join(failed)}", returncode=2)
        if status == health.WARNING and fail_on == health.WARNING:
            warned = [c.name for c in checks if c.status == health.WARNING]
            raise CommandError(f"warnings: {', '.join(warned)}", returncode=1)

    def _text(self, checks):
        style = {
            health.OK: self.style.SUCCESS,
            health.WARNING: self.style.WARNING,
            health.ERROR: self.style.ERROR,
        }
        width = max(len(c.name) for c in checks)
        for check in checks:
            mark = style[check.status](f"{SYMBOL[check.status]:<4}")
            self.stdout.write(f"{mark}  {check.name:<{width}}  {check.message}")
