from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    """Educators read the reports of the trainees they follow, answer and close them; trainees send them from
    the feedback page, which needs no permission (and nobody deletes one: it is the trainee's record)."""
    # Permissions are normally created after all migrations; make sure they exist now.
    app_config = apps.get_app_config("problems")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    educators, _ = Group.objects.get_or_create(name="Educators")
    codenames = ["view_problemreport", "change_problemreport"]
    educators.permissions.add(*Permission.objects.filter(content_type__app_label="problems", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    educators = Group.objects.filter(name="Educators").first()
    if educators:
        educators.permissions.remove(*Permission.objects.filter(content_type__app_label="problems"))


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial"), ("sinsquiz", "0001_groups")]

    operations = [migrations.RunPython(grant, revoke)]
