"""Hand-written reads give the same instances as the ORM: every value converted, the rest deferred."""

import pytest
from django.contrib.auth import get_user_model

from cases.models import Case
from sinsquiz import sql
from sinsquiz.models import Attempt
from tests.factories import ANSWER, TraineeFactory, commit, published_case

pytestmark = pytest.mark.django_db


def values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.fixture
def submitted(client):
    trainee = TraineeFactory()
    client.force_login(trainee)
    return commit(client, published_case(series=0), pain="occasional")


def test_a_row_read_whole_equals_the_orms_instance_with_dates_json_and_booleans_converted(submitted):
    read = sql.first(Attempt, f"SELECT * FROM {Attempt._meta.db_table} WHERE id = %s", [submitted.pk])

    assert values(read) == values(Attempt.objects.get(pk=submitted.pk))
    assert read.submitted.tzinfo is not None
    assert read.reference["primary"]["reading"]["pain"] == ANSWER["pain"]
    assert read.pain_correct is False and read.level_correct is True
    assert read.get_deferred_fields() == set()
    assert not read._state.adding


def test_columns_in_any_order_land_in_their_fields_and_the_others_are_deferred(submitted):
    read = sql.first(Attempt, f"SELECT state, pain, id FROM {Attempt._meta.db_table} WHERE id = %s", [submitted.pk])

    assert (read.pk, read.state, read.pain) == (submitted.pk, Attempt.State.SUBMITTED, "occasional")
    assert "total" in read.get_deferred_fields()
    assert read.total == submitted.total  # loaded on demand, as the ORM's deferred fields are


def test_a_column_that_is_no_field_of_the_model_becomes_an_attribute():
    case = published_case(series=0)

    read = sql.first(Case, f"SELECT id, slug, 41 + 1 AS answer FROM {Case._meta.db_table} WHERE id = %s", [case.pk])

    assert (read.slug, read.answer) == (case.slug, 42)


def test_every_row_is_returned_and_no_row_gives_none_or_an_empty_list():
    users = get_user_model()
    trainees = {TraineeFactory().pk for _ in range(3)}
    table = users._meta.db_table

    assert {user.pk for user in sql.fetch(users, f"SELECT id, username FROM {table}")} >= trainees
    assert sql.fetch(users, f"SELECT * FROM {table} WHERE id = %s", [0]) == []
    assert sql.first(users, f"SELECT * FROM {table} WHERE id = %s", [0]) is None


def test_a_query_that_leaves_out_the_primary_key_is_refused():
    case = published_case(series=0)

    with pytest.raises(ValueError, match="primary key"):
        sql.first(Case, f"SELECT slug FROM {Case._meta.db_table} WHERE id = %s", [case.pk])
