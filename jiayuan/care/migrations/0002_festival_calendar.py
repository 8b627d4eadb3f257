"""Seed the festival calendar from jiayuan.lib.festivals (2025-2028)."""

from django.db import migrations


def seed(apps, schema_editor):
    from jiayuan.lib.festivals import FESTIVAL_DATES

    FestivalDate = apps.get_model("care", "FestivalDate")
    FestivalDate.objects.bulk_create(
        [FestivalDate(festival=code, date=day)
         for code, years in FESTIVAL_DATES.items() for day in years.values()],
        ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
