"""CT windows in the viewer, in a real browser: the presets with their numbers, the derivative each one shows,
window and level by drag in Hounsfield units, and pictures that keep their brightness and contrast."""

import math
import re

import pytest
from playwright.sync_api import expect

from tests.cases.test_public_series import windowed_series
from tests.e2e.test_viewer import LAPTOP, PHONE, centre, shown
from tests.factories import TraineeFactory, published_case


@pytest.fixture
def case(page, live_server, login):
    """A published case: a series of uploaded pictures, then a CT series from DICOM (study window W 1500 / L 300)
    of five images, each in three windows; opened by a logged-in trainee."""
    case = published_case(series=1, slices=3)
    windowed_series(case, order=1, slices=5, window=(1500, 300))
    login(TraineeFactory())
    return case


def ct_of(case):
    return case.series.get(modality="ct", window_width__isnull=False)


def urls(series, field):
    return [getattr(slice_, field).url for slice_ in series.slices.all()]


def open_ct(page, live_server, case):
    page.goto(f"{live_server.url}{case.get_absolute_url()}#series-{ct_of(case).pk}")
    expect(page.locator("[data-viewer].is-ready")).to_be_attached()
    page.get_by_role("button", name="Window and level").click()


def fetched(page) -> set[str]:
    return set(page.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"))


def window_shown(page) -> tuple[float, float]:
    """The window on screen, worked out from the image's CSS filters and the info line's numbers."""
    info = page.locator("[data-stack]:not([hidden]) [data-info]").inner_text()
    width, level = re.match(r"W (-?\d+) · L (-?\d+) HU", info).groups()
    return float(width), float(level)


@pytest.mark.browser_context_args(**LAPTOP)
def test_choosing_a_window_shows_its_images_for_the_whole_stack(page, live_server, case, screenshot):
    ct = ct_of(case)
    web, bone, soft = urls(ct, "web"), urls(ct, "bone"), urls(ct, "soft_tissue")
    open_ct(page, live_server, case)
    frame, image, counter = shown(page)
    expect(counter).to_have_text("image 3 / 5")
    expect(image).to_have_attribute("src", web[2])

    study = page.get_by_role("button", name="Study (W 1500 / L 300)")
    bone_button = page.get_by_role("button", name="Bone (W 2000 / L 500)")
    soft_button = page.get_by_role("button", name="Soft tissue (W 400 / L 40)")
    for button in (study, bone_button, soft_button):
        expect(button).to_be_visible()
    expect(page.get_by_role("button", name="Brighter")).to_be_hidden()  # pictures' presets, not a CT's
    expect(study).to_have_attribute("aria-pressed", "true")
    expect(frame.locator("[data-info]")).to_have_text("W 1500 · L 300 HU")
    page.wait_for_function("n => document.querySelectorAll('[data-stack]:not([hidden]) img').length && "
                           "performance.getEntriesByType('resource').length >= n", arg=5)  # fmt: skip
    page.wait_for_timeout(300)
    assert not fetched(page) & set(bone + soft)  # a window's images come only once it is chosen

    bone_button.click()
    expect(image).to_have_attribute("src", bone[2])
    expect(bone_button).to_have_attribute("aria-pressed", "true")
    expect(study).to_have_attribute("aria-pressed", "false")
    expect(frame.locator("[data-info]")).to_have_text("W 2000 · L 500 HU")
    expect(page.locator("[data-status]")).to_have_text("Window: Bone (W 2000 / L 500)")
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    screenshot("laptop")

    frame.hover()
    page.mouse.wheel(0, 100)  # the stack stays in the window chosen
    expect(counter).to_have_text("image 4 / 5")
    expect(image).to_have_attribute("src", bone[3])
    page.wait_for_function("srcs => { const got = performance.getEntriesByType('resource').map(e => e.name);"
                           " return srcs.every(s => got.some(g => g.endsWith(s))); }", arg=bone)  # fmt: skip
    assert not fetched(page) & set(soft)

    frame.focus()
    page.keyboard.press("3")
    expect(image).to_have_attribute("src", soft[3])
    expect(soft_button).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowUp")
    expect(image).to_have_attribute("src", soft[2])
    page.keyboard.press("1")
    expect(image).to_have_attribute("src", web[2])
    expect(frame.locator("[data-info]")).to_have_text("W 1500 · L 300 HU")


@pytest.mark.browser_context_args(**LAPTOP)
def test_a_drag_moves_the_window_in_hounsfield_units_and_reset_returns_to_the_studys(page, live_server, case):
    ct = ct_of(case)
    open_ct(page, live_server, case)
    frame, image, _ = shown(page)
    page.get_by_role("button", name="Bone (W 2000 / L 500)").click()
    x, y = centre(frame)

    page.mouse.move(x, y)
    page.mouse.down(button="right")
    page.mouse.move(x + 120, y - 20, steps=5)  # right: narrower; up: a lower level, so brighter
    page.mouse.up(button="right")

    width, level = window_shown(page)
    assert width == pytest.approx(2000 * math.exp(-120 / 250), abs=15)
    assert level == pytest.approx(500 - 20 * 2000 / 250, abs=15)
    # The filters on the bone image show exactly that window: W = 2000 / (b·c), L = 500 − 1000 + 1000 / b.
    b, c = map(float, re.fullmatch(r"brightness\(([\d.]+)\) contrast\(([\d.]+)\)",
                                   image.evaluate("i => getComputedStyle(i).filter")).groups())  # fmt: skip
    assert 2000 / (b * c) == pytest.approx(width, abs=1)
    assert 500 - 1000 + 1000 / b == pytest.approx(level, abs=1)
    expect(page.get_by_role("button", name="Bone (W 2000 / L 500)")).to_have_attribute("aria-pressed", "false")
    expect(image).to_have_attribute("src", urls(ct, "bone")[2])  # the same image, in another window

    page.get_by_role("button", name="Soft tissue (W 400 / L 40)").click()
    page.get_by_role("button", name="Drag adjusts").click()  # the left button adjusts too
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 200, y, steps=5)  # wider than the soft-tissue image holds
    page.mouse.up()
    assert window_shown(page) == (400, 40)
    info = page.locator("[data-stack]:not([hidden]) [data-info]")
    expect(info).to_have_text("W 400 · L 40 HU · widest in this preset")  # said on the image, not only aloud
    expect(page.locator("[data-status]")).to_have_text(
        "This is the widest window of this preset: for a wider one choose Bone (W 2000 / L 500)."
    )
    assert "for a wider window choose Bone" in page.get_by_role("button", name="Drag adjusts").get_attribute("title")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 100, y + 30, steps=5)
    page.mouse.up()
    width, level = window_shown(page)
    assert width < 400 and level > 40
    expect(info).not_to_contain_text("preset")

    # At a preset's full width the level cannot move: the image says how to go on.
    page.get_by_role("button", name="Bone (W 2000 / L 500)").click()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y - 60, steps=5)
    page.mouse.up()
    assert window_shown(page) == (2000, 500)
    expect(info).to_contain_text("narrow it first to move the level (drag sideways)")

    page.get_by_role("button", name="Reset zoom and window").click()
    expect(image).to_have_attribute("src", urls(ct, "web")[2])
    expect(image).to_have_css("filter", "none")
    assert window_shown(page) == (1500, 300)
    expect(page.get_by_role("button", name="Study (W 1500 / L 300)")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-status]")).to_have_text("Reset: fit, window Study (W 1500 / L 300)")


@pytest.mark.browser_context_args(**LAPTOP)
def test_the_pictures_series_keeps_brightness_and_contrast_beside_a_ct(page, live_server, case):
    open_ct(page, live_server, case)
    page.get_by_role("tab").nth(0).click()  # the uploaded pictures

    panel = page.get_by_role("group", name="Brightness and contrast")
    expect(panel).to_be_visible()
    expect(page.get_by_role("button", name="Brighter")).to_be_visible()
    expect(page.get_by_role("button", name="Bone (W 2000 / L 500)")).to_be_hidden()
    page.get_by_role("button", name="More contrast").click()
    _, image, _ = shown(page)
    expect(image).to_have_css("filter", "contrast(1.6)")
    expect(shown(page)[0].locator("[data-info]")).to_have_text("C 160%")
    page.keyboard.press("2")  # no window to choose: nothing happens
    expect(image).to_have_css("filter", "contrast(1.6)")

    page.get_by_role("tab").nth(1).click()
    expect(page.get_by_role("group", name="Window and level")).to_be_visible()
    expect(page.get_by_role("button", name="Bone (W 2000 / L 500)")).to_be_visible()
    expect(page.get_by_role("button", name="Brighter")).to_be_hidden()


@pytest.mark.browser_context_args(**PHONE)
def test_on_a_phone_the_windows_fit_the_screen(page, live_server, case, screenshot):
    open_ct(page, live_server, case)
    page.get_by_role("button", name="Bone (W 2000 / L 500)").tap()
    expect(shown(page)[0].locator("[data-info]")).to_have_text("W 2000 · L 500 HU")

    for name in ("Study (W 1500 / L 300)", "Bone (W 2000 / L 500)", "Soft tissue (W 400 / L 40)", "Drag adjusts"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot("phone")


@pytest.mark.browser_context_args(**LAPTOP, java_script_enabled=False)
def test_without_javascript_a_ct_shows_its_studys_window_and_links_to_it(page, live_server, case):
    ct = ct_of(case)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    stack = page.locator(f"#series-{ct.pk}")
    expect(stack.locator("[data-image]")).to_have_attribute("src", urls(ct, "web")[2])
    links = stack.locator("[data-slices] a")
    expect(links).to_have_count(5)
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == urls(ct, "web")
    expect(page.locator("[data-toolbar]")).to_be_hidden()
