"""Create or refresh the viewer, operator and admin groups."""

from django.core.management.base import BaseCommand

from qbsite.roles import setup_roles


class Command(BaseCommand):
    help = "Create the staff groups viewer, operator and admin with their permissions."

    def handle(self, *args, **options):
        counts = setup_roles()
        summary = ", ".join(f"{role} ({n} permissions)" for role, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Groups ready: {summary}."))
