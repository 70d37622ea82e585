"""The one place that knows the order in which the TimescaleDB side is set up.

1. The extension, the hypertable, its chunk interval, compression and policies
   (hypertable.py). A hypertable refuses triggers with transition tables, so the per-day
   counts' triggers are detached just before a plain table becomes one.
2. The per-day bar counts, kept the way this server allows (day_counts.py): triggers on a
   plain table, a continuous aggregate or a refreshed table on a hypertable.
3. The continuous aggregates of coarser bars (aggregates.py), which the day counts refresh.

The migrations ran these steps one at a time as the schema grew (marketdata 0002, 0004,
0005); `manage.py timescale apply` runs them all, here.
"""

from django.db import transaction

from marketdata.timescale import aggregates, day_counts, hypertable


def apply(connection, *, mode=None) -> list[hypertable.Step]:
    """Every step in order; idempotent, each step says whether it changed anything."""
    with transaction.atomic():
        steps = hypertable.setup(
            connection, mode=mode, before_conversion=day_counts.detach_triggers
        )
    # Outside the transaction: a continuous aggregate cannot be refreshed inside one.
    steps.append(hypertable.Step("bar counts per day", day_counts.setup(connection)))
    steps.append(hypertable.Step("continuous aggregates", aggregates.setup(connection)))
    return steps
