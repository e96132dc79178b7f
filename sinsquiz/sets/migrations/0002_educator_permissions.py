from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("caseset", "setcase", "assignment")


def grant(apps, schema_editor):
    """Educators author case sets and assign them; they only look at sittings and answers (trainees make them)."""
    # Permissions are normally created after all migrations; make sure they exist now.
    app_config = apps.get_app_config("sets")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    educators, _ = Group.objects.get_or_create(name="Educators")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    codenames += ["view_sitting", "view_setanswer"]
    educators.permissions.add(*Permission.objects.filter(content_type__app_label="sets", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    educators = Group.objects.filter(name="Educators").first()
    if educators:
        educators.permissions.remove(*Permission.objects.filter(content_type__app_label="sets"))


class Migration(migrations.Migration):
    dependencies = [("sets", "0001_initial"), ("sinsquiz", "0001_groups")]

    operations = [migrations.RunPython(grant, revoke)]
