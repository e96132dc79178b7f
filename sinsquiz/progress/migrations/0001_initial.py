"""The Cohort model moves here from the project's own app ("sinsquiz"), its tables and rows untouched: only
Django's record of the models changes (sinsquiz 0009 forgets it there), and its content type follows, so
the educators' permissions on cohorts and the admin history are kept."""

import importlib

from django.conf import settings
from django.db import migrations, models

move_content_type = importlib.import_module("sinsquiz.training.migrations.0001_initial").move_content_type


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('sinsquiz', '0008_drop_tally'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Cohort',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, unique=True)),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('educators', models.ManyToManyField(blank=True, db_table='sinsquiz_cohort_educators', related_name='taught_cohorts', to=settings.AUTH_USER_MODEL)),
                        ('trainees', models.ManyToManyField(blank=True, db_table='sinsquiz_cohort_trainees', related_name='cohorts', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'sinsquiz_cohort',
                        'ordering': ['name'],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            move_content_type("sinsquiz", "progress", "cohort"), move_content_type("progress", "sinsquiz", "cohort")
        ),
    ]
