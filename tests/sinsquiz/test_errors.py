"""Error pages (the tests run with DEBUG off, as production does): branded, in plain words, with a way back."""

import re

import pytest
from django.template import loader
from django.test import Client

from sinsquiz.training import views as training_views
from tests.factories import EducatorFactory, TraineeFactory

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_sites_404_with_a_way_back(client, trainee):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<a class="brand" href="/">' in html and '<nav class="nav" aria-label="Main">' in html
    assert "There is nothing at this address" in html
    assert '<a class="button primary" href="/">Go to your home page</a>' in html
    assert '<a class="button" href="/cases/">Browse the cases</a>' in html


def test_a_visitor_who_is_lost_is_offered_the_login_and_the_calculator(client):
    html = Client().get("/no-such-page/").content.decode()

    assert "There is nothing at this address" in html
    assert '<a class="button primary" href="/login/">Log in</a>' in html
    assert 'href="/calculator/">Open the SINS calculator</a>' in html


def test_a_page_the_user_may_not_open_is_the_sites_403(client):
    client.force_login(EducatorFactory())

    response = client.get(f"/admin/auth/user/{TraineeFactory().pk}/password/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not open this page" in html and "Go to your home page" in html


@pytest.mark.parametrize("path", ["/logout/", "/sets/1/start/", "/attempts/1/commit/"])
def test_a_buttons_address_opened_as_a_page_says_so_and_changes_nothing(client, trainee, path):
    response = client.get(path)

    assert response.status_code == 405
    assert "POST" in response["Allow"]
    html = response.content.decode()
    assert "This address belongs to a button" in html and "Nothing was changed." in html
    assert '<a class="button primary" href="/">Go to your home page</a>' in html
    assert client.get("/").wsgi_request.user == trainee  # still logged in


@pytest.mark.parametrize(
    "path",
    ["/media/cases/%00.png", "/cases/?q=%00", "/admin/cases/case/?region=%00", "/admin/cases/case/?a=1&a=%00"],
)
def test_a_nul_in_the_address_is_a_bad_request_not_a_server_error(client, path):
    client.force_login(EducatorFactory(is_superuser=True))

    response = client.get(path)

    assert response.status_code == 400
    assert "This request could not be understood" in response.content.decode()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


BROKEN_CURRENT_URL = {"HX-Request": "true", "HX-Current-URL": "http://[::1/cases/"}  # not a URL at all


def test_a_malformed_htmx_current_url_is_ignored_after_a_lapsed_login(client):
    response = client.get("/cases/?q=x", headers=BROKEN_CURRENT_URL)

    assert response.status_code == 200 and response["HX-Redirect"] == "/login/?next=/"


def test_a_malformed_htmx_current_url_is_ignored_by_the_case_lists_search(client, trainee):
    client.force_login(trainee)

    response = client.get("/cases/?q=x", headers=BROKEN_CURRENT_URL)

    assert response.status_code == 200 and "HX-Replace-Url" not in response


def test_a_nul_in_a_cookie_is_a_bad_request_before_the_session_is_read(client):
    client.cookies["sessionid"] = "\x00abcdefghijklmnop"

    response = client.get("/cases/")

    assert response.status_code == 400
    assert "This request could not be understood" in response.text and "Log in" in response.text  # for no one


def test_a_form_refused_by_the_csrf_check_says_what_to_do(trainee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)

    response = client.post("/logout/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "This form could not be accepted" in html and "reload the page and try again" in html


def test_a_log_out_refused_by_the_csrf_check_offers_one_that_works(trainee):
    """Log out from a tab opened before the last login is refused: the page must not leave the user logged in."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)

    refused = client.post("/logout/", {"csrfmiddlewaretoken": "from-an-old-tab"})
    html = refused.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    again = client.post("/logout/", {"csrfmiddlewaretoken": token})

    assert refused.status_code == 403 and f"You are still logged in, as {trainee.get_full_name()}." in html
    assert again.status_code == 302 and "_auth_user_id" not in client.session


def test_a_server_error_is_the_sites_500_with_a_way_back(trainee, monkeypatch):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(training_views, "home", broken)
    client = Client(raise_request_exception=False)
    client.force_login(trainee)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and '<a class="button primary" href="/">' in html
    assert '<link rel="stylesheet" href="/static/sinsquiz/app.css">' in html


def test_the_500_page_renders_with_no_request_no_context_and_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    assert "Something went wrong on our side" in html
