"""The feedback in a browser: what to do next is on the first screen, and nothing runs off a phone's screen."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import TraineeFactory, commit, published_case


def open_feedback(page, live_server, login, **answers) -> None:
    """A trainee commits a case (ANSWER, with `answers`) and opens its feedback in the browser."""
    trainee = TraineeFactory()
    client = Client()
    client.force_login(trainee)
    attempt = commit(client, published_case(series=1, slices=2), **answers)
    login(trainee)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")


@pytest.mark.parametrize("size", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["desk", "phone"])
def test_try_again_and_next_case_are_on_the_first_screen_of_the_feedback(page, live_server, login, screenshot, size):
    page.set_viewport_size(size)
    open_feedback(page, live_server, login, level="T8", collapse="gt50")

    for name in ("Try this case again", "Next case →"):
        expect(page.get_by_role("link", name=name).first).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot("first-screen")
    page.get_by_role("link", name="Next case →").first.click()
    expect(page.locator("#scoring")).to_be_attached()


def test_the_spine_chart_says_whole_that_the_index_level_is_yours_too(page, live_server, login):
    open_feedback(page, live_server, login)

    mark = page.locator("svg.spine .mark")
    expect(mark).to_have_text("◀ index level (yours too)")
    right_edge = mark.evaluate("text => text.getBBox().x + text.getBBox().width")
    assert right_edge <= mark.evaluate("text => text.ownerSVGElement.viewBox.baseVal.width")


def test_an_item_got_right_is_closed_and_shows_that_it_opens_on_its_reasoning(page, live_server, login):
    open_feedback(page, live_server, login, collapse="gt50")

    pain, collapse = (page.locator(f".item-result:has-text('{label}') .result-label") for label in ("Pain", "collapse"))
    marker = "label => getComputedStyle(label, '::before').transform"

    expect(pain.locator("xpath=ancestor::details")).not_to_have_attribute("open", "")
    assert "▸" in pain.evaluate("label => getComputedStyle(label, '::before').content")
    assert pain.evaluate(marker) == "none" and collapse.evaluate(marker) != "none"  # turned down on the open one
    pain.click()
    expect(pain.locator("xpath=ancestor::details")).to_have_attribute("open", "")


def test_a_screen_reader_hears_each_items_verdict_in_words(page, live_server, login):
    open_feedback(page, live_server, login, level="T8", collapse="gt50")

    collapse = page.locator(".item-result", has_text="Vertebral body collapse")
    expect(collapse.get_by_role("img", name="Wrong")).to_have_count(1)
    expect(page.locator(".item-result").get_by_role("img", name="Right")).not_to_have_count(0)
