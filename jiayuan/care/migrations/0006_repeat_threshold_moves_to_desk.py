"""The repeat threshold moves to the desk (desk.DeskSettings): one value per
community for the desk's "coming back" flag and the must-visit duty. A
community whose head had set care's value keeps it; the window is the
deployment's DESK_REPEAT_DAYS, as before."""

from django.conf import settings
from django.db import migrations


def to_desk(apps, schema_editor):
    CareSettings = apps.get_model("care", "CareSettings")
    DeskSettings = apps.get_model("desk", "DeskSettings")
    for row in CareSettings.objects.exclude(repeat_open=settings.DESK_REPEAT_OPEN):
        DeskSettings.objects.update_or_create(
            community_id=row.community_id,
            defaults={"repeat_open": row.repeat_open, "repeat_days": settings.DESK_REPEAT_DAYS,
                      "updated_by_id": row.updated_by_id})


def to_care(apps, schema_editor):
    CareSettings = apps.get_model("care", "CareSettings")
    DeskSettings = apps.get_model("desk", "DeskSettings")
    for row in DeskSettings.objects.all():
        CareSettings.objects.update_or_create(community_id=row.community_id,
                                              defaults={"repeat_open": row.repeat_open})


class Migration(migrations.Migration):

    dependencies = [
        ("care", "0005_dispute_reopenings_rendered_in_readers_language"),
        ("desk", "0006_desk_settings"),
    ]

    operations = [
        migrations.RunPython(to_desk, to_care),
        migrations.RemoveField(model_name="caresettings", name="repeat_open"),
    ]
