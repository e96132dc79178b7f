"""A trainee reports a problem from the feedback page; their educator answers it; the trainee reads the answer."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from sinsquiz.problems import reports
from sinsquiz.problems.models import ProblemReport
from sinsquiz.training import drafts
from sinsquiz.training.models import Attempt
from tests.factories import published_case
from tests.problems.conftest import HX, committed, report_on

pytestmark = pytest.mark.django_db

REPORT = {"problem-kind": "wrong_reference", "problem-text": "The reference says T7; the lesion is at T8."}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_feedback_page_of_a_committed_reading_offers_the_report_form(client, attempt):
    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "Report a problem with this case" in html
    assert f'hx-post="/attempts/{attempt.pk}/report/"' in html and f'action="/attempts/{attempt.pk}/report/"' in html


def test_a_report_sent_with_htmx_swaps_in_the_thanks_and_the_report(client, attempt, ada):
    response = client.post(f"/attempts/{attempt.pk}/report/", REPORT, headers=HX)

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<link")  # the fragment, not a page
    assert "Thank you: your report is sent to your educators." in html
    assert "The reference says T7; the lesion is at T8." in html and "Not answered yet." in html
    # One open report per case: no form to send another, and why.
    assert "<form" not in html and "once an educator has closed your open report" in html
    report = ProblemReport.objects.get()
    assert (report.reporter, report.attempt, report.kind) == (ada, attempt, "wrong_reference")


def test_a_report_sent_as_a_plain_form_goes_back_to_the_feedback_with_a_message(client, attempt):
    response = client.post(f"/attempts/{attempt.pk}/report/", REPORT, follow=True)

    assert response.redirect_chain == [(f"/attempts/{attempt.pk}/#problem-reports", 302)]
    html = response.content.decode()
    assert "Thank you: your report is sent to your educators." in html
    assert "Your report of" in html and "The reference says T7; the lesion is at T8." in html
    assert ProblemReport.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"problem-kind": "wrong_reference", "problem-text": ""}, "This field is required."),
        ({"problem-kind": "", "problem-text": "Something."}, "This field is required."),
        ({"problem-kind": "gossip", "problem-text": "Something."}, "Select a valid choice."),
        ({"problem-kind": "other", "problem-text": "x" * 1001}, "at most 1000 characters (it has 1001)"),
    ],
)
def test_a_bad_report_is_refused_with_the_message_in_place_and_nothing_kept(client, attempt, data, message):
    fragment = client.post(f"/attempts/{attempt.pk}/report/", data, headers=HX).content.decode()
    page = client.post(f"/attempts/{attempt.pk}/report/", data)

    assert message in fragment and '<details class="report-problem" open>' in fragment
    assert page.status_code == 200 and message in page.content.decode()
    assert "<h1>Report a problem with Lytic T7</h1>" in page.content.decode()
    assert ProblemReport.objects.count() == 0


def test_a_report_beyond_the_limit_is_refused_with_the_rule_in_the_message(client, attempt, ada):
    for _ in range(5):
        report_on(committed(ada))

    html = client.post(f"/attempts/{attempt.pk}/report/", REPORT, headers=HX).content.decode()

    assert "You have sent 5 reports in the last 24 hours, the most allowed." in html
    assert ProblemReport.objects.filter(attempt=attempt).count() == 0


def test_a_second_open_report_on_the_case_from_a_stale_page_is_refused(client, attempt):
    report_on(attempt)

    html = client.post(f"/attempts/{attempt.pk}/report/", REPORT, headers=HX).content.decode()

    assert "You already have an open report on this case." in html and 'role="alert"' in html
    assert ProblemReport.objects.count() == 1


def test_nobody_reports_from_a_draft_or_from_someone_elses_reading(client, ada, attempt, outsiders, grace):
    draft = drafts.open_draft(ada, published_case(series=1, slices=1))
    bobs = committed(outsiders[0])

    assert client.post(f"/attempts/{draft.pk}/report/", REPORT).status_code == 404
    assert client.post(f"/attempts/{bobs.pk}/report/", REPORT, headers=HX).status_code == 404
    client.force_login(grace)  # Ada's educator may read her feedback, but not report in her name
    assert client.post(f"/attempts/{attempt.pk}/report/", REPORT).status_code == 404
    assert "Report a problem" not in client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert ProblemReport.objects.count() == 0


def test_no_report_while_an_assessment_withholds_the_feedback(client, attempt):
    Attempt.objects.filter(pk=attempt.pk).update(feedback_from=timezone.now() + timedelta(hours=2))

    assert client.post(f"/attempts/{attempt.pk}/report/", REPORT).status_code == 404
    assert "Report a problem" not in client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert ProblemReport.objects.count() == 0


def test_a_page_shown_instead_of_the_feedback_carries_no_report_nor_answer_even_unshown(client, attempt, grace):
    """An answer may state the reference: it is not in the page's data, not only left out of its HTML."""
    report_on(attempt, answer="Right: it is T8.", answered_by=grace)
    Attempt.objects.filter(pk=attempt.pk).update(feedback_from=timezone.now() + timedelta(hours=2))

    page = client.get(f"/attempts/{attempt.pk}/")

    assert "Right: it is T8." not in page.content.decode()
    names = page.context.keys()  # every template's context (a ContextList iterates over contexts, not names)
    assert not any(name.startswith(("problem_", "report_")) for name in names)


def test_the_educator_answers_and_closes_and_the_trainee_reads_the_answer_on_the_feedback(client, attempt, ada, grace):
    report = report_on(attempt)
    client.force_login(grace)
    page = client.get(f"/problems/{report.pk}/").content.decode()
    assert "Ada Byron" in page and "The reference level looks wrong" in page and 'name="answer"' in page

    response = client.post(f"/problems/{report.pk}/", {"answer": "Right: it is T8. The case is corrected.",
                                                       "close": "on"}, follow=True)  # fmt: skip

    assert response.redirect_chain == [("/", 302)]
    assert (
        "Saved: Ada Byron sees your answer on the feedback it was sent from and the report is closed."
        in response.content.decode()
    )
    report.refresh_from_db()
    assert report.status == "closed" and report.answered_by == grace and report.answered is not None
    client.force_login(ada)
    for path in (attempt.get_absolute_url(), f"/problems/{report.pk}/"):
        shown = text_of(client.get(path).content.decode())
        assert f"Answer from Grace Hopper, {timezone.localdate():%-d %b %Y}" in shown, path
        assert "Right: it is T8. The case is corrected." in shown, path
    home = client.get("/").content.decode()
    assert "Right: it is T8. The case is corrected." in home
    assert f'href="/attempts/{attempt.pk}/#problem-reports"' in home


def test_the_case_page_outlines_the_trainees_reports_without_their_text(client, attempt):
    report_on(attempt)

    html = text_of(client.get(attempt.case.get_absolute_url()).content.decode())

    assert f"Your report of {timezone.localdate():%-d %b %Y} Wrong reference open" in html
    assert "The reference level looks wrong" not in html and "Read the answer" not in html


def test_the_case_page_links_to_an_answer_and_never_shows_it_before_the_new_commit(client, attempt, grace):
    report = report_on(attempt)
    reports.answer(report, text="You're right, it's T8: the reference is corrected.", close=False, by=grace)
    later = report_on(committed(attempt.trainee, attempt.case), status=ProblemReport.Status.CLOSED)
    reports.answer(later, text="Closed: T8, as said.", close=False, by=grace)

    response = client.get(attempt.case.get_absolute_url())  # a new draft at the case, nothing committed yet

    html = response.content.decode()
    assert "You're right, it's T8" not in html and "Closed: T8" not in html and "lesion is at T8" not in html
    shown = text_of(html)
    assert "Wrong reference answered" in shown and "Wrong reference closed" in shown
    assert html.count("Read the answer") == 2
    assert f'href="/attempts/{attempt.pk}/#problem-reports"' in html
    assert f'href="/attempts/{later.attempt_id}/#problem-reports"' in html
    feedback = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert "You&#x27;re right, it&#x27;s T8: the reference is corrected." in feedback


def test_a_closed_report_lets_the_trainee_report_again(client, attempt):
    report_on(attempt, status=ProblemReport.Status.CLOSED)

    html = client.get(f"/attempts/{attempt.pk}/").content.decode()

    assert "Report a problem with this case" in html and "closed" in html


def test_an_answer_needs_words_or_a_close(client, attempt, grace):
    report = report_on(attempt)
    client.force_login(grace)

    html = client.post(f"/problems/{report.pk}/", {"answer": "  "}).content.decode()

    assert "Write an answer, or close the report, or both." in html
    report.refresh_from_db()
    assert report.is_open and report.answered is None


def test_the_reporter_reads_their_report_but_cannot_answer_it(client, attempt):
    report = report_on(attempt)

    page = client.get(f"/problems/{report.pk}/").content.decode()

    assert "The reference level looks wrong" in page and 'name="answer"' not in page
    assert client.post(f"/problems/{report.pk}/", {"answer": "Me again", "close": "on"}).status_code == 404
    report.refresh_from_db()
    assert report.is_open and report.answer == ""


def test_a_report_on_a_case_withdrawn_since_shows_the_reporter_neither_its_draft_title_nor_the_answer(
    client, attempt, grace
):
    report = report_on(attempt, answer="Right: it is T8.", answered_by=grace, answered=timezone.now())
    Case.objects.filter(pk=attempt.case_id).update(status=Case.Status.DRAFT, title="Draft: the T8 case, rework")

    page = client.get(f"/problems/{report.pk}/").content.decode()
    home = client.get("/").content.decode()

    for shown in (page, home):
        assert "Right: it is T8." not in shown and "Draft: the T8 case" not in shown
    assert "This case has been withdrawn" in page
