"""Answering a case in a real browser: an unfinished commit, autosave without a connection, Back after a commit,
and the keys after the level."""

import re

import pytest
from playwright.sync_api import expect

from sinsquiz.training.models import Attempt
from tests.factories import TraineeFactory, published_case

VIEWPORTS = pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
EVERY_ITEM = [("location", 2), ("pain", 0), ("bone_lesion", 0), ("alignment", 2), ("collapse", 1),
              ("posterolateral", 1), ("absent_pedicle", 0), ("tomita", 1)]  # fmt: skip
# What the browser says while it is offline; the test expects them, and nothing else.
OFFLINE_NOISE = re.compile(r"ERR_INTERNET_DISCONNECTED|htmx:sendError|htmx:afterRequest")
FAILED_COMMIT = re.compile(r"status of (403|503)|Status Error Code|htmx:afterRequest|htmx:responseError")
SERVER_BUSY = re.compile(r"status of 503|Status Error Code 503|htmx:afterRequest")


@pytest.fixture
def case(login):
    case = published_case(series=1, slices=3)
    login(TraineeFactory())
    return case


def status(page):
    return page.locator("#panel-status")


# Whether the top edge of the focused item (its heading) is its own on screen, under no bar.
HEADING_UNCOVERED = """() => { const item = document.activeElement.closest('[data-item]');
    const box = item.getBoundingClientRect();
    return item.contains(document.elementFromPoint(box.x + box.width / 2, box.y + 12)); }"""


def uncovered(page, selector: str) -> bool:
    """Whether the element's centre is its own on screen: not under the sticky status or the phone's bottom bar."""
    return page.eval_on_selector(
        selector,
        """el => { const box = el.getBoundingClientRect();
                   const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
                   return el.closest('label').contains(top); }""",
    )


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1366, "height": 900}, {"width": 960, "height": 540}, {"width": 820, "height": 1180},
     {"width": 844, "height": 390}, {"width": 390, "height": 844}],
    ids=["desktop", "desktop-at-200-percent", "tablet", "phone-on-its-side", "phone"],
)  # fmt: skip
def test_the_total_and_the_save_state_stay_in_view_down_to_the_last_item(page, live_server, case, viewport, screenshot):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/cases/{case.slug}/")

    page.click("label[for=id_tomita_1]")  # the last item, at the foot of the panel

    expect(status(page)).to_contain_text("1 of 9 answered")
    expect(status(page)).to_be_in_viewport()
    assert uncovered(page, "#id_tomita_1")
    screenshot("last-item")
    for _ in range(3):  # back up the panel by key: each item comes to rest with its heading clear of the bars
        page.keyboard.press("[")
        page.wait_for_timeout(400)  # the smooth scroll
        assert page.evaluate(HEADING_UNCOVERED), page.evaluate(
            "document.activeElement.closest('[data-item]').dataset.item"
        )


@VIEWPORTS
def test_committing_an_unfinished_reading_brings_the_trainee_to_the_first_missing_item(
    page, live_server, case, viewport, screenshot
):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.get_by_role("combobox", name="Index level").select_option("T7")
    for name, index in EVERY_ITEM[:3]:
        page.click(f"label[for=id_{name}_{index}]")
    page.click("label[for=id_tomita_1]")
    expect(status(page)).to_contain_text("5 of 9 answered")

    page.click("[data-commit]")

    # Focus and the screen are on the first missing item, every missing one is marked, and it is said aloud.
    expect(page.locator("#id_alignment_0")).to_be_focused()
    expect(page.locator("#id_alignment_0")).to_be_in_viewport(ratio=1)
    assert uncovered(page, "#id_alignment_0")
    expect(page.locator(".item.missing")).to_have_count(4)
    expect(page.locator(".item.missing")).to_contain_text(["Still to answer."] * 4)
    expect(page.locator("[data-item=pain]")).not_to_have_class(re.compile("missing"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Still to answer before you commit: radiographic spinal alignment, vertebral body collapse, "
        "posterolateral involvement, absent pedicle sign."
    )
    screenshot("missing")
    assert Attempt.objects.submitted().count() == 0

    page.click("label[for=id_alignment_0]")  # answered now: its mark goes, the others' stay
    expect(page.locator("[data-item=alignment]")).not_to_have_class(re.compile("missing"))
    expect(page.locator("[data-item=alignment]")).not_to_contain_text("Still to answer.")
    expect(page.locator(".item.missing")).to_have_count(3)


def test_answers_changed_offline_are_saved_when_the_connection_is_back(page, live_server, case, problems, screenshot):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.click("label[for=id_pain_0]")
    expect(status(page)).to_contain_text("1 of 9 answered · saved")
    draft = Attempt.objects.get()

    page.context.set_offline(True)
    page.select_option("#id_level", "T7")
    page.click("label[for=id_collapse_1]")

    expect(page.locator("[data-save-state]")).to_have_text("not saved — retrying")
    expect(page.locator("#panel-said")).to_have_text("Answers not saved — retrying.")
    screenshot("offline")
    assert Attempt.objects.get(pk=draft.pk).level == ""
    # Leaving now asks first; staying keeps the answers on the page.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.click(".crumbs a")
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(f"{live_server.url}/cases/{case.slug}/")

    page.context.set_offline(False)

    expect(page.locator("[data-save-state]")).to_have_text("saved", timeout=15_000)
    expect(status(page)).to_contain_text("3 of 9 answered")
    stored = Attempt.objects.get(pk=draft.pk)
    collapse = page.get_attribute("#id_collapse_1", "value")
    assert (stored.level, stored.collapse, stored.pain) == ("T7", collapse, page.get_attribute("#id_pain_0", "value"))
    # Saved, so the trainee may leave without a question.
    page.click(".crumbs a")
    expect(page).to_have_url(f"{live_server.url}/cases/")
    assert dialogs == ["beforeunload"]
    problems[:] = [problem for problem in problems if not OFFLINE_NOISE.search(problem)]


def test_a_save_the_server_fails_is_retried_until_it_goes_through(page, live_server, case, problems):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    failures = []

    def busy_twice(route):
        if len(failures) < 2:
            failures.append(route.request.url)
            return route.fulfill(status=503, body="Busy")
        return route.continue_()

    page.route("**/save/", busy_twice)
    page.click("label[for=id_pain_0]")

    expect(page.locator("[data-save-state]")).to_have_text("not saved — retrying")
    expect(page.locator("[data-save-state]")).to_have_text("saved", timeout=15_000)  # after 1 s, then 2 s
    assert len(failures) == 2
    assert Attempt.objects.get().pain == page.get_attribute("#id_pain_0", "value")
    problems[:] = [problem for problem in problems if not SERVER_BUSY.search(problem)]


@pytest.mark.parametrize(
    ("status", "said"), [(403, "not committed — reload the page"), (503, "not committed — try again")]
)
def test_a_refused_commit_asks_for_a_reload_and_a_failed_one_for_another_try(
    page, live_server, case, problems, status, said
):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.route("**/commit/", lambda route: route.fulfill(status=status, body="No"))

    page.click("[data-commit]")

    expect(page.locator("[data-save-state]")).to_have_text(said)
    assert not Attempt.objects.submitted().exists()
    problems[:] = [problem for problem in problems if not FAILED_COMMIT.search(problem)]


def test_back_after_a_commit_does_not_bring_back_the_committed_reading_as_a_form(page, live_server, case):
    page.unroute("**/*")  # intercepted requests skip the browser's cache, which is what this is about
    page.goto(f"{live_server.url}/")  # as a trainee comes: with the CSRF cookie already set (pages vary on cookies)
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.select_option("#id_level", "T7")
    for name, index in EVERY_ITEM:
        page.click(f"label[for=id_{name}_{index}]")
    expect(status(page)).to_contain_text("9 of 9 answered")
    page.click("[data-commit]")
    page.wait_for_url(f"{live_server.url}/attempts/*/")

    page.go_back()

    expect(page).to_have_url(f"{live_server.url}/cases/{case.slug}/")
    expect(page.locator("#reading-form input:checked")).to_have_count(0)
    expect(page.locator("#id_level")).to_have_value("")
    expect(status(page)).to_contain_text("0 of 9 answered")
    # A fresh draft for another try; the committed attempt is untouched and linked.
    expect(page.locator(".case-head a.tag")).to_have_count(1)
    assert Attempt.objects.submitted().count() == 1 and Attempt.objects.drafts().count() == 1


@VIEWPORTS
def test_after_the_level_is_chosen_the_keys_go_on_to_the_location_which_is_explained_not_filled_in(
    page, live_server, case, viewport, screenshot
):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    expect(page.locator("#location-mapping")).to_have_text("Follows from the index level.")
    page.keyboard.press("l")
    expect(page.locator("#id_level")).to_be_focused()

    page.select_option("#id_level", "T7")  # picked from the drop-down

    expect(page.locator("#location-mapping")).to_have_text("T7 lies in T3–T10: semirigid, 1 point.")
    expect(page.locator("[data-item=location] input:checked")).to_have_count(0)  # the trainee still chooses
    page.keyboard.press("3")
    expect(page.locator("#id_location_2")).to_be_checked()
    expect(page.locator("#id_pain_0")).to_be_focused()
    expect(status(page)).to_contain_text("2 of 9 answered · saved")
    page.locator("[data-item=location]").scroll_into_view_if_needed()
    screenshot("location")


def test_on_the_level_the_bracket_keys_and_v_work_as_from_any_item(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.keyboard.press("l")

    page.keyboard.press("]")

    expect(page.locator("[data-item=location] input").first).to_be_focused()
    expect(page.locator("#id_level")).to_have_value("")  # the level is left as it was
    page.keyboard.press("l")
    page.keyboard.press("v")  # and v goes to the images
    expect(page.locator("[data-viewer] [data-frame]:focus")).to_be_visible()
    expect(page.locator("#id_level")).to_have_value("")


def test_arrow_keys_browse_the_levels_and_enter_goes_on_to_the_location(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.keyboard.press("l")
    page.select_option("#id_level", "T6")
    page.keyboard.press("l")

    page.keyboard.press("ArrowDown")  # T7: the drop-down keeps its own keys
    expect(page.locator("#id_level")).to_be_focused()
    expect(page.locator("#id_level")).to_have_value("T7")
    page.keyboard.press("Enter")
    page.keyboard.press("3")

    expect(page.locator("#id_location_2")).to_be_checked()
    expect(page.locator("#location-mapping")).to_have_text("T7 lies in T3–T10: semirigid, 1 point.")
    expect(status(page)).to_contain_text("2 of 9 answered · saved")
