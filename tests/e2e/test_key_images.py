"""An educator picks a key image by its thumbnail and annotates it; a trainee sees the shapes in the feedback."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Annotation
from sinsquiz.training import drafts
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, published_case


@pytest.fixture
def case(migration_data):
    return published_case(series=2, slices=4)


@pytest.fixture
def circled(case):
    """The case's collapse key image, the first series' second image, with a circle drawn on it; returns the image."""
    key = case.series.first().slices.all()[1]
    reading = case.readings.get(is_primary=True)
    reading.collapse_key_slice = key
    reading.save()
    Annotation.objects.create(
        reading=reading, item="collapse", slice=key, kind="circle", x1=0.4, y1=0.4, x2=0.6, y2=0.6
    )
    return key


# Where the picture itself is on the screen: contained in its frame, with black bars beside or above it.
PICTURE = """img => {
  const r = img.getBoundingClientRect();
  const scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
  const [width, height] = [img.naturalWidth * scale, img.naturalHeight * scale];
  return {x: r.x + (r.width - width) / 2, y: r.y + (r.height - height) / 2, width, height};
}"""


def drag(page, box, start, end):
    """Drag across the box from one point to another, given as fractions of its width and height."""
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + start[0] * w, y + start[1] * h)
    page.mouse.down()
    page.mouse.move(x + (start[0] + end[0]) / 2 * w, y + (start[1] + end[1]) / 2 * h, steps=4)
    page.mouse.move(x + end[0] * w, y + end[1] * h, steps=4)
    page.mouse.up()


def open_the_collapse_key_image(page, live_server, case) -> None:
    """From the case page, through the key images' overview, to the editor of collapse's key image."""
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    page.get_by_role("link", name="Choose and annotate the key images").click()
    # The case page has the same "Choose" links: wait for the overview, or the next click may land on the old page.
    expect(page).to_have_url(re.compile(r"/key-images/$"))
    page.get_by_role("link", name="Choose the key image of vertebral body collapse").click()
    expect(page).to_have_url(re.compile(r"/key-images/\d+/collapse/$"))  # on the editor before its first click


def draw_an_arrow_and_a_label(page, text: str) -> None:
    """On the editor's chosen image: an arrow dragged across its upper left, then a label placed beside it."""
    page.wait_for_function("() => document.querySelector('.ki-image')?.complete")
    box = page.locator(".ki-image").evaluate(PICTURE)
    drag(page, box, (0.2, 0.25), (0.45, 0.5))
    page.get_by_role("radio", name="Label", exact=True).check()
    page.get_by_label("Label text").fill(text)
    page.mouse.click(box["x"] + 0.55 * box["width"], box["y"] + 0.55 * box["height"])
    expect(page.locator("[data-shapes] li")).to_have_text(["Arrow Remove", f"Label — “{text}” Remove"])


def test_an_educator_annotates_a_key_image_and_the_trainee_sees_it_in_the_feedback(
    page, live_server, login, case, screenshot
):
    key = case.series.last().slices.all()[2]
    page.set_viewport_size({"width": 1366, "height": 900})
    login(EducatorFactory())
    open_the_collapse_key_image(page, live_server, case)

    # The second series' third thumbnail (the radio button covers it, unseen).
    page.get_by_role("radio", name="Sagittal T2 MRI, image 3").last.click()
    stage = page.locator(".ki-canvas")
    expect(page.locator(".ki-image")).to_have_attribute("src", key.web.url)
    draw_an_arrow_and_a_label(page, "Lytic pedicle")
    expect(stage.locator("text")).to_have_text("Lytic pedicle")
    screenshot("editor")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Saved the key image of vertebral body collapse with 2 shapes."
    )
    expect(page.locator("tr[data-item=collapse] .annotated-thumb svg text")).to_have_text("Lytic pedicle")
    screenshot("overview")
    arrow, label = Annotation.objects.order_by("pk")
    assert (arrow.kind, arrow.slice, label.kind, label.label) == ("arrow", key, "label", "Lytic pedicle")
    assert arrow.x1 == pytest.approx(0.2, abs=0.02) and arrow.y2 == pytest.approx(0.5, abs=0.02)

    trainee = TraineeFactory()
    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, "collapse": "gt50"})
    page.context.clear_cookies()
    login(trainee)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    collapse = page.locator("[data-key-item=collapse]")
    overlay = page.locator(f"#series-{key.series_id} .key-annotations")
    expect(overlay).to_have_count(0)

    collapse.get_by_role("link", name="show it").click()

    expect(page.locator(f"#series-{key.series_id} [data-counter]")).to_have_text("image 3 / 4")
    expect(page.locator("[data-status]")).to_have_text(re.compile(r", image 3 of 4$"))  # said, as the focus stays
    expect(overlay).to_be_visible()
    expect(overlay.locator("text")).to_have_text("Lytic pedicle")
    expect(overlay.locator("path")).to_have_count(2)  # the arrow: dark under bright
    image, drawn = page.locator(f"#series-{key.series_id} [data-image]").bounding_box(), overlay.bounding_box()
    assert drawn == pytest.approx(image, abs=1)  # over the image, exactly
    screenshot("feedback")

    collapse.get_by_label("Show annotations").uncheck()
    expect(overlay).to_be_hidden()
    collapse.get_by_label("Show annotations").check()
    expect(overlay).to_be_visible()

    page.keyboard.press("Escape")
    page.locator(f"#series-{key.series_id} [data-frame]").focus()
    page.keyboard.press("ArrowDown")  # another image: the shapes belong to the key image only
    expect(page.locator(f"#series-{key.series_id} [data-counter]")).to_have_text("image 4 / 4")
    expect(overlay).to_be_hidden()
    page.keyboard.press("ArrowUp")
    expect(overlay).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    collapse.get_by_role("link", name="show it").click()
    expect(overlay).to_be_in_viewport()
    screenshot("feedback-phone")


def test_the_shapes_follow_the_image_when_the_trainee_zooms(page, live_server, login, case, circled):
    key = circled
    trainee = TraineeFactory()
    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, "collapse": "gt50"})
    login(trainee)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    page.locator("[data-key-item=collapse]").get_by_role("link", name="show it").click()
    overlay = page.locator(f"#series-{key.series_id} .key-annotations")
    before = overlay.locator("ellipse").first.bounding_box()

    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()

    after = overlay.locator("ellipse").first.bounding_box()
    assert after["width"] == pytest.approx(before["width"] * 1.25**2, rel=0.05)
    image = page.locator(f"#series-{key.series_id} [data-image]")
    assert image.evaluate("img => img.style.transform") == overlay.evaluate("svg => svg.style.transform")


def test_choosing_another_key_image_removes_the_shapes_drawn_on_the_old_one_and_says_so(page, live_server, login, case):
    first, second = case.series.last().slices.all()[2:4]
    login(EducatorFactory())
    open_the_collapse_key_image(page, live_server, case)
    page.get_by_role("radio", name="Sagittal T2 MRI, image 3").last.click()
    page.wait_for_function("() => document.querySelector('.ki-image').complete")
    drag(page, page.locator(".ki-image").evaluate(PICTURE), (0.2, 0.25), (0.45, 0.5))
    expect(page.locator("[data-shapes] li")).to_have_count(1)

    page.get_by_role("radio", name="Sagittal T2 MRI, image 4").last.click()

    expect(page.locator("[data-shapes] li")).to_have_count(0)
    expect(page.get_by_text("its 1 shape was drawn on the old one and removed")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved the key image of vertebral body collapse")
    reading = case.readings.get(is_primary=True)
    assert reading.collapse_key_slice == second != first
    assert not Annotation.objects.exists()


def test_showing_an_item_without_shapes_hides_the_shapes_of_another_item_on_the_same_image(
    page, live_server, login, case
):
    key = case.series.first().slices.all()[1]
    reading = case.readings.get(is_primary=True)
    reading.collapse_key_slice = reading.pain_key_slice = key
    reading.save()
    Annotation.objects.create(
        reading=reading, item="collapse", slice=key, kind="circle", x1=0.4, y1=0.4, x2=0.6, y2=0.6
    )
    trainee = TraineeFactory()
    wrong = {**ANSWER, "collapse": "gt50", "pain": "none"}  # both items open, with their "show it"
    attempt, _ = drafts.submit(drafts.open_draft(trainee, case), wrong)
    login(trainee)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    overlay = page.locator(f"#series-{key.series_id} .key-annotations")
    page.locator("[data-key-item=collapse]").get_by_role("link", name="show it").click()
    expect(overlay).to_be_visible()

    page.locator("[data-key-item=pain]").get_by_role("link", name="show it").click()

    expect(page.locator(f"#series-{key.series_id} [data-counter]")).to_have_text("image 2 / 4")
    expect(overlay).to_be_hidden()


def test_on_a_phone_the_case_page_draws_a_key_images_shapes_on_its_thumbnail(page, live_server, login, case, circled):
    page.set_viewport_size({"width": 390, "height": 844})
    login(EducatorFactory())

    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")

    thumb = page.locator(".reading-key-images .annotated-thumb").first
    thumb.scroll_into_view_if_needed()
    expect(thumb.locator("svg")).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.locator("img").element_handle())
    image = thumb.locator("img").bounding_box()
    assert thumb.bounding_box() == pytest.approx(image, abs=1)  # the box, and so the shapes, fit the image
