"""Who may open what: every URL pattern of the project × every role, from Django's URL resolver.

The matrix itself is in matrix.py; this module runs it. Each request is made in a rolled-back savepoint, and
before the rollback the attempts of everyone but the requesting user are compared with a snapshot, so a
request that wrote to somebody else's attempt is caught even when the status looks right.
"""

import pytest

from sinsquiz.training.models import Attempt
from tests.factories import ANSWER
from tests.security.matrix import MATRIX, METHODS, methods_for
from tests.security.world import ROLES, Visitor, attempts_of, build_world, client_for, outcome, route_patterns

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_the_matrix_covers_every_route_of_the_project_and_no_other():
    patterns = route_patterns()

    assert set(MATRIX) - patterns == set(), "the matrix lists routes that no longer exist"
    assert patterns - set(MATRIX) == set(), "new routes: add them, with each role's outcome, to matrix.py"


def test_every_route_has_a_path_and_an_outcome_for_every_role_and_method(world):
    for pattern, rows in MATRIX.items():
        assert rows, pattern
        for row in rows:
            assert row.path(world).startswith("/"), row.label
            for method in METHODS:
                assert len(row.expected(method)) == len(ROLES), (pattern, row.label, method)


def everyone_elses_attempts(world, role) -> dict:
    user = world.user(role)
    trainees = [world.trainee_a, world.trainee_b]
    return {trainee.username: attempts_of(trainee) for trainee in trainees if trainee != user}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says_and_writes_nobody_elses_attempts(world, role):
    before = everyone_elses_attempts(world, role)
    visitor = Visitor(world.user(role))
    wrong, written = [], []
    for pattern, rows in MATRIX.items():
        for row in rows:
            path = row.path(world)
            for method in methods_for(pattern):
                expected = row.expected(method)[ROLES.index(role)]
                response, others_changed = visitor.ask(
                    method, path, row.data, inspect=lambda r: everyone_elses_attempts(world, role) != before
                )
                got = outcome(response)
                if others_changed:
                    written.append(f"{method} {path}")
                if got != expected:
                    wrong.append(f"{method} {path} ({row.label}): expected {expected}, got {got}")

    assert written == [], f"{role} changed somebody else's attempts with:\n" + "\n".join(written)
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)
    assert everyone_elses_attempts(world, role) == before


# --- The cases that matter most, spelled out -------------------------------------------------------------


def test_a_trainee_cannot_open_another_trainees_feedback(world):
    client = client_for(world.trainee_b)

    response = client.get(f"/attempts/{world.a_submitted.pk}/")

    assert response.status_code == 404
    assert "Committed" not in response.content.decode()


def test_a_trainee_cannot_save_or_commit_another_trainees_draft_with_or_without_htmx(world):
    before = attempts_of(world.trainee_a)
    client = client_for(world.trainee_b)

    for headers in ({}, {"HX-Request": "true"}):
        for action in ("save", "commit"):
            response = client.post(f"/attempts/{world.a_draft.pk}/{action}/", ANSWER, headers=headers)
            assert response.status_code == 404, (action, headers)

    assert attempts_of(world.trainee_a) == before
    assert Attempt.objects.get(pk=world.a_draft.pk).state == Attempt.State.DRAFT


def test_an_educator_may_read_their_trainees_attempts_but_never_change_them(world):
    before = attempts_of(world.trainee_a)
    client = client_for(world.educator_a)

    assert client.get(f"/attempts/{world.a_submitted.pk}/").status_code == 200
    assert client.post(f"/attempts/{world.a_draft.pk}/save/", ANSWER).status_code == 404
    assert client.post(f"/attempts/{world.a_draft.pk}/commit/", ANSWER).status_code == 404
    assert attempts_of(world.trainee_a) == before


def test_an_educator_of_another_cohort_sees_nothing_of_trainee_a(world):
    client = client_for(world.educator_other)

    for path in (
        f"/attempts/{world.a_submitted.pk}/",
        f"/progress/{world.trainee_a.pk}/",
        f"/cohorts/{world.cohort_a.pk}/",
        f"/cohorts/{world.cohort_a.pk}/attempts.csv",
        f"/cohorts/{world.cohort_a.pk}/trainees.csv",
    ):
        assert client.get(path).status_code == 404, path
    response = client.get(f"/admin/progress/cohort/{world.cohort_a.pk}/change/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_an_unpublished_case_and_its_images_are_hidden_from_trainees(world):
    image = world.slice_of(world.draft_case)
    client = client_for(world.trainee_a)

    assert client.get(f"/cases/{world.draft_case.slug}/").status_code == 404
    for name in (image.image.name, image.web.name, image.thumbnail.name):
        assert client.get(f"/media/{name}").status_code == 404, name
    assert "Unpublished" not in client.get("/cases/").content.decode()


def test_trainees_are_sent_to_the_admin_login_from_every_admin_page(world):
    client = client_for(world.trainee_a)

    for pattern in MATRIX:
        if pattern.startswith("admin/") and pattern not in {"admin/login/", "admin/logout/"}:
            for row in MATRIX[pattern]:
                response = client.get(row.path(world))
                assert response.status_code == 302, row.label
                assert response["Location"].startswith("/admin/login/?next="), row.label


def test_the_case_autocomplete_of_the_series_form_pages_its_results_in_a_stable_order(world):
    client = client_for(world.educator_a)

    response = client.get("/admin/autocomplete/", {"app_label": "cases", "model_name": "series", "field_name": "case"})

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Committed", "Practice", "Unpublished"]
