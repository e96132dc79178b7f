"""The version at which a case's experts' answers last changed, apart from the version, which the teaching around
them (reasoning, key images, shapes) moves too. Which edits changed the answers was not recorded before, so an
existing case starts from its current version: every grade given before it stays in question, as it was."""

from django.db import migrations, models
from django.db.models import F


def from_the_current_version(apps, schema_editor):
    apps.get_model("cases", "Case")._base_manager.update(answers_version=F("version"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_case_age_at_most_120")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="answers_version",
            field=models.PositiveIntegerField(
                default=1, editable=False, help_text="The version at which the experts' answers last changed."
            ),
        ),
        migrations.AddField(
            model_name="historicalcase",
            name="answers_version",
            field=models.PositiveIntegerField(
                default=1, editable=False, help_text="The version at which the experts' answers last changed."
            ),
        ),
        migrations.RunPython(from_the_current_version, migrations.RunPython.noop),
    ]
