"""The whole journey in a real browser: an educator authors and publishes a case with an uploaded stack; a
trainee reads it, scores it (surviving a reload), commits, reads the feedback and sees it on the dashboard.
Every step leaves a screenshot; any console error, CSP violation or request leaving 127.0.0.1 fails the test."""

from playwright.sync_api import expect

from cases.demo import phantoms
from cases.models import Case, Slice
from sinsquiz.training.models import Attempt
from tests.factories import EducatorFactory, TraineeFactory

FINDINGS = phantoms.Findings(level="T7", bone_lesion="lytic", collapse="lt50", alignment="normal",
                             posterolateral="unilateral", absent_pedicle="present", tomita=2)  # fmt: skip
READING = {"level": "T7", "location": "semirigid", "pain": "mechanical", "bone_lesion": "lytic",
           "alignment": "normal", "collapse": "lt50", "posterolateral": "unilateral", "absent_pedicle": "present",
           "tomita": "2"}  # fmt: skip


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()


def test_an_educator_publishes_a_case_and_a_trainee_scores_it(page, live_server, tmp_path, screenshot):
    EducatorFactory(username="educator")
    TraineeFactory(username="resident")
    stack = []
    for number, image in enumerate(phantoms.render_series(FINDINGS, "mr_sagittal_t2"), start=1):
        stack.append(tmp_path / f"IM{number}.png")
        image.save(stack[-1])

    # The educator writes the case and its expert reading.
    log_in(page, live_server, "educator")
    page.goto(f"{live_server.url}/admin/cases/case/add/")
    page.fill("#id_title", "Back pain after breast cancer")
    page.fill("#id_age", "58")
    page.select_option("#id_sex", "female")
    page.fill("#id_primary_tumour", "Breast carcinoma")
    page.fill("#id_presentation", "Six weeks of back pain.")
    page.fill("#id_pain_statement", "Worse on standing, eases lying flat.")
    page.select_option("#id_region", "thoracic")
    page.select_option("#id_index_level", "T7")
    page.fill("#id_readings-0-reader_name", "Dr Expert")
    page.check("#id_readings-0-is_primary")
    for name, value in READING.items():
        if name not in ("level", "location"):  # the reading takes the case's level; the location follows
            page.select_option(f"#id_readings-0-{name}", value)
    # … with its stack, uploaded in one go from the case page …
    page.click("#series-group .add-row a")
    page.select_option("#id_series-0-modality", "mri")
    page.select_option("#id_series-0-plane", "sagittal")
    page.fill("#id_series-0-sequence", "T2")
    page.set_input_files("#id_series-0-add_images", stack)
    screenshot("1-educator-case")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator(".messagelist")).to_contain_text("Added 5 images to Sagittal T2 MRI.")
    screenshot("2-educator-stack")
    assert list(Slice.objects.order_by("position").values_list("alt_text", flat=True))[0].startswith("Sagittal T2")

    # … and publishes.
    case = Case.objects.get()
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    screenshot("3-educator-published")
    assert Case.objects.get().is_published

    # The trainee finds it, scrolls the stack and starts scoring.
    page.context.clear_cookies()
    log_in(page, live_server, "resident")
    page.click("text=Cases")
    page.click("text=Back pain after breast cancer")
    frame = page.locator("[data-stack]:not([hidden]) [data-frame]")
    expect(page.locator("[data-stack]:not([hidden]) [data-counter]")).to_have_text("image 3 / 5")
    frame.hover()
    page.mouse.wheel(0, 120)
    expect(page.locator("[data-stack]:not([hidden]) [data-counter]")).to_have_text("image 4 / 5")
    page.select_option("#id_level", "T7")
    for name in ("location", "pain", "bone_lesion"):
        page.check(f'[name="{name}"][value="{READING[name]}"]')
    expect(page.locator("#panel-status")).to_contain_text("4 of 9 answered")
    screenshot("4-trainee-scoring")

    # A reload loses nothing.
    page.reload()
    expect(page.locator("#id_level")).to_have_value("T7")
    expect(page.locator("[name=bone_lesion][value=lytic]")).to_be_checked()
    for name in ("alignment", "collapse", "posterolateral", "absent_pedicle", "tomita"):
        value = "gt50" if name == "collapse" else READING[name]  # one mistake
        page.check(f'[name="{name}"][value="{value}"]')
    expect(page.locator("#panel-status .total-num")).to_have_text("10")

    page.click("[data-commit]")

    page.wait_for_url(f"{live_server.url}/attempts/*/")
    expect(page.locator(".summary-line")).to_have_text("5 of 6 SINS components right; category right")
    expect(page.locator(".item-result.wrong .result-label")).to_have_text(["Vertebral body collapse"])
    screenshot("5-trainee-feedback", full_page=True)

    page.click("text=Progress")
    expect(page.locator(".stat-value").first).to_contain_text("1")
    expect(page.locator("figure.chart svg polyline.line-components")).to_have_count(1)
    expect(page.locator(".data-table").last).to_contain_text("Back pain after breast cancer")
    screenshot("6-trainee-dashboard", full_page=True)
    assert Attempt.objects.submitted().get().collapse == "gt50"
