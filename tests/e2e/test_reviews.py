"""Due for review on a trainee's home page, on a phone and a reading-room screen: listed, whole, and one tap away."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from fsrs import Card
from playwright.sync_api import expect

from sinsquiz.training.models import ReviewCard
from tests.factories import TraineeFactory, commit, published_case

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_trainee_sees_what_is_due_and_opens_the_longest_overdue(page, live_server, login, screenshot, size):
    trainee = TraineeFactory()
    now = timezone.now()
    titles = ["Back pain after a fall, myeloma", "Neck pain in lung cancer", *(f"Staging scan {n}" for n in range(10))]
    for n, title in enumerate(titles):
        due = now - timedelta(days=12 - n)
        card = Card(card_id=n, due=due).to_dict()
        ReviewCard.objects.create(trainee=trainee, case=published_case(title=title, series=1, slices=1), card=card,
                                  due=due, rating=1, reviewed=due)  # fmt: skip
    client = Client()
    client.force_login(trainee)
    commit(client, published_case(title="Read right this morning", series=1, slices=1))  # due in days: not listed
    page.set_viewport_size(size)
    login(trainee)
    page.goto(f"{live_server.url}/")

    section = page.locator("section.due-reviews")
    expect(section.locator("h2")).to_have_text("Due for review")
    expect(section).to_contain_text("12 cases to read again today")
    expect(section.locator("li:visible")).to_have_count(10)
    expect(section.locator("li").first).to_contain_text("Back pain after a fall, myeloma due 1\xa0week ago")
    section.get_by_text("And 2 more").click()  # the rest open in place
    expect(section.locator("li:visible")).to_have_count(12)
    expect(section.locator("li").last).to_contain_text("Staging scan 9")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    expect(section).not_to_contain_text("Read right this morning")
    screenshot("home", full_page=True)

    section.get_by_role("link", name="Back pain after a fall, myeloma").click()
    expect(page.locator("h1")).to_contain_text("Back pain after a fall, myeloma")
