"""Undo a load of market data: delete the bars it wrote and put back those it replaced,
exactly as they were. Shows what it would do first; --dry-run stops there."""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from display import times
from marketdata.loader import undo
from marketdata.models import Load


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


class Command(BaseCommand):
    help = (
        "Undo a load of market data (see list_loads for their numbers): its bars go and the "
        "bars it replaced come back. Refused when a later load changed them (undo that one "
        "first) or they changed otherwise since. Recorded in the admin log under --user."
    )

    def add_arguments(self, parser):
        parser.add_argument("load", type=int, metavar="LOAD", help="the number of the load")
        parser.add_argument(
            "--user",
            help="the staff user the admin log records (default: the one named like the "
            "operating system user)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be done, change nothing"
        )

    def handle(self, *args, load, user, dry_run, **options):
        try:
            record = Load.objects.get(pk=load)
        except Load.DoesNotExist as e:
            raise CommandError(f"No load #{load}.") from e
        plan = undo.preview(record)
        for s in plan.series:
            self.stdout.write(
                f"  {s.symbol} {s.interval_type}: {times.moment(s.first)} to "
                f"{times.moment(s.last)}, {s.inserted:,} inserted, {s.updated:,} updated"
            )
        if plan.problems:
            raise CommandError(f"Cannot undo {plan.describe()}: {plan.problems[0]}")
        if dry_run:
            self.stdout.write(f"Dry run, nothing changed: would {plan.describe()}")
            return
        staff = self._staff(user)
        try:
            undo.undo(load, user=staff, os_user=_os_user())
        except undo.UndoError as e:
            raise CommandError(str(e)) from e
        except DatabaseError as e:
            raise CommandError(f"Nothing was undone: the database said: {e}".strip()) from e
        self.stdout.write(self.style.SUCCESS(f"Undone: {plan.describe()}"))

    def _staff(self, username):
        name = username or _os_user()
        try:
            return get_user_model().objects.get(username=name, is_staff=True)
        except get_user_model().DoesNotExist as e:
            raise CommandError(
                f"No staff user named {name!r} to record the undo in the admin log; pass "
                "--user with a staff user's name"
            ) from e
