"""The newest loads of market data, with their numbers for undo_load."""

from django.core.management.base import BaseCommand

from display import times
from marketdata.models import Load


class Command(BaseCommand):
    help = "List the newest loads of market data: number, when, file, counts, who, undone."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="how many (default 20)")
        parser.add_argument("--symbol", help="only loads that wrote bars of this symbol")

    def handle(self, *args, limit, symbol, **options):
        loads = Load.objects.order_by("-pk")
        if symbol:
            loads = loads.filter(series__symbol=symbol).distinct()
        for load in loads[:limit]:
            undone = f", undone {times.moment(load.undone_at)}" if load.undone_at else ""
            self.stdout.write(
                f"#{load.pk} {times.moment(load.started_at)} {load.file} ({load.format}, "
                f"{load.interval}): inserted {load.inserted:,}, updated {load.updated:,}, "
                f"unchanged {load.unchanged:,}, by {load.ran_by or '-'}{undone}"
            )
