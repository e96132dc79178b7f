"""The expert reference stays hidden until the trainee commits: in no body, header or template context.

Every text of every reference (each item's rationale and the labels drawn on its key image, the reader, the
teaching points, the discussion, a second expert's reading) carries a sentinel, and the practice case's reference
has values a trainee would not pick by chance. Trainee B, who has committed nothing, then asks for every route of
the project (the access matrix's concrete paths, GET and POST, each also with HX-Request); only after B commits
does the sentinel show.
"""

import dataclasses
from html.parser import HTMLParser

import pytest
from django.core.paginator import Page
from django.db.models import Model, QuerySet
from django.forms import BaseForm

from cases.models import Annotation, Case, ReferenceReading, Series, Slice
from sinsquiz import sins
from sinsquiz.problems import reports
from sinsquiz.problems.models import ProblemReport
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, ReferenceReadingFactory
from tests.security.matrix import MATRIX, METHODS
from tests.security.world import Visitor, build_world, client_for

pytestmark = pytest.mark.django_db

SENTINEL = "SENTINEL-c0ffee"
# Each model would bring the reference along: a case its readings and teaching, a series or slice its case, a
# problem report its answer ("you're right, it's T4").
REFERENCE_CARRIERS = (Case, ReferenceReading, Attempt, Series, Slice, Annotation, ProblemReport)
# A reading nobody would give by chance (and unlike ANSWER, which trainees are given in these tests).
DISTINCT = {
    "pain": "occasional",
    "bone_lesion": "blastic",
    "alignment": "subluxation",
    "collapse": "involved_gt50",
    "posterolateral": "bilateral",
    "absent_pedicle": "not_assessable",
    "tomita": 7,
    "escc": "3",
}
PARTIAL = {"pain": "none", "collapse": "lt50"}


def hide_sentinels(case: Case) -> None:
    """Sentinels in every text of the reference, and a second expert who also carries them."""
    texts = {f"{item}_rationale": f"{SENTINEL} {item} rationale" for item in sins.READING_ITEMS}
    ReferenceReading.objects.filter(case=case).update(reader_name=f"{SENTINEL} primary reader", **texts, **DISTINCT)
    ReferenceReadingFactory(case=case, is_primary=False, reader_name=f"{SENTINEL} second reader", escc="2", **texts)
    Case.objects.filter(pk=case.pk).update(
        teaching_points=f"{SENTINEL} teaching points", discussion=f"{SENTINEL} discussion"
    )
    # Every item's key image, annotated: the shapes' labels are part of the reference too.
    key = Slice.objects.filter(series__case=case).first()
    primary = ReferenceReading.objects.get(case=case, is_primary=True)
    ReferenceReading.objects.filter(pk=primary.pk).update(**{f"{item}_key_slice": key for item in sins.READING_ITEMS})
    Annotation.objects.bulk_create(
        Annotation(reading=primary, item=item, slice=key, kind="arrow", x1=0.1, y1=0.1, x2=0.5, y2=0.5,
                   label=f"{SENTINEL} {item} arrow")
        for item in sins.READING_ITEMS
    )  # fmt: skip


@pytest.fixture
def world():
    return build_world(prepare=hide_sentinels, asks_escc=True)


def carriers_in_context(response) -> list:
    """Reference-carrying model instances, and sentinel strings, anywhere in the template contexts."""
    found = []

    def walk(value, depth=0):
        if depth > 8:
            return
        if isinstance(value, str):
            if SENTINEL in value:
                found.append(value[:80])
        elif isinstance(value, REFERENCE_CARRIERS):
            if value.pk is not None:  # a form's empty instance carries nothing
                found.append(value)
        elif isinstance(value, Model):
            return  # the user, a cohort: no way to the reference but through queries a template cannot run
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key, depth + 1)
                walk(item, depth + 1)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, QuerySet):
            if value._result_cache is not None:  # what the template iterated over
                walk(value._result_cache, depth + 1)
        elif isinstance(value, Page):
            walk(list(value.object_list), depth + 1)
        elif isinstance(value, BaseForm):
            walk(value.initial, depth + 1)
            walk(getattr(value, "instance", None), depth + 1)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                walk(getattr(value, field.name), depth + 1)

    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in filter(None, contexts):
        for layer in getattr(context, "dicts", [context]):
            for key, value in layer.items():
                if key not in {"request", "csrf_token", "perms", "messages", "view"}:
                    walk(value)
    return found


class Choices(HTMLParser):
    """The options a page shows as chosen: checked radio buttons and selected <option>s with a value."""

    def __init__(self, html: str):
        super().__init__()
        self.select, self.chosen = None, set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.select = attrs.get("name")
        elif tag == "input" and "checked" in attrs and attrs.get("name"):  # not the display toggles
            self.chosen.add((attrs.get("name"), attrs.get("value")))
        elif tag == "option" and "selected" in attrs and attrs.get("value"):
            self.chosen.add((self.select, attrs["value"]))


def leaks(response, found_in_context) -> list[str]:
    where = []
    if SENTINEL.encode() in response.body:
        where.append("body")
    for name, value in response.headers.items():
        if SENTINEL in name or SENTINEL in value:
            where.append(f"header {name}")
    where += [f"context {item!r}" for item in found_in_context]
    return where


def test_no_route_shows_the_reference_before_the_commit_and_the_feedback_shows_it_after(world):
    trainee = world.trainee_b
    visitor = Visitor(trainee)
    visitor.client.get(f"/cases/{world.committed_case.slug}/")  # a second, empty draft, as a trainee would have
    asked, found = 0, []
    for rows in MATRIX.values():
        for row in rows:
            path = row.path(world)
            for method in METHODS:  # the admin's routes too, with and without HX-Request
                response, in_context = visitor.ask(method, path, PARTIAL, inspect=carriers_in_context)
                asked += 1
                if problems := leaks(response, in_context):
                    found.append(f"{method} {path} ({row.label}): {problems}")
    assert asked == 4 * sum(len(rows) for rows in MATRIX.values())
    assert found == []
    assert not Attempt.objects.submitted().filter(trainee=trainee).exists()

    feedback = visitor.client.post(
        f"/attempts/{world.b_draft.pk}/commit/", {**ANSWER, "escc": "1a"}, follow=True
    ).content.decode()

    assert f"{SENTINEL} primary reader" in feedback
    assert f"{SENTINEL} second reader" in feedback
    assert f"{SENTINEL} teaching points" in feedback and f"{SENTINEL} discussion" in feedback
    for item in sins.READING_ITEMS:
        assert f"{SENTINEL} {item} rationale" in feedback, item
        assert f"{SENTINEL} {item} arrow" in feedback, item


def test_the_case_page_and_its_partials_show_only_what_the_trainee_chose_never_the_reference(world):
    client = client_for(world.trainee_b)
    draft = world.b_draft.pk
    reference = {(item, str(value)) for item, value in DISTINCT.items()}

    pages = {
        "case page": client.get(f"/cases/{world.practice_case.slug}/"),
        "case page (htmx)": client.get(f"/cases/{world.practice_case.slug}/", headers={"HX-Request": "true"}),
        "autosave": client.post(f"/attempts/{draft}/save/", PARTIAL, headers={"HX-Request": "true"}),
        "incomplete commit (htmx)": client.post(f"/attempts/{draft}/commit/", PARTIAL, headers={"HX-Request": "true"}),
        "incomplete commit": client.post(f"/attempts/{draft}/commit/", PARTIAL),
    }

    for name, response in pages.items():
        chosen = Choices(response.content.decode()).chosen
        assert chosen & reference == set(), name
        assert chosen <= {("level", "T8"), ("pain", "none"), ("collapse", "lt50")}, (name, chosen)
    assert Choices(pages["case page"].content.decode()).chosen == {("level", "T8"), ("pain", "none")}  # B's draft


def test_an_answer_to_a_report_never_shows_on_the_case_page_only_on_the_feedback_it_was_sent_from(world):
    report = world.problem_report
    report.text = f"{SENTINEL} is it T4?"
    report.save()
    reports.answer(report, text=f"{SENTINEL} you're right, it's T4, lytic.", close=False, by=world.educator_a)
    client = client_for(world.trainee_a)
    path = f"/cases/{world.committed_case.slug}/"

    for response in (client.get(path), client.get(path, headers={"HX-Request": "true"})):  # a new draft opens
        assert leaks(response_with_body(response), carriers_in_context(response)) == []
        assert "Read the answer" in response.content.decode()

    assert f"{SENTINEL} you&#x27;re right" in client.get(world.a_submitted.get_absolute_url()).content.decode()


def response_with_body(response):
    response.body = response.content
    return response


def test_the_feedback_is_not_stored_by_browsers_once_the_reference_shows(world):
    client = client_for(world.trainee_b)

    client.post(f"/attempts/{world.b_draft.pk}/commit/", {**ANSWER, "escc": "1a"})
    response = client.get(f"/attempts/{world.b_draft.pk}/")

    assert SENTINEL in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()


def test_the_home_page_hands_no_draft_attempt_or_case_to_its_template(world):
    client = client_for(world.trainee_b)

    response = client.get("/")

    assert "Continue where you left off" in response.content.decode()
    assert carriers_in_context(response) == []
