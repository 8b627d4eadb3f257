"""Department now lives in jiayuan.directory (table `desk_department` kept):
the desk's foreign keys point at it and the desk's state drops the model.
State only, nothing changes in the database.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0005_timeline_lines_as_codes_and_parameters'),
        ('directory', '0001_initial'),
        ('registry', '0007_consent_department_in_directory'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='serviceitem',
                    name='department',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='items', to='directory.department', verbose_name='responsible department or partner'),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='directory.department', verbose_name='department'),
                ),
                migrations.DeleteModel(
                    name='Department',
                ),
            ],
        ),
    ]
