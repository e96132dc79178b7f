"""A trainee scores a case in a real browser: autosave, reload, commit, feedback."""

import pytest
from playwright.sync_api import expect

from sinsquiz.training.models import Attempt
from tests.factories import TraineeFactory, published_case

CHOICES = [("location", 2), ("pain", 0), ("bone_lesion", 0), ("alignment", 2), ("collapse", 0),
           ("posterolateral", 1), ("absent_pedicle", 0), ("tomita", 1)]  # fmt: skip


@pytest.fixture
def case(login):
    case = published_case(series=2, slices=4)
    login(TraineeFactory())
    return case


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_a_trainee_scores_reloads_commits_and_reads_the_feedback(page, live_server, case, viewport, screenshot):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.select_option("#id_level", "T7")
    for name, index in CHOICES[:4]:
        page.click(f"label[for=id_{name}_{index}]")
    expect(page.locator("#panel-status")).to_contain_text("5 of 9 answered")
    expect(page.locator("#panel-said")).to_have_text("Saved: 5 of 9 answered.")  # what a screen reader hears

    page.reload()
    expect(page.locator("#id_pain_0")).to_be_checked()
    expect(page.locator("#id_level")).to_have_value("T7")
    for name, index in CHOICES[4:]:
        page.click(f"label[for=id_{name}_{index}]")
    expect(page.locator("#panel-status .total-num")).to_have_text("10")  # collapse > 50 %: one more than the reference
    screenshot("panel")

    page.click("[data-commit]")

    page.wait_for_url(f"{live_server.url}/attempts/*/")
    expect(page.locator(".summary-line")).to_have_text("5 of 6 SINS components right; category right")
    expect(page.locator(".item-result.wrong .result-label")).to_have_text(["Vertebral body collapse"])
    screenshot("feedback", full_page=True)
    assert Attempt.objects.submitted().count() == 1


def test_an_incomplete_commit_lists_what_is_missing_in_the_panel(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.click("label[for=id_pain_0]")

    page.click("[data-commit]")

    expect(page.locator("#scoring .form-error")).to_contain_text("Still to answer before you commit: index level")
    assert Attempt.objects.submitted().count() == 0


def test_keyboard_shortcuts_score_without_the_mouse(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.focus("#id_level")
    page.keyboard.press("ArrowDown")  # the drop-down keeps its own keys
    page.locator("[data-item=location] input").first.focus()

    for key in ["3", "1", "1", "3", "2", "2", "1", "2"]:
        page.keyboard.press(key)

    expect(page.locator("#id_location_2")).to_be_checked()
    expect(page.locator("#id_tomita_1")).to_be_checked()
    expect(page.locator("#panel-status")).to_contain_text("9 of 9 answered")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{live_server.url}/attempts/*/")


def test_v_goes_to_the_images_and_escape_comes_back_to_the_item_being_answered(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.locator("[data-item=pain] input").first.focus()
    page.keyboard.press("1")  # answered: on to bone lesion

    page.keyboard.press("v")
    expect(page.locator("[data-viewer] [data-frame]:focus")).to_be_visible()
    page.keyboard.press("ArrowDown")  # the viewer's own keys still work there
    page.keyboard.press("Escape")

    expect(page.locator("[data-item=bone_lesion] input").first).to_be_focused()


def test_the_points_toggle_hides_the_points(page, live_server, case):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    points = page.locator("[data-item=pain] .option-points").first
    expect(points).to_be_visible()

    page.uncheck("#show-points")

    expect(points).to_be_hidden()
    page.reload()
    expect(points).to_be_hidden()  # remembered


@pytest.mark.parametrize("elsewhere", ["footer a", "#show-points"], ids=["a link elsewhere", "a toggle in the panel"])
def test_a_digit_pressed_off_the_items_answers_nothing(page, live_server, case, elsewhere):
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.locator("[data-item=pain] input").first.focus()
    page.locator(elsewhere).first.focus()

    page.keyboard.press("2")

    expect(page.locator("[data-item=pain] input:checked")).to_have_count(0)
    expect(page.locator(elsewhere).first).to_be_focused()
    assert Attempt.objects.get().pain == ""


# The element drawn where the focused control is: the control itself, or a bar over it.
COVERED_BY = """() => {
  const el = document.activeElement;
  const shown = el.matches("input[type=radio]") && el.labels.length ? el.labels[0] : el;
  const box = shown.getBoundingClientRect();
  const top = document.elementFromPoint(box.left + box.width / 2, box.top + Math.min(box.height / 2, 10));
  return top && !shown.contains(top) && !top.contains(shown) ? top.className : null;
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (768, 1024)])
def test_tabbing_through_the_form_never_leaves_the_focus_under_a_bar(page, live_server, case, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/cases/{case.slug}/")
    page.focus("#id_level")

    covered = []
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
        page.keyboard.press(key)
        covered.append(page.evaluate(COVERED_BY))

    assert [bar for bar in covered if bar] == []


def test_in_a_high_contrast_mode_the_chosen_answer_is_still_marked(page, live_server, case):
    page.emulate_media(forced_colors="active")  # which replaces the colours that mark it otherwise
    page.goto(f"{live_server.url}/cases/{case.slug}/")

    page.click("label[for=id_pain_0]")

    chosen = page.locator("label[for=id_pain_0] .option-body")
    other = page.locator("label[for=id_pain_1] .option-body")
    expect(chosen).to_have_css("border-top-width", "3px")
    expect(other).to_have_css("border-top-width", "1px")
