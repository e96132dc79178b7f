"""Login throttling, passwords, and the headers every response carries."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import F

from sinsquiz.http import client_address
from tests.factories import TraineeFactory, published_case

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def log_in(client, username, password, address="10.0.0.1", path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_username_is_locked_after_five_failures_from_one_address_with_a_429_and_a_message(client):
    TraineeFactory(username="ada")

    statuses = [log_in(client, "ada", "wrong").status_code for _ in range(5)]
    locked = log_in(client, "ada", PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_spares_other_users_and_other_addresses(client):
    TraineeFactory(username="ada")
    TraineeFactory(username="bob")
    for _ in range(5):
        log_in(client, "ada", "wrong")

    assert log_in(client, "bob", PASSWORD).status_code == 302  # same address, another user
    client.logout()
    assert log_in(client, "ada", PASSWORD, address="10.0.0.2").status_code == 302  # same user, elsewhere


def test_directly_reached_the_lock_falls_on_the_connecting_address_whatever_x_forwarded_for_says(client):
    TraineeFactory(username="ada")
    for n in range(5):
        client.post("/login/", {"username": "ada", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")

    assert log_in(client, "ada", PASSWORD, address="127.0.0.1").status_code == 429


def test_behind_a_proxy_the_lock_falls_on_the_address_the_proxy_was_reached_from(client, settings):
    """nginx appends the address it was reached from to what the client sent: the client writes the rest."""
    settings.TRUSTED_PROXY_COUNT = 1
    TraineeFactory(username="ada")

    def through_proxy(password, forwarded):
        return client.post("/login/", {"username": "ada", "password": password}, REMOTE_ADDR="127.0.0.1",
                           HTTP_X_FORWARDED_FOR=forwarded)  # fmt: skip

    for n in range(5):
        through_proxy("wrong", f"10.9.9.{n}, 203.0.113.1")  # a made-up address on the left changes nothing

    assert through_proxy(PASSWORD, "203.0.113.1").status_code == 429
    assert through_proxy(PASSWORD, "203.0.113.1, 198.51.100.7").status_code == 302  # another client is let in


@pytest.mark.parametrize(
    ("entry", "address"),
    [("203.0.113.1", "203.0.113.1"), ("203.0.113.1:51234", "203.0.113.1"), ("[2001:db8::1]:443", "2001:db8::1"),
     ("2001:db8::1", "2001:db8::1"), ("unknown", "127.0.0.1"), ("", "127.0.0.1")],
)  # fmt: skip
def test_behind_a_proxy_the_client_address_is_read_without_a_port_or_else_the_proxys_is_taken(
    rf, settings, entry, address
):
    settings.TRUSTED_PROXY_COUNT = 1

    request = rf.post("/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {entry}")

    assert client_address(request) == address


def test_the_lock_lifts_after_the_cool_off(client, settings):
    TraineeFactory(username="ada")
    for _ in range(5):
        log_in(client, "ada", "wrong")
    assert log_in(client, "ada", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))

    assert log_in(client, "ada", PASSWORD).status_code == 302


def test_the_lock_page_says_how_long_in_words_and_who_can_lift_it(client):
    TraineeFactory(username="ada")
    for _ in range(5):
        page = log_in(client, "ada", "wrong").content.decode()

    assert "paused for 15 min after the last failed attempt" in page and "PT15M" not in page
    assert "Ask your programme's administrator" in page


def test_tries_during_the_lock_do_not_make_it_last_longer(client):
    TraineeFactory(username="ada")
    for _ in range(5):
        log_in(client, "ada", "wrong")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))

    assert log_in(client, "ada", "wrong").status_code == 429
    assert log_in(client, "ada", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=6))

    assert log_in(client, "ada", PASSWORD).status_code == 302  # 15 minutes after the fifth failure, not the seventh


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_a_username_longer_than_any_account_fails_like_a_wrong_password(client, path):
    """PostgreSQL refuses a name longer than the 255 characters of the column axes records it in: it was a 500."""
    response = log_in(client, "x" * 300, "wrong", path=path)

    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert AccessAttempt.objects.get().username == "x" * 255


def test_the_admin_login_is_throttled_too(client):
    TraineeFactory(username="ada")
    for _ in range(5):
        log_in(client, "ada", "wrong", path="/admin/login/")

    assert log_in(client, "ada", PASSWORD, path="/admin/login/").status_code == 429


@pytest.mark.parametrize(
    ("password", "accepted"),
    [("short-pw", False), ("password1234", False), ("12345678901234", False), ("correct horse battery", True),
     ("ünïcødé pässphrase", True), ("x" * 10 + "Yz!7", True)],
)  # fmt: skip
def test_passwords_need_twelve_characters_and_must_not_be_common(password, accepted):
    user = TraineeFactory.build(username="someone")
    if accepted:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


@pytest.mark.parametrize("htmx", [False, True])
def test_every_kind_of_page_carries_the_security_headers(client, htmx):
    case = published_case()
    client.force_login(TraineeFactory())
    headers = {"HX-Request": "true"} if htmx else {}

    for url in ["/", "/cases/", f"/cases/{case.slug}/", "/calculator/", "/progress/", "/login/"]:
        response = client.get(url, headers=headers, follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy, url
        assert "frame-ancestors 'none'" in policy and "base-uri 'none'" in policy, url
        assert "unsafe-eval" not in policy, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url


def test_pages_ask_htmx_for_no_inline_styles_and_no_eval(client):
    html = client.get("/calculator/").content.decode()

    assert '"includeIndicatorStyles": false' in html and '"allowEval": false' in html
    assert " style=" not in html and "<style" not in html
