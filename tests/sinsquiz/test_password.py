"""A signed-in user changes their own password from the link under every page."""

import re

import pytest
from django.test import Client

from tests.factories import TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee_client():
    trainee = TraineeFactory(username="resident9")
    trainee.set_password("old-secret-4821")
    trainee.save()
    client = Client()
    client.force_login(trainee)
    return client, trainee


def change(client, old, new, again=None):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post("/password/", data, follow=True)


def test_every_page_links_to_the_password_change(trainee_client):
    client, _ = trainee_client

    html = client.get("/").content.decode()

    assert 'Signed in as resident9 · <a href="/password/">Change your password</a>' in html


def test_a_trainee_changes_their_password_and_stays_signed_in(trainee_client):
    client, trainee = trainee_client

    response = change(client, "old-secret-4821", "vertebra-kyphosis-77")

    assert "Your password is changed" in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.check_password("vertebra-kyphosis-77")
    assert client.get("/").wsgi_request.user == trainee


@pytest.mark.parametrize(
    ("old", "new", "again", "said"),
    [
        ("wrong-secret", "vertebra-kyphosis-77", None, "Your old password was entered incorrectly."),
        ("old-secret-4821", "vertebra-kyphosis-77", "vertebra-kyphosis-78", "The two password fields didn’t match."),
        ("old-secret-4821", "12345678", None, "This password is too common."),
    ],
)
def test_a_refused_change_says_why_on_the_form_and_keeps_the_old_password(trainee_client, old, new, again, said):
    client, trainee = trainee_client

    response = change(client, old, new, again)

    assert said in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.check_password("old-secret-4821")


def test_each_field_is_described_by_its_rules_and_errors_so_a_screen_reader_reads_them_with_it(trainee_client):
    client, _ = trainee_client

    html = change(client, "wrong-old-password", "short", "other").content.decode()

    described = {ref for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split()}
    assert described >= {"id_old_password_error", "id_new_password1_helptext", "id_new_password2_error"}
    assert all(f'id="{ref}"' in html for ref in described)
