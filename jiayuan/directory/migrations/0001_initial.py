"""Department moves from the service desk to the directory, keeping its table.

State only: the table `desk_department` was created by desk.0001 and stays;
desk.0006 removes the model from the desk's state.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('name_zh_hans', models.CharField(max_length=100, null=True, verbose_name='name')),
                        ('name_zh_hant', models.CharField(max_length=100, null=True, verbose_name='name')),
                        ('name_en', models.CharField(max_length=100, null=True, verbose_name='name')),
                        ('kind', models.CharField(choices=[('government', 'Government department'), ('partner', 'Partner organisation')], max_length=12, verbose_name='kind')),
                        ('handles', models.TextField(blank=True, verbose_name='what they handle')),
                        ('handles_zh_hans', models.TextField(blank=True, null=True, verbose_name='what they handle')),
                        ('handles_zh_hant', models.TextField(blank=True, null=True, verbose_name='what they handle')),
                        ('handles_en', models.TextField(blank=True, null=True, verbose_name='what they handle')),
                        ('contact_name', models.CharField(blank=True, max_length=60, verbose_name='contact person')),
                        ('phone', models.CharField(blank=True, max_length=40, verbose_name='phone')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='email')),
                        ('active', models.BooleanField(default=True, verbose_name='active')),
                    ],
                    options={
                        'verbose_name': 'department or partner',
                        'verbose_name_plural': 'departments and partners',
                        'db_table': 'desk_department',
                        'ordering': ['kind', 'code'],
                    },
                ),
            ],
        ),
    ]
