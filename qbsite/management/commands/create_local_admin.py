"""Create the local superuser once, with a generated password kept in a file.

The password is never printed: `make run`'s output (a terminal's scrollback, a log file)
may be readable by other users of the machine; the file is readable by its owner only."""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a superuser with a random password kept in --password-file (mode 600) and say "
        "where it is; the password is never printed. When the user exists, say where its "
        "password is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password-file", type=Path, required=True)

    def handle(self, *args, username, password_file, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            where = (
                f"its password is in {password_file}"
                if password_file.exists()
                else f"reset its password with `manage.py changepassword {username}`"
            )
            self.stdout.write(f"Staff login: {username} ({where}).")
            return
        password = secrets.token_urlsafe(12)
        try:
            password_file.parent.mkdir(parents=True, exist_ok=True)
            # Mode 600 even over a file left from before, and never through a link.
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
            descriptor = os.open(password_file, flags, 0o600)
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(password + "\n")
        except OSError as e:
            raise CommandError(f"Cannot write {password_file}: {e.strerror}") from e
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created superuser {username!r}; its password is in {password_file} "
                "(readable by you only)."
            )
        )
