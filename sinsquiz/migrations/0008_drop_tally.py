import importlib

from django.db import migrations

tally = importlib.import_module("sinsquiz.migrations.0007_tally")


def forget_content_type(apps, schema_editor):
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="sinsquiz", model="tally").delete()


def restore(apps, schema_editor):
    tally.run(tally.TRIGGERS)(apps, schema_editor)
    tally.count_commits(apps, schema_editor)


class Migration(migrations.Migration):
    """The tally of each trainee's commits, and the triggers that kept it, go: cached pages are keyed on
    counts the ORM reads from the attempts themselves."""

    dependencies = [("sinsquiz", "0007_tally"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.RunPython(tally.run(tally.DROP), restore),
        migrations.DeleteModel(name="Tally"),
        migrations.RunPython(forget_content_type, migrations.RunPython.noop),
    ]
