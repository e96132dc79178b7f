"""Hypothesis throws arbitrary POSTs at the autosave and commit endpoints.

Trainee A posts dictionaries whose keys are the reading's items, the attempt's other columns (mass assignment)
and junk, and whose values are valid codes, near misses, unicode, huge strings, numbers, empty strings and
lists, to their own draft, their own submitted attempt and trainee B's two attempts, with and without
HX-Request. Whatever comes: no 500, nothing of B's changes, a submitted attempt never changes, and a draft only
ever stores valid option codes. Each example runs in a savepoint that is rolled back, so every example starts
from the same database.

Examples per test come from a Hypothesis profile chosen by HYPOTHESIS_PROFILE: "dev" (the default, quick) or
"ci" (1000). The profiles are applied to these tests only, not loaded for the whole suite.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, assume, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sinsquiz import sins
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER
from tests.security.world import HX, attempts_of, build_world, columns

pytestmark = pytest.mark.django_db

# No example database: the suite writes nothing outside its temporary folders.
hypothesis_settings.register_profile("dev", max_examples=50, deadline=None, database=None)
hypothesis_settings.register_profile("ci", max_examples=1000, deadline=None, database=None)
PROFILE = hypothesis_settings(
    hypothesis_settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev")),
    # The world is built once per test and every example is rolled back, so sharing the fixture is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

ITEMS = list(sins.READING_ITEMS)
VALID = {
    "level": list(sins.LEVELS),
    **{c.name: [o.code for o in c.options] for c in sins.COMPONENTS},
    "absent_pedicle": [c.code for c in sins.ABSENT_PEDICLE],
    "tomita": [str(t.type) for t in sins.TOMITA_TYPES],
    "escc": [g.code for g in sins.ESCC_GRADES],
}
# Columns a form must never let a trainee set, and plain junk.
MASS_ASSIGNMENT = ["state", "trainee", "trainee_id", "case", "case_id", "submitted", "reference", "total", "category",
                   "components_right", "reference_total", "reference_category", "first_try", "consultation",
                   "case_version", "time_spent", "id", "pk", "pain_correct", "reference_pain"]  # fmt: skip
JUNK_KEYS = ["", " ", "level ", "LEVEL", "pain[]", "tomita.0", "csrfmiddlewaretoken", "__proto__", "\u202epain"]
MARKER = "<script>fuzz()</script>"
NEAR_MISSES = [
    "Lytic", " lytic", "lytic ", "LYTIC", "lytic\x00", "lyt1c", "gt 50", "gt50%", ">50", "none;", "None", "null",
    "t7", " T7 ", "T 7", "t-7", "T07", "C0", "c8", "T13", "L6", "S6", "T0", "occiput", "OCCIPUT ", "Ｔ７",
    "0", "8", "-1", "2.0", "1e1", "７", "0x2", "1a ", "1A", "4", "3b",
    MARKER, "' OR 1=1 --", "{{ 7|add:1 }}", "%(x)s", "../../etc/passwd", "\u202e", "\ufeffT7",
]  # fmt: skip
ALL_CODES = sorted({code for codes in VALID.values() for code in codes})

huge = st.builds(lambda text, n: text * n, st.text(min_size=1, max_size=3), st.integers(2_000, 20_000))
number = st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True))
scalar = st.one_of(
    st.sampled_from(ALL_CODES),
    st.sampled_from(NEAR_MISSES),
    st.text(max_size=40),
    st.just(""),
    number,
    huge,
)
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=4))
key = st.one_of(st.sampled_from(ITEMS), st.sampled_from(MASS_ASSIGNMENT + JUNK_KEYS), st.text(max_size=12))
# Often a nearly valid reading with a few things wrong, so the valid paths (a save, a commit) are reached too.
valid_reading = st.fixed_dictionaries({}, optional={item: st.sampled_from(codes) for item, codes in VALID.items()})
payload = st.builds(lambda base, extra: {**base, **extra}, valid_reading, st.dictionaries(key, value, max_size=8))
TARGETS = ["own draft", "own draft", "own draft", "own submitted", "B's draft", "B's submitted"]  # mostly the draft


def size_of(data: dict) -> int:
    values = [v for vs in data.values() for v in (vs if isinstance(vs, list) else [vs])]
    return sum(len(str(k).encode()) for k in data) + sum(len(str(v).encode()) for v in values)


@pytest.fixture
def world():
    world = build_world(series=0, asks_escc=True, prepare=lambda case: case.readings.update(escc="1b"))
    b_draft = drafts.open_draft(world.trainee_b, world.committed_case)
    world.b_submitted = drafts.submit(b_draft, {**ANSWER, "escc": "2"})[0]
    return world


@pytest.fixture
def client(world):
    client = Client()
    client.force_login(world.trainee_a)
    return client


def target_of(world, name: str) -> Attempt:
    return {
        "own draft": world.a_draft,
        "own submitted": world.a_submitted,
        "B's draft": world.b_draft,
        "B's submitted": world.b_submitted,
    }[name]


def stored_values_are_valid(attempt: Attempt) -> bool:
    for item in ITEMS:
        stored = getattr(attempt, item)
        if stored not in (None, "") and str(stored) not in VALID[item]:
            return False
    return True


def post_and_check(world, client, action: str, target: str, data: dict, htmx: bool):
    assume(size_of(data) < django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)
    attempt = target_of(world, target)
    b_before, a_submitted_before = attempts_of(world.trainee_b), columns(world.a_submitted)
    with transaction.atomic():
        response = client.post(f"/attempts/{attempt.pk}/{action}/", data, headers=HX if htmx else {})
        body = response.content
        after = Attempt.objects.get(pk=world.a_draft.pk)
        b_after = attempts_of(world.trainee_b)
        a_submitted_after = columns(Attempt.objects.get(pk=world.a_submitted.pk))
        transaction.set_rollback(True)

    event(
        f"{target}, {'htmx' if htmx else 'plain'}: {response.status_code}{', committed' if after.is_submitted else ''}"
    )
    assert response.status_code in {200, 302, 404}
    assert b_after == b_before, "trainee B's attempts changed"
    assert a_submitted_after == a_submitted_before, "a submitted attempt changed"
    assert MARKER.encode() not in body, "a posted value came back unescaped"
    assert stored_values_are_valid(after), {item: getattr(after, item) for item in ITEMS}
    if target.startswith("B's"):
        assert response.status_code == 404
    elif target == "own submitted":
        assert response.status_code == 302 or response.has_header("HX-Redirect")
    elif after.is_submitted:
        assert action == "commit" and not after.to_reading().missing(escc_required=True)
        assert after.total == after.to_reading().score.total and after.reference is not None
        assert response.has_header("HX-Redirect") if htmx else response.status_code == 302
    else:
        assert response.status_code == (200 if htmx or action == "commit" else 302)


@PROFILE
@given(data=payload, target=st.sampled_from(TARGETS), htmx=st.booleans())
def test_no_autosave_post_breaks_the_app_or_writes_where_it_should_not(world, client, data, target, htmx):
    post_and_check(world, client, "save", target, data, htmx)


@PROFILE
@given(data=payload, target=st.sampled_from(TARGETS), htmx=st.booleans())
def test_no_commit_post_breaks_the_app_or_writes_where_it_should_not(world, client, data, target, htmx):
    post_and_check(world, client, "commit", target, data, htmx)


# --- Django's own limits answer 400, never 500 -------------------------------------------------------------


def test_a_post_with_too_many_fields_is_refused_with_400(world, client):
    data = {f"junk{n}": "x" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post(f"/attempts/{world.a_draft.pk}/save/", data, headers=HX)

    assert response.status_code == 400


def test_a_post_body_over_the_memory_limit_is_refused_with_400(world, client):
    before = attempts_of(world.trainee_a)

    response = client.post(
        f"/attempts/{world.a_draft.pk}/commit/",
        {**ANSWER, "escc": "1a", "pad": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )

    assert response.status_code == 400
    assert attempts_of(world.trainee_a) == before
