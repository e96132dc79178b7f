"""A first history record for every case, series, reading and shape that exists already, so that the first change
made after this release shows what it changed (the record it is compared with)."""

from django.db import migrations
from django.utils import timezone

MODELS = ("Case", "Series", "ReferenceReading", "Annotation")


def baseline(apps, schema_editor):
    now = timezone.now()
    for name in MODELS:
        model, historical = apps.get_model("cases", name), apps.get_model("cases", f"Historical{name}")
        fields = [field.attname for field in model._meta.concrete_fields]
        records = (
            historical(
                **{field: getattr(row, field) for field in fields},
                history_date=now,
                history_type="+",
                history_change_reason="The state when history began to be kept.",
            )
            for row in model._base_manager.iterator(chunk_size=500)
        )
        historical.objects.bulk_create(records, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_history_and_reference_changed")]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
