"""Authoring in a real browser, as an educator does it with no README open, finding every step on the pages from
the admin's start page: a draft with only its history, a series and its stack added from the case page, the stack
rearranged there, the expert reading (the index level entered once), a key image picked by its thumbnail and
annotated, publication; then a trainee answers, commits and sees the annotated key image in the feedback. The
pages fit the window and wear the product's dark look."""

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from cases.models import Annotation, Case, Slice
from tests.e2e.test_key_images import draw_an_arrow_and_a_label
from tests.factories import EducatorFactory, TraineeFactory

# The expert reading, as the educator picks it from each drop-down (labels as the page shows them).
READING = {"Pain:": "Mechanical pain", "Bone lesion:": "Lytic", "Alignment:": "Normal alignment",
           "Collapse:": "< 50 % collapse", "Posterolateral:": "Unilateral", "Absent pedicle sign:": "Present",
           "Tomita type:": "Type 2: Body and pedicle"}  # fmt: skip
# The trainee's answers: one mistake, on the item the educator illustrated.
ANSWERS = {"location": "semirigid", "pain": "mechanical", "bone_lesion": "lytic", "alignment": "normal",
           "collapse": "gt50", "posterolateral": "unilateral", "absent_pedicle": "present", "tomita": "2"}  # fmt: skip
PRODUCT_BACKGROUND = "rgb(11, 13, 16)"  # --bg in sinsquiz/static/sinsquiz/app.css


def png(name: str, shade: int) -> dict:
    image = Image.new("L", (160, 200), shade)
    ImageDraw.Draw(image).rectangle((40, 60, 100, 120), fill=255)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def field(page, label: str):
    """The field with this label; the first one, as the inlines keep a hidden blank copy of their forms last."""
    return page.get_by_label(label, exact=True).first


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".errornote")).to_have_count(0)


@pytest.mark.parametrize("size", [{"width": 1366, "height": 900}])
def test_an_educator_authors_illustrates_annotates_and_publishes_a_case_that_a_trainee_then_answers(
    page, live_server, login, screenshot, size
):
    page.set_viewport_size(size)
    login(EducatorFactory(first_name="Ada", last_name="Okafor"))

    # A draft with only its history, started from the admin's start page.
    page.goto(f"{live_server.url}/admin/")
    cases = page.get_by_role("row").filter(has=page.get_by_role("link", name="Cases", exact=True))
    cases.get_by_role("link", name="Add").click()
    expect(page.locator("body")).to_have_css("background-color", PRODUCT_BACKGROUND)
    field(page, "Title:").fill("Back pain after breast cancer")
    field(page, "Age:").fill("58")
    field(page, "Sex:").select_option(label="Female")
    field(page, "Primary tumour:").fill("Breast carcinoma")
    field(page, "Presentation:").fill("Six weeks of back pain.")
    field(page, "Pain statement:").fill("Worse on standing, eases lying flat.")
    field(page, "Imaged region:").select_option(label="Thoracic")
    assert page_width(page) <= size["width"]
    screenshot("1-draft")
    save_and_continue(page)
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    case = Case.objects.get()
    assert (case.status, case.index_level, case.readings.count()) == (Case.Status.DRAFT, "", 0)

    # A series and its stack from the case page; the one bad file is named, the good ones are kept.
    page.get_by_role("button", name="Add another Series").click()
    field(page, "Modality:").select_option(label="MRI")
    field(page, "Plane:").select_option(label="Sagittal")
    field(page, "Sequence or window:").fill("T2")
    notes = {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}
    field(page, "Add images:").set_input_files([png(f"IM{n}.png", 30 * n) for n in (1, 2, 3, 4)] + [notes])
    save_and_continue(page)
    expect(page.locator(".messagelist")).to_contain_text("Added 4 images to Sagittal T2 MRI.")
    expect(page.locator(".messagelist")).to_contain_text(
        "1 file could not be added to Sagittal T2 MRI: notes.png is not an image we accept."
    )
    thumbnails = page.locator("#series-group .arrangement img")
    expect(thumbnails).to_have_count(4)
    thumbnails.first.scroll_into_view_if_needed()  # thumbnails load lazily
    expect(thumbnails.first).to_have_js_property("complete", True)
    assert thumbnails.first.evaluate("img => img.naturalWidth") > 0
    screenshot("2-stack", full_page=True)

    # The last image goes first and the second comes out.
    stack = list(Slice.objects.filter(series__case=case))
    page.get_by_label("Position of image 4").fill("1")
    page.get_by_label("Remove image 2").check()
    save_and_continue(page)
    expect(thumbnails).to_have_count(3)
    assert list(Slice.objects.filter(series__case=case).order_by("position")) == [stack[3], stack[0], stack[2]]

    # The expert reading: the index level once, on the case; the reading follows it. Saved, still a draft.
    field(page, "Index level:").select_option(label="T7")
    expect(field(page, "Credited as:")).to_have_value("Ada Okafor")
    expect(field(page, "Index level, only if this reader disagrees:")).to_have_value("")  # the case's
    expect(page.get_by_label("Location:", exact=True)).to_have_count(0)
    for label, choice in READING.items():
        field(page, label).select_option(label=choice)
    expect(page.locator(".reading-key-images").first).to_contain_text("Save the reading first")
    assert page_width(page) <= size["width"]
    screenshot("3-reading", full_page=True)
    save_and_continue(page)
    reading = case.readings.get()
    assert (reading.level, reading.location, reading.total) == ("T7", "semirigid", 9)

    # A key image, picked by its thumbnail from the reading on the case page, with an arrow and a label on it.
    page.get_by_role("link", name="Choose the key image of vertebral body collapse").click()
    page.get_by_role("radio", name="Sagittal T2 MRI, image 2").click()
    draw_an_arrow_and_a_label(page, "Lytic pedicle")
    screenshot("4-key-image")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Saved the key image of vertebral body collapse with 2 shapes."
    )
    page.get_by_role("link", name="Back to the case").click()
    collapse = page.locator(".reading-key-images li[data-item=collapse]").first
    expect(collapse).to_contain_text("Sagittal T2 MRI, image 2 · 2 annotations")
    expect(collapse.locator(".annotated-thumb svg text")).to_have_text("Lytic pedicle")
    screenshot("5-reading-key-images", full_page=True)
    key = stack[0]
    assert [(a.kind, a.slice, a.label) for a in Annotation.objects.order_by("pk")] == [
        ("arrow", key, ""),
        ("label", key, "Lytic pedicle"),
    ]

    # Publication.
    field(page, "Status:").select_option(label="Published")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    case.refresh_from_db()
    assert case.is_published

    # A trainee answers the case, commits, and sees the annotated key image in the feedback.
    page.context.clear_cookies()
    login(TraineeFactory())
    page.goto(f"{live_server.url}/cases/")
    page.get_by_role("link", name="Back pain after breast cancer").first.click()
    expect(page.locator("h1")).to_contain_text("Back pain after breast cancer")
    expect(page.locator("[data-stack]:not([hidden]) [data-counter]")).to_have_text("image 2 / 3")
    page.select_option("#id_level", "T7")
    for name, value in ANSWERS.items():
        page.check(f'[name="{name}"][value="{value}"]')
    page.click("[data-commit]")
    page.wait_for_url(f"{live_server.url}/attempts/*/")
    feedback = page.locator("[data-key-item=collapse]")
    feedback.get_by_role("link", name="show it").click()
    overlay = page.locator(f"#series-{key.series_id} .key-annotations")
    expect(page.locator(f"#series-{key.series_id} [data-counter]")).to_have_text("image 2 / 3")
    expect(overlay).to_be_visible()
    expect(overlay.locator("text")).to_have_text("Lytic pedicle")
    screenshot("6-feedback")


def test_the_case_page_fits_a_phone(page, live_server, login, screenshot):
    from tests.factories import published_case

    case = published_case(series=1, slices=6)
    page.set_viewport_size({"width": 390, "height": 844})
    login(EducatorFactory())

    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")

    expect(page.locator("#series-group .arrangement img")).to_have_count(6)
    assert page_width(page) <= 390
    screenshot("phone", full_page=True)


def test_a_cases_history_reads_as_one_block_per_change_on_a_phone(page, live_server, login, screenshot):
    from tests.factories import published_case

    case = published_case(series=1, slices=1)
    page.set_viewport_size({"width": 390, "height": 844})
    login(EducatorFactory())

    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/history/")

    table = page.locator(".case-history").bounding_box()
    what = page.locator(".case-history td.what").first
    expect(what).to_contain_text("Added: ")
    assert what.bounding_box()["width"] >= 0.9 * table["width"]  # a line of its own, not a squeezed column
    assert page_width(page) <= 390
    screenshot("phone-history", full_page=True)
