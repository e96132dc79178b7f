import importlib
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_tally_migration_starts_each_trainee_at_the_attempts_they_have_committed():
    from django.apps import apps

    from sinsquiz import services
    from sinsquiz.models import Tally
    from tests.factories import ANSWER, TraineeFactory, published_case

    tally = importlib.import_module("sinsquiz.migrations.0007_tally")
    case, busy, idle, starting = published_case(series=0), TraineeFactory(), TraineeFactory(), TraineeFactory()
    for _ in range(3):
        services.submit(services.open_draft(busy, case), ANSWER)
    services.submit(services.open_draft(starting, case), ANSWER)
    services.open_draft(idle, case)
    Tally.objects.all().delete()

    tally.count_commits(apps, None)

    assert dict(Tally.objects.values_list("trainee", "submitted")) == {busy.pk: 3, starting.pk: 1}


@pytest.mark.django_db
def test_the_tally_triggers_are_in_the_database():
    """A migration that rebuilds the attempts table on SQLite drops its triggers: it must create them again."""
    from django.db import connection

    listing = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sinsquiz_attempt'",
        "postgresql": "SELECT tgname FROM pg_trigger WHERE tgrelid = 'sinsquiz_attempt'::regclass AND NOT tgisinternal",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(listing)
        names = {name for (name,) in cursor.fetchall()}

    assert names >= {"sinsquiz_tally_commit", "sinsquiz_tally_insert"}
