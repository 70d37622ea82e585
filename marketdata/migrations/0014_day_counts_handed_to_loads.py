"""The insert trigger of the per-day counts hands a session holding pg_temp.qb_load_days
the counts of its inserts as well (marketdata/timescale/day_counts.py): the loader reads
its series from them instead of from its bars, in one pass over the file.

It calls live code on purpose, as 0004 does: `day_counts.setup` creates the same function
on a fresh database. Nothing to do where the summary is not kept by triggers.
"""

from django.db import migrations

from marketdata.timescale import day_counts


def forwards(apps, schema_editor):
    day_counts.update_functions(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("marketdata", "0013_corporate_action_history_baseline")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
