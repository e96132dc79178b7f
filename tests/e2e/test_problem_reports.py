"""A problem report in the browser: a trainee reports a problem from the feedback page, their educator sees it on
the home page, answers and closes it, and the trainee follows the link on the case page to read the answer on the
feedback (the case page itself never quotes it: an answer may give the reference away before the next commit)."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from sinsquiz.problems.models import ProblemReport
from sinsquiz.progress.models import Cohort
from tests.factories import EducatorFactory, TraineeFactory, commit, published_case

FAILED_SENDS = re.compile(r"htmx:sendError|htmx:afterRequest|htmx:responseError|403|Failed to load resource")


def test_a_report_goes_from_the_trainee_to_the_educator_and_the_answer_comes_back(page, live_server, login, screenshot):
    trainee = TraineeFactory(username="resident", first_name="Ada", last_name="Byron")
    educator = EducatorFactory(username="educator", first_name="Grace", last_name="Hopper")
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.trainees.add(trainee)
    cohort.educators.add(educator)
    case = published_case(series=1, slices=2, title="Lytic T7", slug="lytic-t7")
    # Committed through the app's own views (the reading form has browser tests of its own).
    client = Client()
    client.force_login(trainee)
    attempt = commit(client, case)

    # The trainee reports a problem from the feedback; htmx swaps in the thanks.
    login(trainee)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    page.get_by_text("Report a problem with this case").click()
    page.get_by_role("button", name="Send the report").click()  # nothing filled in: the focus goes to why
    expect(page.locator("#problem-reports .form-error")).to_be_focused()
    expect(page.locator("#problem-reports .form-error")).to_have_text("Your report is not sent yet: see below.")
    page.get_by_label("Wrong reference").check()
    page.get_by_label("Tell the educators").fill("The collapse looks over 50% to me on <b>slice 2</b>.")
    screenshot("1-trainee-reports")
    page.get_by_role("button", name="Send the report").click()
    reports = page.locator("#problem-reports")
    expect(reports.get_by_role("status")).to_have_text("Thank you: your report is sent to your educators.")
    expect(reports.get_by_role("status")).to_be_focused()
    expect(reports).to_contain_text("The collapse looks over 50% to me on <b>slice 2</b>.")
    expect(reports).to_contain_text("Not answered yet.")
    expect(reports.locator("form")).to_have_count(0)
    assert page.url == f"{live_server.url}/attempts/{attempt.pk}/"  # swapped in place, not a new page
    report = ProblemReport.objects.get()
    assert (report.reporter, report.kind) == (trainee, "wrong_reference")

    # The educator finds it on the home page, answers and closes it.
    page.context.clear_cookies()
    login(educator)
    page.goto(live_server.url)
    open_reports = page.locator("section", has=page.locator("#problem-reports-title"))
    expect(open_reports).to_contain_text("1 open")
    expect(open_reports).to_contain_text("Wrong reference")
    screenshot("2-educator-home")
    open_reports.get_by_role("link", name="Ada Byron on Lytic T7").click()
    expect(page.locator("h1")).to_have_text("Problem report: Lytic T7")
    page.get_by_label("Your answer").fill("You are right: it is over 50%. The reference is corrected.")
    expect(page.get_by_label("Close the report")).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text(
        "Ada Byron sees your answer on the feedback it was sent from and the report is closed."
    )
    expect(page.locator("#problem-reports-title")).to_have_count(0)  # nothing open any more
    report.refresh_from_db()
    assert report.status == "closed" and report.answered_by == educator

    # On the case page the trainee sees the report's status and a link, not the answer; the link leads to the
    # feedback it was sent from, where the answer is.
    page.context.clear_cookies()
    login(trainee)
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    outline = page.locator("#problem-reports")
    expect(outline).to_contain_text("Wrong reference")
    expect(outline).to_contain_text("closed")
    expect(outline).not_to_contain_text("You are right")
    expect(outline).not_to_contain_text("over 50% to me")
    outline.scroll_into_view_if_needed()
    screenshot("3-trainee-sees-the-outline-on-the-case")
    outline.get_by_role("link", name="Read the answer").click()
    page.wait_for_url(f"{live_server.url}/attempts/{attempt.pk}/#problem-reports")
    answer = page.locator("#problem-reports")
    expect(answer).to_contain_text("Answer from Grace Hopper")
    expect(answer).to_contain_text("You are right: it is over 50%. The reference is corrected.")
    expect(answer).to_contain_text("closed")
    answer.scroll_into_view_if_needed()
    screenshot("4-trainee-reads-the-answer")


@pytest.fixture
def report_form(page, live_server, login):
    """A trainee's committed attempt, its feedback open in the browser and the report form unfolded."""
    trainee = TraineeFactory()
    client = Client()
    client.force_login(trainee)
    attempt = commit(client, published_case(series=1, slices=1))
    login(trainee)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    page.get_by_text("Report a problem with this case").click()
    return attempt


def test_a_report_without_text_is_refused_in_place(page, report_form):
    page.get_by_label("Image problem").check()
    page.get_by_role("button", name="Send the report").click()

    expect(page.locator("#problem-reports .field-error")).to_contain_text("This field is required.")
    expect(page.get_by_label("Image problem")).to_be_checked()
    assert ProblemReport.objects.count() == 0


def test_a_report_that_cannot_be_sent_says_so_and_keeps_its_text_until_it_is_sent(page, report_form, problems):
    attempt = report_form
    page.get_by_label("Wrong reference").check()
    page.get_by_label("Tell the educators").fill("The collapse looks over 50% to me.")
    send = page.get_by_role("button", name="Send the report")
    note = page.locator("#problem-reports [data-unsent-note]")

    page.route("**/report/", lambda route: route.abort())
    send.click()
    expect(note).to_have_text(
        "Your report was not sent. There is no connection: send it again once you are back online. Your text is kept."
    )
    expect(note).to_be_focused()
    page.unroute("**/report/")
    page.route("**/report/", lambda route: route.fulfill(status=403, body="Forbidden"))
    send.click()
    expect(note).to_contain_text("This page is out of date: reload it and send it again.")
    page.unroute("**/report/")
    assert not ProblemReport.objects.exists()
    problems[:] = [p for p in problems if not FAILED_SENDS.search(p)]  # what the browser logs of the two failures

    page.reload()  # the tab keeps the text, and opens the form to show it
    expect(page.get_by_label("Tell the educators")).to_have_value("The collapse looks over 50% to me.")
    page.get_by_role("button", name="Send the report").click()  # no kind chosen: sent back with its errors
    expect(page.locator("#problem-reports .form-error")).to_be_focused()
    page.reload()
    expect(page.get_by_label("Tell the educators")).to_have_value("The collapse looks over 50% to me.")
    page.get_by_label("Wrong reference").check()
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator("#problem-reports").get_by_role("status")).to_have_text(
        "Thank you: your report is sent to your educators."
    )
    assert ProblemReport.objects.get().text == "The collapse looks over 50% to me."
    assert page.evaluate(f"sessionStorage.getItem('unsent:/attempts/{attempt.pk}/report/')") is None


def test_logging_out_takes_an_unsent_reports_text_with_it(page, live_server, report_form):
    page.get_by_label("Tell the educators").fill("Not sent yet.")
    key = f"unsent:/attempts/{report_form.pk}/report/"
    assert page.evaluate(f"sessionStorage.getItem('{key}')") == "Not sent yet."

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(f"{live_server.url}/login/")
    assert page.evaluate(f"sessionStorage.getItem('{key}')") is None
