"""The top bar on a phone: every link the user may follow is on screen, whole, with no sideways scrolling."""

import re

import pytest
from playwright.sync_api import expect

from sinsquiz.training import drafts
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, published_case

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

OFF_SCREEN = """nav => [...nav.querySelectorAll('a')]
    .filter(a => { const box = a.getBoundingClientRect();
                   return box.left < 0 || box.right > window.innerWidth || a.scrollWidth > a.clientWidth; })
    .map(a => a.textContent)"""


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_educator_sees_every_link_of_the_top_bar(page, live_server, login, screenshot, size):
    page.set_viewport_size(size)
    login(EducatorFactory())
    page.goto(f"{live_server.url}/cases/")

    nav = page.locator("nav.nav")
    expect(nav.locator("a")).to_have_text(["Home", "Progress", "Cases", "Calculator", "Cohorts", "Authoring"])
    assert nav.evaluate(OFF_SCREEN) == []
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot("top")

    nav.get_by_text("Authoring").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")


def test_a_trainees_top_bar_fits_a_phone_and_a_missing_page_offers_a_way_back(
    page, live_server, login, screenshot, problems
):
    page.set_viewport_size(PHONE)
    login(TraineeFactory())

    response = page.goto(f"{live_server.url}/no-such-page/")

    assert response.status == 404
    # Chromium reports the page's own 404 on the console; that one is expected, nothing else is.
    problems.remove("console: Failed to load resource: the server responded with a status of 404 (Not Found)")
    assert page.locator("nav.nav").evaluate(OFF_SCREEN) == []
    expect(page.locator("h1")).to_have_text("There is nothing at this address")
    screenshot("404")
    page.get_by_role("link", name="Browse the cases").click()
    expect(page.locator("h1")).to_have_text("Teaching cases")


TOUCH_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


@pytest.mark.browser_context_args(**TOUCH_PHONE)
@pytest.mark.parametrize("user_factory", [TraineeFactory, EducatorFactory], ids=["trainee", "educator"])
def test_on_a_touch_screen_the_top_bar_the_panel_toggles_and_earlier_readings_are_big_enough_for_a_finger(
    page, live_server, login, user_factory, screenshot
):
    user = user_factory()
    login(user)
    case = published_case(series=1, slices=2)
    drafts.submit(drafts.open_draft(user, case), ANSWER)  # an earlier reading: a date to tap

    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    controls = page.locator(".nav a, .who .link-button, .who-name, .toggle").all()
    assert [c.bounding_box()["height"] >= 44 for c in controls] == [True] * len(controls)
    expect(page.get_by_role("link", name=re.compile(r"^Your reading of \d+ \w+ 20\d\d, \d\d:\d\d$"))).to_have_count(1)
    # An earlier reading's date keeps its small pill, and answers a finger 44 px tall around it.
    assert page.locator("a.tag").evaluate(
        """tag => { const box = tag.getBoundingClientRect(), x = box.x + box.width / 2, y = box.y + box.height / 2;
                    const hit = (at) => document.elementFromPoint(x, at)?.closest('a.tag') === tag;
                    return hit(y - 22) && hit(y + 21); }"""
    )
    expect(page.locator(".who-name")).to_have_text(user.get_full_name())  # who is signed in, on the phone too
    assert page.locator("nav.nav").evaluate(OFF_SCREEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("[data-keys-toggle]")).to_be_hidden()  # no keyboard to help with
    screenshot("case-header")
