"""Authoring in a real browser, as an educator does it with no README open: a draft with only its history, a
series and its stack added from the case page, the stack rearranged there, the expert reading (the index level
entered once), publication, and a trainee opening the case. The pages fit the window and wear the product's
dark look."""

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from cases.models import Case, Slice
from tests.factories import EducatorFactory, TraineeFactory

READING = {"pain": "mechanical", "bone_lesion": "lytic", "alignment": "normal", "collapse": "lt50",
           "posterolateral": "unilateral", "absent_pedicle": "present", "tomita": "2"}  # fmt: skip
PRODUCT_BACKGROUND = "rgb(11, 13, 16)"  # --bg in sinsquiz/static/sinsquiz/app.css


def png(name: str, shade: int) -> dict:
    image = Image.new("L", (160, 200), shade)
    ImageDraw.Draw(image).rectangle((40, 60, 100, 120), fill=255)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def save_and_continue(page):
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".errornote")).to_have_count(0)


@pytest.mark.parametrize("size", [{"width": 1366, "height": 900}])
def test_an_educator_authors_illustrates_and_publishes_a_case_that_a_trainee_then_opens(
    page, live_server, login, screenshot, size
):
    page.set_viewport_size(size)
    login(EducatorFactory(first_name="Ada", last_name="Okafor"))

    # A draft with only its history.
    page.goto(f"{live_server.url}/admin/cases/case/add/")
    expect(page.locator("body")).to_have_css("background-color", PRODUCT_BACKGROUND)
    page.fill("#id_title", "Back pain after breast cancer")
    page.fill("#id_age", "58")
    page.select_option("#id_sex", "female")
    page.fill("#id_primary_tumour", "Breast carcinoma")
    page.fill("#id_presentation", "Six weeks of back pain.")
    page.fill("#id_pain_statement", "Worse on standing, eases lying flat.")
    page.select_option("#id_region", "thoracic")
    assert page_width(page) <= size["width"]
    screenshot("1-draft")
    save_and_continue(page)
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    case = Case.objects.get()
    assert (case.status, case.index_level, case.readings.count()) == (Case.Status.DRAFT, "", 0)

    # A series and its stack from the case page; the one bad file is named, the good ones are kept.
    page.click("#series-group .add-row a")
    page.select_option("#id_series-0-modality", "mri")
    page.select_option("#id_series-0-plane", "sagittal")
    page.fill("#id_series-0-sequence", "T2")
    notes = {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}
    page.set_input_files("#id_series-0-add_images", [png(f"IM{n}.png", 30 * n) for n in (1, 2, 3, 4)] + [notes])
    save_and_continue(page)
    expect(page.locator(".messagelist")).to_contain_text("Added 4 images to Sagittal T2 MRI.")
    expect(page.locator(".messagelist")).to_contain_text(
        "1 file could not be added to Sagittal T2 MRI: notes.png is not an image we accept."
    )
    thumbnails = page.locator("#series-group .arrangement img")
    expect(thumbnails).to_have_count(4)
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

    # The expert reading: the index level once, on the case; the reading follows it.
    page.select_option("#id_index_level", "T7")
    expect(page.locator("#id_readings-0-reader_name")).to_have_value("Ada Okafor")
    expect(page.locator("#id_readings-0-level")).to_have_value("")  # "The case's index level"
    expect(page.locator("#id_readings-0-location")).to_have_count(0)
    for name, value in READING.items():
        page.select_option(f"#id_readings-0-{name}", value)
    page.select_option("#id_status", "published")
    assert page_width(page) <= size["width"]
    screenshot("3-reading", full_page=True)
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    case.refresh_from_db()
    reading = case.readings.get()
    assert case.is_published
    assert (reading.level, reading.location, reading.total) == ("T7", "semirigid", 9)

    # A trainee can open it.
    page.context.clear_cookies()
    login(TraineeFactory())
    page.goto(f"{live_server.url}/cases/")
    page.click("text=Back pain after breast cancer")
    expect(page.locator("h1")).to_contain_text("Back pain after breast cancer")
    expect(page.locator("[data-stack]:not([hidden]) [data-counter]")).to_have_text("image 2 / 3")


def test_the_case_page_fits_a_phone(page, live_server, login, screenshot):
    from tests.factories import published_case

    case = published_case(series=1, slices=6)
    page.set_viewport_size({"width": 390, "height": 844})
    login(EducatorFactory())

    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")

    expect(page.locator("#series-group .arrangement img")).to_have_count(6)
    assert page_width(page) <= 390
    screenshot("phone", full_page=True)
