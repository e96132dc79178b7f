"""The people and objects the security suites request pages about, and how to ask for a page as each of them.

A small but complete world: two trainees in two cohorts, an educator for each cohort, a superuser; a published
case trainee A has committed, a published case both trainees have drafts on, and a draft case; every kind of
row the admin lists. Every request is made inside a savepoint that is rolled back, so one request (a commit,
a logout, an admin delete) never changes what the next one sees.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cases.models import Case, Ingest, Series, Slice
from sinsquiz import roles
from sinsquiz.problems.models import ProblemReport
from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, CaseSet, SetCase
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, published_case

HX = {"HX-Request": "true"}

ROLES = ("anonymous", "trainee_a", "trainee_b", "educator_other", "educator_a", "superuser")

# What a response did, in the words of the matrix.
LOGIN = "302→login"  # to /login/ or the admin's /admin/login/
HX_REDIRECT = "200+HX-Redirect"

# A complete problem report, as the feedback page's form posts it.
REPORT = {"problem-kind": "wrong_reference", "problem-text": "The reference level looks one too high."}


def route_patterns() -> set[str]:
    """Every URL pattern of the project, written as the resolver joins them ("admin/cases/case/<path:object_id>/")."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return set(walk(get_resolver().url_patterns))


@dataclass
class World:
    trainee_a: User
    trainee_b: User
    educator_other: User  # follows cohort B only
    educator_a: User  # follows cohort A, trainee A's
    superuser: User
    cohort_a: Cohort
    cohort_b: Cohort
    committed_case: Case  # published; trainee A has committed a reading of it
    practice_case: Case  # published; trainees A and B each have a draft on it
    draft_case: Case  # not published: only staff may see it
    a_submitted: Attempt
    a_draft: Attempt
    b_draft: Attempt
    access_attempt: AccessAttempt
    access_log: AccessLog
    access_failure: AccessFailureLog
    b_submitted: Attempt | None = None  # only the fuzzing suite gives trainee B a committed attempt
    retest: Assignment | None = None  # a retest of a baseline, both assigned to cohort A

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)

    @property
    def trainees_group(self) -> Group:
        return Group.objects.get(name=roles.TRAINEES)

    @property
    def draft_series(self) -> Series:
        return self.draft_case.series.first()

    def slice_of(self, case: Case) -> Slice:
        return Slice.objects.filter(series__case=case).first()

    @property
    def failed_ingest(self) -> Ingest:
        ingest, _ = Ingest.objects.get_or_create(
            case=self.draft_case, source="ingest/matrix", status=Ingest.Status.FAILED
        )
        return ingest

    @property
    def assignment(self) -> Assignment:
        """An assessment of the committed case, open now, for cohort A (made when a route first asks for it)."""
        if found := Assignment.objects.filter(cohorts=self.cohort_a).first():
            return found
        case_set = CaseSet.objects.create(title="Matrix set")
        case_set.items.create(case=self.committed_case, position=1)
        now = timezone.now()
        assignment = Assignment.objects.create(
            case_set=case_set, opens=now - timedelta(days=1), closes=now + timedelta(days=1), mode="assessment"
        )
        assignment.cohorts.add(self.cohort_a)
        return assignment

    @property
    def problem_report(self) -> ProblemReport:
        """Trainee A's report on the committed case (made when a route first asks for it). Closed, so that A may
        still report again from the same reading whatever order the routes are asked in."""
        if found := ProblemReport.objects.filter(reporter=self.trainee_a).first():
            return found
        return ProblemReport.objects.create(
            case=self.committed_case, attempt=self.a_submitted, reporter=self.trainee_a, kind="image",
            text="The axial CT series is blank.", status=ProblemReport.Status.CLOSED,
        )  # fmt: skip

    @property
    def case_type(self) -> ContentType:
        return ContentType.objects.get_for_model(Case)


def build_world(
    *, series: int = 1, slices: int = 1, prepare: Callable[[Case], None] | None = None, **case_fields
) -> World:
    """The world; `prepare(case)` runs on each case before anybody has opened or committed it."""
    trainee_a, trainee_b = TraineeFactory(username="trainee-a"), TraineeFactory(username="trainee-b")
    educator_a, educator_other = EducatorFactory(username="educator-a"), EducatorFactory(username="educator-other")
    superuser = User.objects.create_superuser("root", password="a-long-test-password")
    cohort_a = Cohort.objects.create(name="Cohort A")
    cohort_a.trainees.add(trainee_a)
    cohort_a.educators.add(educator_a)
    cohort_b = Cohort.objects.create(name="Cohort B")
    cohort_b.trainees.add(trainee_b)
    cohort_b.educators.add(educator_other)

    committed_case = published_case(series=series, slices=slices, title="Committed", slug="committed", **case_fields)
    practice_case = published_case(series=series, slices=slices, title="Practice", slug="practice", **case_fields)
    draft_case = published_case(
        series=series, slices=slices, title="Unpublished", slug="unpublished", status=Case.Status.DRAFT, **case_fields
    )

    if prepare:
        for case in (committed_case, practice_case, draft_case):
            prepare(case)
    answer = {**ANSWER, "escc": "1a"} if committed_case.asks_escc else ANSWER
    a_submitted, _ = drafts.submit(drafts.open_draft(trainee_a, committed_case), answer)
    a_draft = drafts.open_draft(trainee_a, practice_case)
    drafts.save_draft(a_draft, {"level": "T7", "pain": "mechanical"})
    b_draft = drafts.open_draft(trainee_b, practice_case)
    drafts.save_draft(b_draft, {"level": "T8", "pain": "none"})

    axes_row = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "trainee-a", "http_accept": "*/*",
                "path_info": "/login/"}  # fmt: skip
    return World(
        trainee_a=trainee_a,
        trainee_b=trainee_b,
        educator_other=educator_other,
        educator_a=educator_a,
        superuser=superuser,
        cohort_a=cohort_a,
        cohort_b=cohort_b,
        committed_case=committed_case,
        practice_case=practice_case,
        draft_case=draft_case,
        a_submitted=Attempt.objects.get(pk=a_submitted.pk),
        a_draft=Attempt.objects.get(pk=a_draft.pk),
        b_draft=Attempt.objects.get(pk=b_draft.pk),
        access_attempt=AccessAttempt.objects.create(**axes_row, get_data="", post_data="", failures_since_start=1),
        access_log=AccessLog.objects.create(**axes_row),
        access_failure=AccessFailureLog.objects.create(**axes_row),
        retest=_retest_of_a_baseline(cohort_a, committed_case),
    )


def _retest_of_a_baseline(cohort: Cohort, case: Case) -> Assignment:
    case_set = CaseSet.objects.create(title="Baseline")
    SetCase.objects.create(case_set=case_set, case=case)
    opens = datetime(2026, 1, 5, tzinfo=UTC)
    common = {"case_set": case_set, "mode": Assignment.Mode.ASSESSMENT}
    baseline = Assignment.objects.create(
        **common, opens=opens, closes=opens + timedelta(days=7), purpose=Assignment.Purpose.BASELINE
    )
    retest = Assignment.objects.create(
        **common, opens=opens + timedelta(weeks=8), closes=opens + timedelta(weeks=9),
        purpose=Assignment.Purpose.RETEST, baseline=baseline,
    )  # fmt: skip
    for assignment in (baseline, retest):
        assignment.cohorts.add(cohort)
    return retest


def columns(attempt: Attempt) -> dict:
    """Every column of an attempt: a snapshot to compare before and after."""
    return {field.attname: getattr(attempt, field.attname) for field in Attempt._meta.concrete_fields}


def attempts_of(user: User) -> list[dict]:
    return [columns(attempt) for attempt in Attempt.objects.filter(trainee=user).order_by("pk")]


def client_for(user: User | None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def send(client: Client, method: str, path: str, data=None):
    """GET, GET_HX, POST or POST_HX. A streamed body (a CSV, an image) is read to the end, so its queries run and
    the test client closes it (closing it again here would close the database connection too)."""
    headers = HX if method.endswith("_HX") else {}
    if method.startswith("GET"):
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, data or {}, headers=headers)
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    else:
        response.body = response.content
    return response


def outcome(response) -> int | str:
    """The status, with where a redirect goes when it goes to a login page (for htmx, the whole page goes there
    by an `HX-Redirect`), and htmx's other client-side redirects."""
    to_login = {"/login/", "/admin/login/"}
    if response.status_code == 302:
        return LOGIN if urlsplit(response["Location"]).path in to_login else 302
    if response.status_code == 200 and response.has_header("HX-Redirect"):
        return LOGIN if urlsplit(response["HX-Redirect"]).path in to_login else HX_REDIRECT
    return response.status_code


class Visitor:
    """One user's browser, asking page after page; each request runs in a savepoint that is rolled back, and
    the cookies are put back afterwards, so a commit, an admin delete or a logout never changes the next answer.
    `inspect(response)` runs before the rollback, while the database still shows what the request did."""

    def __init__(self, user: User | None, **client_options):
        self.client = client_for(user, **client_options)
        self.cookies = copy.deepcopy(self.client.cookies)

    def ask(self, method: str, path: str, data=None, inspect: Callable | None = None):
        with transaction.atomic():
            response = send(self.client, method, path, data)
            found = inspect(response) if inspect else None
            transaction.set_rollback(True)
        self.client.cookies = copy.deepcopy(self.cookies)
        return response, found
