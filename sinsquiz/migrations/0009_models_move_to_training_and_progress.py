from django.db import migrations


class Migration(migrations.Migration):
    """Attempt and Cohort now belong to the training and progress apps (their 0001 migrations take them
    over); the tables stay where they are, so only Django's record of the models changes here."""

    dependencies = [
        ("sinsquiz", "0008_drop_tally"),
        ("training", "0001_initial"),
        ("progress", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="cohort", name="educators"),
                migrations.RemoveField(model_name="cohort", name="trainees"),
                migrations.DeleteModel(name="Attempt"),
                migrations.DeleteModel(name="Cohort"),
            ]
        )
    ]
