"""Bars per day of each series, kept the way the server allows (marketdata/day_counts.py):
triggers on plain PostgreSQL, a continuous aggregate on TimescaleDB, a table recounted by
its writers on TimescaleDB's Apache edition.

It calls live code on purpose: `manage.py timescale apply` converts the summary with the
same code when a server gains TimescaleDB, and both must leave the same thing behind.
Not atomic: a continuous aggregate cannot be refreshed inside a transaction.
"""

from django.db import migrations

from marketdata.timescale import day_counts


def forwards(apps, schema_editor):
    day_counts.setup(schema_editor.connection)


def backwards(apps, schema_editor):
    day_counts.drop(schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("marketdata", "0003_history_labels_and_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
