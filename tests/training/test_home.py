"""A trainee's home page: a word on how the quiz works the first time, and drafts to continue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sinsquiz.training.models import Attempt
from tests.factories import commit, published_case

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_a_first_visit_says_how_the_quiz_works(client, trainee):
    published_case()

    html = client.get("/").content.decode()

    assert "How the quiz works" in html
    assert "Then, and only then, you see the expert reference item by item" in html


def test_the_word_on_how_it_works_goes_once_the_trainee_has_answered_something(client, trainee):
    case = published_case()
    draft = client.get(case.get_absolute_url()).context["attempt_id"]
    assert "How the quiz works" in client.get("/").content.decode()  # opening a case is not answering it

    client.post(f"/attempts/{draft}/save/", {"pain": "mechanical"}, headers=HX)
    assert "How the quiz works" not in client.get("/").content.decode()

    commit(client, case)
    assert "How the quiz works" not in client.get("/").content.decode()


def test_a_draft_saved_within_the_minute_was_saved_just_now(client, trainee):
    fresh, older = published_case(title="Fresh"), published_case(title="Older")
    for case in (fresh, older):
        draft = client.get(case.get_absolute_url()).context["attempt_id"]
        client.post(f"/attempts/{draft}/save/", {"pain": "mechanical"}, headers=HX)
    Attempt.objects.filter(case=older).update(saved=timezone.now() - timedelta(hours=2, minutes=5))

    html = client.get("/").content.decode()

    assert 'Fresh</a> <span class="muted small">saved just now</span>' in html
    assert 'Older</a> <span class="muted small">saved 2\xa0hours ago</span>' in html
    assert "0 minutes" not in html
