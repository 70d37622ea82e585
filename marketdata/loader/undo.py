"""Undo a load: the bars it wrote go, and the bars it replaced come back exactly as they
were (with the load that had written them), from market_data_replaced.

A load's bars are those of its series' ranges that still carry its load_id. Undo deletes
them and checks it deleted as many as the load wrote: if not, something changed them since
(a later load, which must be undone first and is named; or another writer, a range
deletion, retention) and nothing is done. The check is made by the DELETE itself, so a
load that commits meanwhile cannot slip between check and write.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from display.numbers import quantity
from marketdata.models import Load, LoadSeries, ReplacedBar
from marketdata.sessions import KST
from marketdata.timescale import day_counts
from marketdata.timescale import hypertable as timescale


class UndoError(Exception):
    pass


@dataclass
class Preview:
    """What undoing `load` would do, or why it cannot."""

    load: Load
    series: list[LoadSeries]
    present: int  # the load's bars still carrying its mark
    delete: int  # bars the load wrote, to delete
    restore: int  # bars it replaced, to put back
    later: list[Load] = field(default_factory=list)  # loads that changed its bars since

    @property
    def problems(self) -> list[str]:
        if self.load.undone_at:
            return [
                _("load #%(load)s was undone on %(when)s")
                % {"load": self.load.pk, "when": _when(self.load.undone_at)}
            ]
        if self.later:
            names = ", ".join(f"#{m.pk} ({m.file}, {_when(m.started_at)})" for m in self.later)
            return [
                _("a later load changed some of its bars: undo %(loads)s first") % {"loads": names}
            ]
        if self.present != self.delete:
            return [
                _(
                    "%(changed)s of its %(bars)s bars were changed or deleted since, not by a "
                    "load (a range deletion, retention, another writer): undoing it would not "
                    "give back what was there before"
                )
                % {"changed": quantity(self.delete - self.present), "bars": quantity(self.delete)}
            ]
        return []

    def describe(self) -> str:
        return _(
            "load #%(load)s (%(file)s, %(when)s): delete %(delete)s bars and put back the "
            "%(restore)s it replaced, in %(series)s series"
        ) % {
            "load": self.load.pk,
            "file": self.load.file,
            "when": _when(self.load.started_at),
            "delete": quantity(self.delete),
            "restore": quantity(self.restore),
            "series": quantity(len(self.series)),
        }


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone(KST):%Y-%m-%d %H:%M} KST"


def preview(load: Load) -> Preview:
    series = list(load.series.order_by("symbol", "interval_type"))
    later = Load.objects.filter(
        pk__in=ReplacedBar.objects.filter(previous_load=load).values("load"),
        undone_at__isnull=True,
    ).order_by("pk")
    return Preview(
        load=load,
        series=series,
        present=_present(load),
        delete=load.inserted + load.updated,
        restore=load.replaced.count(),
        later=list(later),
    )


def _present(load: Load) -> int:
    """Bars in the load's series' ranges that still carry its mark: one index range scan
    per series."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n), 0) FROM market_data_load_series s CROSS JOIN LATERAL ("
            "SELECT count(*) AS n FROM market_data m WHERE m.symbol = s.symbol "
            "AND m.interval_type = s.interval_type AND m.time BETWEEN s.first AND s.last "
            "AND m.load_id = s.load_id) c WHERE s.load_id = %s",
            [load.pk],
        )
        return cursor.fetchone()[0]


def undo(load_id: int, *, user=None, os_user: str = "") -> Preview:
    """Undo the load, in one transaction, logged in the admin log under `user` (a staff
    user). Raises UndoError, changing nothing, when it cannot be undone exactly."""
    with transaction.atomic():
        load = Load.objects.select_for_update().get(pk=load_id)
        plan = preview(load)
        if plan.problems:
            raise UndoError(
                _("Cannot undo %(load)s: %(why)s")
                % {"load": plan.describe(), "why": plan.problems[0]}
            )
        timescale.lift_decompression_limit(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM market_data m USING market_data_load_series s "
                "WHERE s.load_id = %s AND m.symbol = s.symbol "
                "AND m.interval_type = s.interval_type AND m.time BETWEEN s.first AND s.last "
                "AND m.load_id = s.load_id",
                [load.pk],
            )
            deleted = cursor.rowcount
            if deleted != plan.delete:
                # Something committed between the preview and the delete.
                raise UndoError(
                    _("Cannot undo %(load)s: its bars changed while it was being undone; try again")
                    % {"load": plan.describe()}
                )
            cursor.execute(
                "INSERT INTO market_data "
                "(time, symbol, interval_type, open, high, low, close, volume, load_id) "
                "SELECT time, symbol, interval_type, open, high, low, close, volume, "
                "previous_load_id FROM market_data_replaced WHERE load_id = %s "
                "ORDER BY time, symbol, interval_type",
                [load.pk],
            )
        day_counts.changed(
            [day_counts.Change(s.symbol, s.interval_type, s.first, s.last) for s in plan.series]
        )
        load.undone_at = timezone.now()
        load.undone_by = (user.get_username() if user else os_user)[:150]
        load.save(update_fields=["undone_at", "undone_by"])
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(Load),
            object_id=str(load.pk),
            object_repr=str(load)[:200],
            action_flag=CHANGE,
            change_message=f"Undone: deleted {deleted:,} bars, put back {plan.restore:,}.",
        )
    return plan
