"""Turn `market_data` into a hypertable with compression and retention, where the server can.

What is set up depends on the server and on QB_TIMESCALEDB (see marketdata/timescale.py):
a server without TimescaleDB keeps a plain table and says so once. Backwards, the policies
and compression are removed; the hypertable itself stays, since TimescaleDB cannot turn it
back into a plain table (the table is dropped by 0001's reverse anyway).
"""

from django.db import migrations

from marketdata.timescale import hypertable as timescale


def forwards(apps, schema_editor):
    timescale.setup(schema_editor.connection)


def backwards(apps, schema_editor):
    timescale.teardown(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("marketdata", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
