"""A finer histogram of the search keys, so that PostgreSQL estimates a prefix
(LIKE 'lx%') well enough to choose the right index for a grid worker.

With the default statistics (100 buckets for 2.5 million keys at district
scale) a two-letter prefix was estimated at about 180 keys when it had 5,800:
the planner then read the prefix from searchkey_key_idx (the whole district's
keys) and filtered them by grid, 35-130 ms, instead of reading the grid's own
keys from searchkey_grid_key_idx (0.05 ms). At 500 the estimate is close and the
grid index is chosen; planning a prefix scan costs about 0.1 ms more. 1,000
gave the same plans for twice the planning time.
"""

from django.db import migrations

TABLE, COLUMN = "registry_searchkey", "key"


def finer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "{COLUMN}" SET STATISTICS 500')
        schema_editor.execute(f'ANALYZE "{TABLE}"')


def default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ALTER COLUMN "{COLUMN}" SET STATISTICS -1')


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0009_household_archived_on"),
    ]

    operations = [
        migrations.RunPython(finer, default),
    ]
