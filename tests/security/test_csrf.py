"""CSRF is enforced on every state-changing POST, htmx ones included.

htmx sends the token in the `X-CSRFToken` header, taken from `hx-headers` on <body>; plain forms send it as
`csrfmiddlewaretoken`. These tests use a client that checks CSRF as a browser's server would.
"""

import json
import re

import pytest
from django.test import Client

from sinsquiz.training.models import Attempt
from tests.factories import ANSWER, TraineeFactory, published_case
from tests.security.world import attempts_of

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def body_token(response) -> str:
    """The token htmx will send: from <body hx-headers='{"x-csrftoken": "…"}'>."""
    match = re.search(r"<body[^>]*\shx-headers='([^']*)'", response.content.decode())
    assert match, "no hx-headers on <body>"
    return json.loads(match.group(1))["x-csrftoken"]


def form_token(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "no csrfmiddlewaretoken in the page"
    return match.group(1)


@pytest.fixture
def trainee():
    return TraineeFactory(password="a-long-test-password")


@pytest.fixture
def browser(trainee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    return client


@pytest.fixture
def draft(browser):
    """The trainee's draft, and the case page it was opened from."""
    page = browser.get(f"/cases/{published_case(series=1, slices=1).slug}/")
    return Attempt.objects.get(pk=page.context["attempt_id"]), page


def test_the_body_carries_the_real_csrf_token_for_htmx(browser, draft):
    attempt, page = draft

    token = body_token(page)

    assert len(token) == 64 and token != "NOTPROVIDED"
    response = browser.post(f"/attempts/{attempt.pk}/save/", {"pain": "none"}, headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert Attempt.objects.get(pk=attempt.pk).pain == "none"


@pytest.mark.parametrize("action", ["save", "commit"])
@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_an_autosave_or_commit_without_a_token_is_refused_and_changes_nothing(browser, trainee, draft, action, headers):
    attempt, _ = draft
    before = attempts_of(trainee)

    response = browser.post(f"/attempts/{attempt.pk}/{action}/", ANSWER, headers=headers)

    assert response.status_code == 403
    assert attempts_of(trainee) == before


@pytest.mark.parametrize("action", ["save", "commit"])
def test_a_forged_token_or_a_foreign_origin_is_refused(browser, trainee, draft, action):
    attempt, page = draft
    before = attempts_of(trainee)
    path = f"/attempts/{attempt.pk}/{action}/"

    forged = browser.post(path, ANSWER, headers={**HX, "X-CSRFToken": "x" * 64})
    foreign = browser.post(path, ANSWER, headers={**HX, "X-CSRFToken": body_token(page), "Origin": "https://evil.test"})

    assert forged.status_code == 403
    assert foreign.status_code == 403
    assert attempts_of(trainee) == before


def test_an_htmx_autosave_and_commit_with_the_token_in_the_header_succeed(browser, draft):
    attempt, page = draft
    headers = {**HX, "X-CSRFToken": body_token(page)}

    saved = browser.post(f"/attempts/{attempt.pk}/save/", {"pain": "none"}, headers=headers)
    committed = browser.post(f"/attempts/{attempt.pk}/commit/", ANSWER, headers=headers)

    assert saved.status_code == 200
    assert committed.status_code == 200 and committed["HX-Redirect"] == f"/attempts/{attempt.pk}/"
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.SUBMITTED


def test_a_plain_autosave_and_commit_with_the_token_in_the_form_succeed(browser, draft):
    attempt, page = draft
    token = form_token(page)

    saved = browser.post(f"/attempts/{attempt.pk}/save/", {"pain": "none", "csrfmiddlewaretoken": token})
    committed = browser.post(f"/attempts/{attempt.pk}/commit/", {**ANSWER, "csrfmiddlewaretoken": token})

    assert saved.status_code == 302
    assert committed.status_code == 302 and committed["Location"] == f"/attempts/{attempt.pk}/"
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.SUBMITTED


def test_the_login_form_needs_its_token(trainee):
    client = Client(enforce_csrf_checks=True)
    credentials = {"username": trainee.username, "password": "a-long-test-password"}
    page = client.get("/login/")

    refused = client.post("/login/", credentials)
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session

    accepted = client.post("/login/", {**credentials, "csrfmiddlewaretoken": form_token(page)})
    assert accepted.status_code == 302 and accepted["Location"] == "/"
    assert client.session["_auth_user_id"] == str(trainee.pk)


def test_after_login_the_pages_carry_a_fresh_token_and_the_one_from_before_no_longer_works(trainee):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    old = form_token(page)
    client.post(
        "/login/", {"username": trainee.username, "password": "a-long-test-password", "csrfmiddlewaretoken": old}
    )
    case = published_case(series=1, slices=1)
    case_page = client.get(f"/cases/{case.slug}/")
    attempt_id = case_page.context["attempt_id"]

    stale = client.post(f"/attempts/{attempt_id}/save/", {"pain": "none"}, headers={**HX, "X-CSRFToken": old})
    fresh = client.post(
        f"/attempts/{attempt_id}/save/", {"pain": "none"}, headers={**HX, "X-CSRFToken": body_token(case_page)}
    )

    assert stale.status_code == 403
    assert fresh.status_code == 200


def test_logout_is_a_post_that_needs_its_token(browser, trainee):
    page = browser.get("/")

    assert browser.get("/logout/").status_code == 405
    assert browser.post("/logout/").status_code == 403
    assert browser.session["_auth_user_id"] == str(trainee.pk)

    response = browser.post("/logout/", {"csrfmiddlewaretoken": form_token(page)})

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in browser.session
    assert browser.get("/").status_code == 302
