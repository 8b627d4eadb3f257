"""The default set of suggestion statuses (community empty): every station
starts from these five, one per stage, and may add, rename, reorder or
deactivate its own copies (jiayuan.civic.suggestions.statuses)."""

from django.db import migrations

DEFAULTS = [
    # code, stage, zh-Hans, zh-Hant, en
    ("received", "received", "已收到", "已收到", "Received"),
    ("discussing", "discussing", "讨论中", "討論中", "Under discussion"),
    ("adopted", "adopted", "已采纳", "已採納", "Adopted"),
    ("done", "done", "已办结", "已辦結", "Done"),
    ("declined", "declined", "未采纳", "未採納", "Not adopted"),
]


def create(apps, schema_editor):
    status = apps.get_model("civic", "SuggestionStatus")
    for order, (code, stage, hans, hant, en) in enumerate(DEFAULTS, start=1):
        status.objects.update_or_create(
            community=None, code=code,
            defaults={"stage": stage, "order": order * 10, "active": True, "name": hans,
                      "name_zh_hans": hans, "name_zh_hant": hant, "name_en": en})


def remove(apps, schema_editor):
    apps.get_model("civic", "SuggestionStatus").objects.filter(
        community=None, code__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):

    dependencies = [("civic", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
