"""Create the local superuser once, with a generated password kept in a file."""

import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a superuser with a random password, print the password once and keep it in "
        "--password-file (mode 600). When the user exists, say where its password is."
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
            password_file.touch(mode=0o600)
            password_file.write_text(password + "\n")
        except OSError as e:
            raise CommandError(f"Cannot write {password_file}: {e.strerror}") from e
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created superuser {username!r} with password {password} "
                f"(kept in {password_file}; this is the only time it is printed)."
            )
        )
