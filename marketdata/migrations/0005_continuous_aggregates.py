"""Continuous aggregates of the 1-minute bars at 5, 15, 30 and 60 minutes, with refresh and
compression policies, where the server has TimescaleDB with the Timescale license
(marketdata/aggregates.py); elsewhere none, said once.

It calls live code on purpose: `manage.py timescale apply` creates them with the same code
when a server gains TimescaleDB. Not atomic: a continuous aggregate cannot be refreshed
inside a transaction.
"""

from django.db import migrations

from marketdata.timescale import aggregates


def forwards(apps, schema_editor):
    aggregates.setup(schema_editor.connection)


def backwards(apps, schema_editor):
    aggregates.drop(schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("marketdata", "0004_market_data_days")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
