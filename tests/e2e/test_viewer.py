"""The case page's image viewer, in a real browser: tabs, stack scrolling, zoom, brightness, hash links, touch."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.factories import TraineeFactory, commit, published_case

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def case(page, live_server, login):
    """A published case with three series of five images each, opened by a logged-in trainee."""
    case = published_case(series=3, slices=5)
    login(TraineeFactory())
    return case


def open_case(page, live_server, case, hash=""):
    page.goto(f"{live_server.url}{case.get_absolute_url()}{hash}")
    expect(page.locator("[data-viewer].is-ready")).to_be_attached()


def series_of(case):
    return list(case.series.order_by("order", "pk"))


def alts(series):
    return [slice_.alt_text for slice_ in series.slices.all()]


def shown(page):
    """The visible stack's frame, image and counter."""
    stack = page.locator("[data-stack]:not([hidden])")
    return stack.locator("[data-frame]"), stack.locator("[data-image]"), stack.locator("[data-counter]")


@pytest.fixture
def touch(page):
    """Real touches through Chromium's input pipeline (they become pointer events, as on a phone)."""
    cdp = page.context.new_cdp_session(page)  # one session: a touch must start and end in the same one

    def send(kind, *points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]})

    return send


def centre(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def dragged(page, frame, image, dx: float, dy: float) -> tuple[float, float]:
    """Drag from the frame's centre by (dx, dy): how far the image moved."""
    before = image.bounding_box()
    x, y = centre(frame)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=4)
    page.mouse.up()
    after = image.bounding_box()
    return after["x"] - before["x"], after["y"] - before["y"]


@pytest.mark.browser_context_args(**DESKTOP)
def test_the_tabs_switch_which_stack_is_visible(page, live_server, case, screenshot):
    first, second, third = series_of(case)
    open_case(page, live_server, case)

    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(3)
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    expect(tabs.nth(0)).to_contain_text(first.label)
    expect(tabs.nth(0)).to_contain_text("5")
    expect(page.get_by_role("tabpanel")).to_have_count(1)
    expect(page.locator(f"#series-{first.pk}")).to_be_visible()
    expect(page.locator(f"#series-{second.pk}")).to_be_hidden()
    expect(page.locator("[data-slices]").first).to_be_hidden()  # the links are for pages without JavaScript

    tabs.nth(1).click()
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "false")
    expect(page.locator(f"#series-{second.pk}")).to_be_visible()
    expect(page.locator(f"#series-{first.pk}")).to_be_hidden()
    assert "#" not in page.url  # a tab does not jump the page to an anchor

    page.keyboard.press("ArrowRight")
    expect(tabs.nth(2)).to_be_focused()
    expect(page.locator(f"#series-{third.pk}")).to_be_visible()
    page.keyboard.press("Home")
    expect(tabs.nth(0)).to_be_focused()
    expect(page.locator(f"#series-{first.pk}")).to_be_visible()
    screenshot("desktop")


def test_the_wheel_and_the_arrow_keys_move_through_the_stack(page, live_server, case):
    first = series_of(case)[0]
    open_case(page, live_server, case)
    frame, image, counter = shown(page)
    expect(counter).to_have_text("image 3 / 5")  # a stack opens at its middle image
    expect(image).to_have_attribute("alt", alts(first)[2])

    frame.hover()
    scrolled = page.evaluate("scrollY")
    page.mouse.wheel(0, 100)  # one notch, one image
    expect(counter).to_have_text("image 4 / 5")
    expect(image).to_have_attribute("alt", alts(first)[3])
    for _ in range(4):
        page.mouse.wheel(0, 10)  # a trackpad: small deltas add up before the image changes
    page.wait_for_timeout(50)
    expect(counter).to_have_text("image 4 / 5")
    page.mouse.wheel(0, 10)
    expect(counter).to_have_text("image 5 / 5")
    page.mouse.wheel(0, 100)
    expect(counter).to_have_text("image 5 / 5")  # the stack ends; it does not wrap
    page.mouse.wheel(0, -100)
    expect(counter).to_have_text("image 4 / 5")
    assert page.evaluate("scrollY") == scrolled  # the wheel over the image never scrolls the page

    frame.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(counter).to_have_text("image 2 / 5")
    expect(image).to_have_attribute("alt", alts(first)[1])
    expect(image).to_have_attribute("src", re.compile(r"/media/cases/web/"))
    page.keyboard.press("End")
    expect(counter).to_have_text("image 5 / 5")
    page.keyboard.press("Home")
    expect(counter).to_have_text("image 1 / 5")
    page.keyboard.press("PageDown")
    expect(counter).to_have_text("image 5 / 5")
    expect(page.locator("[data-status]")).to_have_text("Image 5 of 5")

    page.get_by_role("button", name="Previous image").click()
    expect(counter).to_have_text("image 4 / 5")
    page.get_by_role("button", name="Next image").click()
    expect(counter).to_have_text("image 5 / 5")


def test_keys_belong_to_the_page_while_focus_is_outside_the_viewer(page, live_server, case):
    open_case(page, live_server, case)
    _, _, counter = shown(page)

    page.locator("h1").click()
    for key in ["ArrowDown", "End", "+", "f"]:
        page.keyboard.press(key)
    expect(counter).to_have_text("image 3 / 5")
    expect(page.locator("[data-viewer]")).not_to_have_class(re.compile(r"is-(full|zoomed)"))


def test_the_slider_picks_an_image(page, live_server, case):
    open_case(page, live_server, case)
    _, image, counter = shown(page)
    slider = page.get_by_role("slider", name="Image")
    expect(slider).to_have_value("3")
    expect(slider).to_have_attribute("max", "5")

    slider.focus()
    page.keyboard.press("End")  # the slider's own keys, not the viewer's
    expect(counter).to_have_text("image 5 / 5")
    page.keyboard.press("ArrowLeft")
    expect(counter).to_have_text("image 4 / 5")
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)
    expect(counter).to_have_text("image 1 / 5")
    expect(slider).to_have_attribute("aria-valuetext", "Image 1 of 5")

    shown(page)[0].hover()
    page.mouse.wheel(0, 100)
    expect(slider).to_have_value("2")  # the slider follows the other ways of moving, too
    expect(image).to_have_attribute("alt", alts(series_of(case)[0])[1])


def test_zoom_pan_and_reset(page, live_server, case):
    open_case(page, live_server, case)
    frame, image, _ = shown(page)
    fit = image.bounding_box()["width"]

    frame.hover()
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    expect(page.locator("[data-viewer]")).to_have_class(re.compile("is-zoomed"))
    assert image.bounding_box()["width"] > fit * 1.5

    page.get_by_role("button", name="Reset zoom and brightness").click()
    expect(page.locator("[data-viewer]")).not_to_have_class(re.compile("is-zoomed"))
    assert image.bounding_box()["width"] == pytest.approx(fit)

    frame.dblclick()  # fit -> 2x
    assert image.bounding_box()["width"] == pytest.approx(2 * fit)
    assert dragged(page, frame, image, 60, 40) == (pytest.approx(60), pytest.approx(40))  # the image pans
    expect(shown(page)[2]).to_have_text("image 3 / 5")  # panning a zoomed image does not scroll the stack

    frame.focus()
    page.keyboard.press("0")
    assert image.bounding_box()["width"] == pytest.approx(fit)
    page.keyboard.press("+")
    assert image.bounding_box()["width"] == pytest.approx(1.25 * fit)
    page.get_by_role("button", name="Zoom out").click()
    assert image.bounding_box()["width"] == pytest.approx(fit)
    page.get_by_role("button", name="Zoom in").click()
    frame.dblclick()  # zoomed -> fit
    assert image.bounding_box()["width"] == pytest.approx(fit)


def test_from_the_keyboard_shift_and_the_arrows_move_a_zoomed_image_and_the_plain_arrows_the_stack(
    page, live_server, case
):
    open_case(page, live_server, case)
    frame, image, counter = shown(page)
    frame.focus()
    page.keyboard.press("Shift+ArrowDown")  # at fit: nothing to move, nor does the stack
    page.keyboard.press("ArrowUp")
    expect(counter).to_have_text("image 2 / 5")  # one step, not Shift's as well

    page.keyboard.press("+")
    page.keyboard.press("+")
    before = image.bounding_box()
    page.keyboard.press("Shift+ArrowLeft")  # to see what lies left: the image moves right
    page.keyboard.press("Shift+ArrowUp")
    after = image.bounding_box()

    assert after["x"] > before["x"] + 5 and after["y"] > before["y"] + 5
    expect(counter).to_have_text("image 2 / 5")
    page.keyboard.press("ArrowDown")
    expect(counter).to_have_text("image 3 / 5")


@pytest.mark.browser_context_args(**DESKTOP)
def test_a_preset_changes_the_filter_and_reset_restores_it(page, live_server, case, screenshot):
    open_case(page, live_server, case)
    _, image, _ = shown(page)
    expect(image).to_have_css("filter", "none")

    adjust = page.get_by_role("button", name="Brightness and contrast")
    adjust.click()
    expect(adjust).to_have_attribute("aria-expanded", "true")
    contrast = page.get_by_role("button", name="More contrast")
    contrast.click()
    expect(image).to_have_css("filter", "contrast(1.6)")
    expect(contrast).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Invert").click()
    expect(image).to_have_css("filter", "invert(1)")
    screenshot("desktop")

    page.get_by_role("tab").nth(1).click()  # each stack keeps its own
    expect(shown(page)[1]).to_have_css("filter", "none")
    page.get_by_role("tab").nth(0).click()
    expect(image).to_have_css("filter", "invert(1)")

    page.get_by_role("button", name="Reset zoom and brightness").click()
    expect(image).to_have_css("filter", "none")
    expect(page.get_by_role("button", name="Default")).to_have_attribute("aria-pressed", "true")


def test_a_right_drag_adjusts_brightness_and_contrast(page, live_server, case):
    open_case(page, live_server, case)
    frame, image, counter = shown(page)
    x, y = centre(frame)

    page.mouse.move(x, y)
    page.mouse.down(button="right")
    page.mouse.move(x + 120, y - 60, steps=5)  # right: more contrast; up: brighter
    page.mouse.up(button="right")
    brightness, contrast = re.fullmatch(
        r"brightness\(([\d.]+)\) contrast\(([\d.]+)\)", image.evaluate("i => getComputedStyle(i).filter")
    ).groups()
    assert float(brightness) > 1.1 and float(contrast) > 1.3
    expect(counter).to_have_text("image 3 / 5")

    frame.focus()
    page.keyboard.press("0")
    expect(image).to_have_css("filter", "none")

    page.get_by_role("button", name="Brightness and contrast").click()
    toggle = page.get_by_role("button", name="Drag adjusts")
    toggle.click()  # for a trackpad or a pen: the left button adjusts too
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 100, y, steps=5)  # left: less contrast
    page.mouse.up()
    assert float(re.fullmatch(r"contrast\(([\d.]+)\)", image.evaluate("i => getComputedStyle(i).filter"))[1]) < 0.8
    expect(counter).to_have_text("image 3 / 5")


def test_a_hash_opens_that_series_at_that_image(page, live_server, case):
    _, second, third = series_of(case)
    open_case(page, live_server, case, f"#series-{second.pk}:4")

    expect(page.get_by_role("tab").nth(1)).to_have_attribute("aria-selected", "true")
    _, image, counter = shown(page)
    expect(counter).to_have_text("image 4 / 5")
    expect(image).to_have_attribute("alt", alts(second)[3])

    page.evaluate(f"location.hash = '#series-{third.pk}:1'")  # a key-image link on the same page
    expect(page.get_by_role("tab").nth(2)).to_have_attribute("aria-selected", "true")
    expect(shown(page)[2]).to_have_text("image 1 / 5")

    assert page.evaluate(f"SinsViewer.show(document.querySelector('[data-viewer]'), {second.pk}, 2)") is True
    expect(shown(page)[2]).to_have_text("image 2 / 5")
    assert page.evaluate("SinsViewer.show(document.querySelector('[data-viewer]'), 999999, 2)") is False
    # init is idempotent: htmx:load and a second call never build a second viewer on the same element
    assert page.evaluate("(r => SinsViewer.init(r) === SinsViewer.init(r))(document.querySelector('[data-viewer]'))")


def test_every_image_of_the_shown_stack_is_preloaded_and_never_an_original(page, live_server, case):
    open_case(page, live_server, case)
    sources = page.locator("[data-slices] a").evaluate_all("links => links.map(a => a.dataset.src)")
    assert len(sources) == 15 and all("/media/cases/web/" in src for src in sources)

    page.wait_for_function(
        "n => performance.getEntriesByType('resource').filter(e => e.name.includes('/media/cases/web/')).length >= n",
        arg=15,
    )
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert {live_server.url + src for src in sources} <= set(loaded)
    assert not [url for url in loaded if "/media/cases/slices/" in url]


def test_full_screen_opens_and_escape_leaves_it_where_the_api_is_missing(page, live_server, case):
    # iPhone Safari has no Fullscreen API for elements: the viewer then covers the viewport itself.
    page.add_init_script(
        "for (const name of ['fullscreenEnabled', 'webkitFullscreenEnabled'])"
        " Object.defineProperty(Document.prototype, name, {get: () => false})"
    )
    open_case(page, live_server, case)
    viewer = page.locator("[data-viewer]")
    frame = shown(page)[0]

    frame.focus()
    page.keyboard.press("f")
    expect(viewer).to_have_class(re.compile("is-full"))
    expect(page.get_by_role("button", name="Leave full screen")).to_have_attribute("aria-pressed", "true")
    size = page.viewport_size
    box = viewer.bounding_box()
    assert (box["width"], box["height"]) == (size["width"], size["height"])
    page.keyboard.press("Escape")
    expect(viewer).not_to_have_class(re.compile("is-full"))

    page.get_by_role("button", name="Full screen").click()
    expect(viewer).to_have_class(re.compile("is-full"))
    page.get_by_role("button", name="Leave full screen").click()
    expect(viewer).not_to_have_class(re.compile("is-full"))


def test_full_screen_uses_the_fullscreen_api(page, live_server, case):
    open_case(page, live_server, case)
    viewer = page.locator("[data-viewer]")

    page.get_by_role("button", name="Full screen").click()
    expect(viewer).to_have_class(re.compile("is-full"))
    assert page.evaluate("document.fullscreenElement === document.querySelector('[data-viewer]')")
    page.get_by_role("button", name="Leave full screen").click()
    expect(viewer).not_to_have_class(re.compile("is-full"))
    assert page.evaluate("document.fullscreenElement") is None


@pytest.mark.browser_context_args(**PHONE)
def test_on_a_phone_a_vertical_swipe_moves_the_stack_and_a_pinch_zooms(page, live_server, case, touch, screenshot):
    open_case(page, live_server, case)
    frame, image, counter = shown(page)
    frame.scroll_into_view_if_needed()
    x, y = centre(frame)

    touch("touchStart", (x, y + 60))
    for step in range(1, 9):
        touch("touchMove", (x, y + 60 - step * 12))  # a finger moving up goes forward
    touch("touchEnd")
    expect(counter).to_have_text("image 5 / 5")
    touch("touchStart", (x, y - 40))
    for step in range(1, 5):
        touch("touchMove", (x, y - 40 + step * 12))
    touch("touchEnd")
    expect(counter).to_have_text("image 4 / 5")
    expect(image).to_have_attribute("alt", alts(series_of(case)[0])[3])

    fit = image.bounding_box()["width"]
    touch("touchStart", (x - 30, y), (x + 30, y))
    for step in range(1, 6):
        touch("touchMove", (x - 30 - step * 6, y), (x + 30 + step * 6, y))  # fingers twice as far apart
    touch("touchEnd")
    assert image.bounding_box()["width"] == pytest.approx(2 * fit, rel=0.05)
    expect(counter).to_have_text("image 4 / 5")

    before = image.bounding_box()  # zoomed in, one finger pans instead of scrolling
    touch("touchStart", (x, y))
    for step in range(1, 5):
        touch("touchMove", (x + step * 10, y + step * 10))
    touch("touchEnd")
    after = image.bounding_box()
    assert (after["x"] - before["x"], after["y"] - before["y"]) == (pytest.approx(40), pytest.approx(40))
    expect(counter).to_have_text("image 4 / 5")
    screenshot("phone")

    for _ in range(2):  # a double tap goes back to fit
        touch("touchStart", (x, y))
        touch("touchEnd")
    assert image.bounding_box()["width"] == pytest.approx(fit)


@pytest.mark.browser_context_args(**PHONE)
def test_on_a_phone_a_swipe_on_a_single_image_scrolls_the_page_and_a_pinch_still_zooms(page, live_server, login, touch):
    """A radiograph is one image: there is no stack for a swipe to move, and the page must not stick under it."""
    case = published_case(series=1, slices=1)
    login(TraineeFactory())
    open_case(page, live_server, case)
    frame, image, _ = shown(page)
    frame.scroll_into_view_if_needed()
    x, y = centre(frame)
    top = page.evaluate("scrollY")

    touch("touchStart", (x, y + 80))
    for step in range(1, 9):
        touch("touchMove", (x, y + 80 - step * 15))  # a finger moving up scrolls the page down
    touch("touchEnd")
    page.wait_for_function(f"scrollY > {top} + 50")

    frame.scroll_into_view_if_needed()
    x, y = centre(frame)
    fit = image.bounding_box()["width"]
    touch("touchStart", (x - 30, y), (x + 30, y))
    for step in range(1, 6):
        touch("touchMove", (x - 30 - step * 6, y), (x + 30 + step * 6, y))
    touch("touchEnd")
    assert image.bounding_box()["width"] == pytest.approx(2 * fit, rel=0.05)


@pytest.mark.browser_context_args(**PHONE)
def test_on_a_phone_the_image_and_its_tools_fit_the_screen(page, live_server, case, screenshot):
    open_case(page, live_server, case)
    page.locator("[data-viewer]").scroll_into_view_if_needed()

    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing widens the page
    frame = shown(page)[0].bounding_box()
    toolbar = page.locator("[data-toolbar]").bounding_box()
    assert frame["width"] >= 350 and frame["height"] >= 400
    assert toolbar["height"] <= 110  # at most two rows of buttons
    for control in page.locator("[data-toolbar] button:visible").all():
        assert control.get_attribute("aria-label")
        assert control.bounding_box()["height"] >= 44  # comfortable touch targets
    screenshot("phone")


@pytest.mark.browser_context_args(**PHONE)
def test_on_a_phone_brightness_and_contrast_open_below_the_image_and_cover_none_of_it(page, live_server, case):
    open_case(page, live_server, case)
    page.locator("[data-viewer]").scroll_into_view_if_needed()
    frame = shown(page)[0]
    height = frame.bounding_box()["height"]

    page.get_by_role("button", name="Brightness and contrast").click()
    panel = page.get_by_role("group", name="Brightness and contrast")
    expect(panel).to_be_visible()
    box, shown_frame = panel.bounding_box(), frame.bounding_box()
    assert box["y"] >= shown_frame["y"] + shown_frame["height"]  # below the image, not over it
    assert shown_frame["height"] < height  # the image gave up the room
    expect(frame.locator("[data-counter]")).to_be_in_viewport()
    toolbar = page.locator("[data-toolbar]").bounding_box()
    assert toolbar["y"] + toolbar["height"] <= 844  # the slider and the tools stay on the screen


@pytest.mark.browser_context_args(**DESKTOP, java_script_enabled=False)
def test_without_javascript_every_series_shows_its_image_and_links(page, live_server, case, screenshot):
    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    for series in series_of(case):
        stack = page.locator(f"#series-{series.pk}")
        expect(stack).to_be_visible()
        expect(stack.locator("[data-image]")).to_be_visible()
        expect(stack.locator("[data-image]")).to_have_attribute("alt", alts(series)[2])
        links = stack.locator("[data-slices] a")
        expect(links).to_have_count(5)
        expect(links.first).to_be_visible()
        expect(links.first).to_have_attribute("href", re.compile(r"/media/cases/web/"))
        expect(page.locator(f"a[href='#series-{series.pk}']")).to_be_visible()
    expect(page.locator("[data-toolbar]")).to_be_hidden()
    screenshot("desktop", full_page=True)


LAPTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.mark.browser_context_args(**LAPTOP)
def test_the_brightness_panel_opens_in_view_on_a_laptop(page, live_server, case, screenshot):
    open_case(page, live_server, case)

    page.get_by_role("button", name="Brightness and contrast").click()
    panel = page.get_by_role("group", name="Brightness and contrast")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 900  # no scrolling to find what the button opened
    screenshot("laptop")


def test_reset_turns_drag_adjusts_off_so_a_zoomed_image_pans_again(page, live_server, case):
    open_case(page, live_server, case)
    frame, image, _ = shown(page)
    page.get_by_role("button", name="Brightness and contrast").click()
    toggle = page.get_by_role("button", name="Drag adjusts")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Reset zoom and brightness").click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    frame.dblclick()  # zoom in, then drag
    assert dragged(page, frame, image, 60, 40) == (pytest.approx(60), pytest.approx(40))  # the image pans
    expect(image).to_have_css("filter", "none")


@pytest.mark.browser_context_args(**LAPTOP)
def test_show_it_in_the_feedback_brings_the_key_images_tab_into_view(page, live_server, screenshot):
    case = published_case(series=9, slices=3)
    last = series_of(case)[-1]
    key = last.slices.order_by("position")[1]
    case.readings.update(bone_lesion_key_slice=key)
    trainee = TraineeFactory()
    client = Client()
    client.force_login(trainee)
    attempt = commit(client, case, bone_lesion="blastic")  # a wrong answer: its explanation is open
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    tabs = page.locator("[data-tabs]")
    tab = page.get_by_role("tab").last
    expect(page.locator("[data-viewer].is-ready")).to_be_attached()
    assert tab.bounding_box()["x"] > tabs.bounding_box()["x"] + tabs.bounding_box()["width"]  # off to the side

    page.get_by_role("link", name=re.compile("show it")).click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(shown(page)[2]).to_have_text("image 2 / 3")
    strip, box = tabs.bounding_box(), tab.bounding_box()
    assert strip["x"] <= box["x"] and box["x"] + box["width"] <= strip["x"] + strip["width"] + 1
    screenshot("laptop")


def test_a_mouse_wheel_over_a_row_of_tabs_too_long_to_show_scrolls_it_sideways(page, live_server, login):
    case = published_case(series=9, slices=2)
    login(TraineeFactory())
    open_case(page, live_server, case)
    tabs = page.locator("[data-tabs]")
    expect(page.locator("[data-viewer].is-ready")).to_be_attached()
    page_scroll = page.evaluate("window.scrollY")

    tabs.hover()
    page.mouse.wheel(0, 400)

    wait_until(page, lambda: tabs.evaluate("row => row.scrollLeft") > 0)
    assert page.evaluate("window.scrollY") == page_scroll  # the page stays put
    expect(page.get_by_role("tab").first).to_have_attribute("aria-selected", "true")  # scrolling selects nothing

    tabs.evaluate("row => { row.scrollLeft = row.scrollWidth; }")
    page.mouse.wheel(0, 200)  # on, with the row at its end: the page scrolls, not trapped by the row
    wait_until(page, lambda: page.evaluate("window.scrollY") > page_scroll)


def test_the_viewer_announces_each_image_it_shows(page, live_server, case):
    first, second, _ = series_of(case)
    open_case(page, live_server, case)
    page.evaluate("window.announced = []; addEventListener('viewer:slice', (e) => announced.push(e.detail))")

    shown(page)[0].hover()
    page.mouse.wheel(0, 100)
    expect(shown(page)[2]).to_have_text("image 4 / 5")
    page.get_by_role("tab").nth(1).click()
    expect(page.get_by_role("tab").nth(1)).to_have_attribute("aria-selected", "true")

    slices = [list(series.slices.all()) for series in (first, second)]
    assert page.evaluate("announced") == [
        {"series": first.pk, "index": 3, "slicePk": slices[0][3].pk},
        {"series": second.pk, "index": 2, "slicePk": slices[1][2].pk},
    ]


def wait_until(page, condition):
    for _ in range(100):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out")


def test_the_stack_loads_a_few_images_at_a_time_nearest_the_one_shown_first(page, live_server, login):
    case = published_case(series=1, slices=15)
    login(TraineeFactory())
    sources = [s.web.url for s in case.series.get().slices.all()]
    held = []  # image requests, answered when the test says so: a slow link
    page.route("**/media/cases/web/**", lambda route: held.append(route))
    page.goto(f"{live_server.url}{case.get_absolute_url()}", wait_until="domcontentloaded")

    def fetched(routes):
        return [sources.index(route.request.url.removeprefix(live_server.url)) for route in routes]

    wait_until(page, lambda: len(held) == 1)
    assert fetched(held) == [7]  # the image the stack opens on, alone on the link
    held.pop().continue_()
    wait_until(page, lambda: len(held) == 4)
    page.wait_for_timeout(300)  # time for a fifth request to show, were the viewer to make one too many
    assert sorted(fetched(held)) == [5, 6, 8, 9]  # then four at a time, the nearest first

    frame, _, counter = shown(page)
    frame.focus()
    page.keyboard.press("End")  # the trainee goes to the last image while the stack is loading
    expect(counter).to_have_text("image 15 / 15")
    wait_until(page, lambda: 14 in fetched(held))
    answered = len(held)
    for route in list(held):
        route.continue_()
    wait_until(page, lambda: len(set(fetched(held[answered:])) - {14}) >= 3)
    assert set(fetched(held[answered:])) <= {14, 13, 12, 11, 10}  # the new neighbourhood comes next
    for route in held[answered:]:
        route.continue_()
