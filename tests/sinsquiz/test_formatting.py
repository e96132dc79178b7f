from django.contrib.auth.models import User

from sinsquiz.templatetags.formatting import person


def test_a_person_is_named_by_their_full_name():
    assert person(User(username="jdoe", first_name="Jane", last_name="Doe")) == "Jane Doe"


def test_a_person_without_a_full_name_is_named_by_their_username():
    assert person(User(username="jdoe")) == "jdoe"


def test_nobody_is_named_by_nothing_so_a_page_can_say_who_instead():
    assert person(None) == ""
