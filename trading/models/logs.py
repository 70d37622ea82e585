"""System logs: what the engine and the back office said, searchable in the admin."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from display import times
from trading.models.choices import Level


class SystemLog(models.Model):
    id = models.BigAutoField(_("ID"), primary_key=True)
    timestamp = models.DateTimeField(_("timestamp"), default=timezone.now)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    component = models.CharField(_("component"), max_length=100)
    message = models.TextField(_("message"))
    extra = models.JSONField(_("extra"), default=dict, blank=True)

    class Meta:
        db_table = "system_logs"
        ordering = ("-timestamp",)
        verbose_name = _("system log")
        verbose_name_plural = _("system logs")
        indexes = [
            # The log list, newest first.
            models.Index(F("timestamp").desc(), name="system_logs_timestamp_desc_idx"),
            # One component's logs and the dashboard's errors-by-component.
            models.Index("component", F("timestamp").desc(), name="system_logs_comp_time_idx"),
            # The level filter and the health check's errors of the last 24 hours.
            models.Index("level", F("timestamp").desc(), name="system_logs_level_time_idx"),
            # Filtering on a key/value of `extra` (jsonb containment).
            GinIndex(fields=["extra"], name="system_logs_extra_gin"),
            # The admin's message search: whole words, to_tsvector('simple', message).
            GinIndex(SearchVector("message", config="simple"), name="system_logs_message_fts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.values),
                name="system_logs_level_valid",
                violation_error_message=_("Unknown level."),
            ),
        ]

    def __str__(self):
        moment = times.moment(self.timestamp, seconds=True)
        return f"{moment} {self.level} {self.component}: {self.message[:60]}"
