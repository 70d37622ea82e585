"""The index of a series' bars carries their prices and volume, so that the chart, the
browser, export and the last close read the index alone (an index-only scan) instead of
one table page per bar. Rebuilding it holds writes to market_data for its duration."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketdata", "0007_load_history_and_indices"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="marketdata",
            name="market_data_sym_int_time_idx",
        ),
        migrations.AddIndex(
            model_name="marketdata",
            index=models.Index(
                models.F("symbol"),
                models.F("interval_type"),
                models.OrderBy(models.F("time"), descending=True),
                include=("open", "high", "low", "close", "volume"),
                name="market_data_sym_int_time_idx",
            ),
        ),
    ]
