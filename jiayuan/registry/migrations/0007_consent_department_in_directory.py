"""A referral consent names a directory.Department (the same table as before:
state only, nothing changes in the database).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_initial'),
        ('registry', '0006_merge_consent_department_and_versions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='consent',
                    name='department',
                    field=models.ForeignKey(blank=True, help_text='For a referral: the department named in the consent.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='consents', to='directory.department', verbose_name='department'),
                ),
            ],
        ),
    ]
