"""A referral consent names a department of the service desk's list (a foreign
key) instead of free text, so "教育局" typed once still covers 区教育局.

Existing consents are matched by name: exactly as typed, then folded, then one
name containing the other (jiayuan.lib.departments). The text is kept in
`department_text`; those that match no department (or several) keep only the
text, are printed here and listed by `manage.py unmatched_consents`."""

import django.db.models.deletion
from django.db import migrations, models

from jiayuan.lib.departments import match_department


def department_names(Department):
    return {d.pk: [d.code, d.name, d.name_zh_hans, d.name_zh_hant, d.name_en]
            for d in Department.objects.all()}


def link_consents(apps, schema_editor):
    Consent = apps.get_model("registry", "Consent")
    Department = apps.get_model("desk", "Department")
    names = department_names(Department)
    unmatched = []
    for consent in Consent.objects.exclude(department_text="").only("pk", "department_text"):
        pk = match_department(consent.department_text, names)
        if pk is None:
            unmatched.append(consent)
        else:
            Consent.objects.filter(pk=consent.pk).update(department_id=pk)
    if unmatched:
        print(f"\n  {len(unmatched)} consent(s) name no department of the list; "
              "link them by hand (manage.py unmatched_consents):")
        for consent in unmatched:
            print(f"    consent {consent.pk}: {consent.department_text!r}")


def unlink_consents(apps, schema_editor):
    # Back to free text: consents recorded since keep their department's name.
    Consent = apps.get_model("registry", "Consent")
    for consent in (Consent.objects.filter(department__isnull=False, department_text="")
                    .select_related("department")):
        consent.department_text = consent.department.name_zh_hans or consent.department.code
        consent.save(update_fields=["department_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("desk", "0003_portalhit"),
        ("registry", "0004_fewer_indexes"),
    ]

    operations = [
        migrations.RenameField("consent", "department", "department_text"),
        migrations.AlterField(
            model_name="consent",
            name="department_text",
            field=models.CharField(blank=True, max_length=100,
                                   verbose_name="department as written"),
        ),
        migrations.AddField(
            model_name="consent",
            name="department",
            field=models.ForeignKey(
                blank=True, help_text="For a referral: the department named in the consent.",
                null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="consents", to="desk.department", verbose_name="department"),
        ),
        migrations.RunPython(link_consents, unlink_consents),
    ]
