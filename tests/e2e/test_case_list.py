"""The case list in a browser: it searches as the trainee types, without a page load."""

import re

from playwright.sync_api import expect

from tests.factories import TraineeFactory, published_case


def test_the_case_list_searches_as_the_trainee_types(page, live_server, login, screenshot):
    published_case(title="Thoracic breast", series=1, slices=1)
    published_case(title="Renal", primary_tumour="Kidney carcinoma", index_level="L3", series=1, slices=1)
    login(TraineeFactory())
    page.goto(f"{live_server.url}/cases/")
    expect(page.locator(".case-title")).to_have_count(2)
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again

    page.locator("#id_q").press_sequentially("kidn", delay=40)  # no Enter

    expect(page.locator(".case-title")).to_have_text(["Renal"])
    expect(page).to_have_url(f"{live_server.url}/cases/?q=kidn&region=&modality=&difficulty=&progress=")
    assert page.evaluate("window.sameDocument") is True
    assert page.locator("#id_q").evaluate("input => input === document.activeElement")
    screenshot("typed")

    page.select_option("#id_progress", "done")
    expect(page.locator(".empty-state")).to_contain_text("No case matches.")
    assert page.evaluate("window.sameDocument") is True


def test_back_shows_the_filters_of_the_list_it_goes_back_to(page, live_server, login):
    published_case(title="Thoracic breast", region="thoracic", series=1, slices=1)
    published_case(title="Renal", region="lumbar", index_level="L3", series=1, slices=1)
    login(TraineeFactory())
    page.goto(f"{live_server.url}/cases/")

    page.select_option("#id_region", "thoracic")
    expect(page.locator(".case-title")).to_have_text(["Thoracic breast"])
    page.locator("#id_q").press_sequentially("breast", delay=40)
    expect(page).to_have_url(re.compile(r"q=breast"))
    page.select_option("#id_progress", "done")
    expect(page.locator(".empty-state")).to_be_visible()
    page.go_back()

    expect(page).to_have_url(re.compile(r"q=breast&region=thoracic&.*progress=$"))
    expect(page.locator(".case-title")).to_have_text(["Thoracic breast"])
    expect(page.locator("#id_region")).to_have_value("thoracic")
    expect(page.locator("#id_q")).to_have_value("breast")
    expect(page.locator("#id_progress")).to_have_value("")
