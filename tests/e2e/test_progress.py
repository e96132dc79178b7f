"""The progress dashboard in a real browser, on a phone (390×844) and a laptop (1366×900)."""

import io

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import expect

from tests.factories import TraineeFactory, bulk_attempts, published_case

PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


def _trainee_with(login, attempts: int):
    trainee = TraineeFactory(first_name="Ada", last_name="Lovelace")
    bulk_attempts(trainee, [published_case(title=f"Case {n}", series=1, slices=1) for n in range(8)], attempts)
    login(trainee)
    return trainee


@pytest.fixture
def busy_trainee(login):
    """A trainee with 200 attempts at 8 cases: a learning curve of 8 points, 25 attempts each."""
    return _trainee_with(login, 200)


def _edges(page, scroller) -> tuple[float, float, float]:
    """How bright the left edge, the middle and the right edge of a scrolling box are, with its table hidden."""
    picture = Image.open(io.BytesIO(scroller.screenshot())).convert("L")
    width, height = picture.size

    def brightness(left: int) -> float:
        return ImageStat.Stat(picture.crop((left, 0, left + 4, height))).mean[0]

    return brightness(0), brightness(width // 2), brightness(width - 4)


@pytest.mark.parametrize("attempts", [30, 200])  # 4 a point ("13–16"), 25 a point ("101–125")
def test_on_a_phone_the_learning_curve_reads_at_text_size(page, live_server, login, screenshot, attempts):
    _trainee_with(login, attempts)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/progress/")

    ticks = [box for box in (t.bounding_box() for t in page.locator("figure.chart text.tick").all()) if box]
    x_ticks = [box for box in (t.bounding_box() for t in page.locator("figure.chart text.x-tick").all()) if box]
    page.locator("figure.chart").scroll_into_view_if_needed()
    screenshot("phone-curve")

    assert len(x_ticks) >= 4  # of 8 points, at least every other one labelled
    assert min(box["height"] for box in ticks) >= 12  # ~5 px when the whole chart was scaled down to the phone
    assert all(a["x"] + a["width"] + 4 <= b["x"] for a, b in zip(x_ticks, x_ticks[1:], strict=False)), "labels touch"
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in ticks)
    assert f"each point: {-(-attempts // 8)} attempts" in page.locator("figure.chart figcaption").inner_text()


def test_on_a_phone_a_table_that_scrolls_sideways_shades_the_edge_where_more_is_hidden(
    page, live_server, busy_trainee, screenshot
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/progress/")
    history = page.locator(".table-scroll").last
    history.scroll_into_view_if_needed()
    screenshot("phone-history")
    assert history.evaluate("box => box.scrollWidth > box.clientWidth"), "the attempts table fits: nothing to show"
    history.evaluate("box => { box.querySelector('table').style.visibility = 'hidden'; }")

    left, middle, right = _edges(page, history)
    assert abs(left - middle) < 2 and right - middle > 8, (left, middle, right)

    history.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    left, middle, right = _edges(page, history)
    assert left - middle > 8 and abs(right - middle) < 2, (left, middle, right)


def test_on_a_phone_a_wide_table_keeps_its_rows_a_line_or_two_high(page, live_server, busy_trainee, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/progress/")
    components = page.locator("table.components")
    components.scroll_into_view_if_needed()
    screenshot("phone-components")

    heights = [row.bounding_box()["height"] for row in components.locator("tbody tr").all()]
    # Four lines at most: the bias sentence fits beside the sticky name; squeezed to a sliver it took six or more.
    assert max(heights) < 105, heights


def test_on_a_phone_each_rows_name_stays_in_view_while_its_figures_scroll_past(page, live_server, busy_trainee):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/progress/")
    scroller = page.locator(".table-scroll", has=page.locator("table.components"))
    scroller.scroll_into_view_if_needed()

    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")

    name = scroller.locator("tbody th").first
    assert name.bounding_box()["x"] == pytest.approx(scroller.bounding_box()["x"], abs=1)
    bias = scroller.locator("tbody td").last  # the last column: whole, beside the name, not under it
    assert bias.bounding_box()["x"] >= name.bounding_box()["x"] + name.bounding_box()["width"] - 1
    assert name.evaluate(
        "th => document.elementFromPoint(th.getBoundingClientRect().x + 5, th.getBoundingClientRect().y + 5) === th"
    )


def test_on_a_laptop_the_dashboard_shows_every_x_label_and_no_table_scrolls(
    page, live_server, busy_trainee, screenshot
):
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/progress/")
    screenshot("laptop", full_page=True)

    x_labels = page.locator("figure.chart text.x-tick")
    assert x_labels.all_text_contents() == [f"{n}–{n + 24}" for n in range(1, 200, 25)]
    assert all(label.is_visible() for label in x_labels.all())
    assert page.locator(".table-scroll").evaluate_all("boxes => boxes.filter(b => b.scrollWidth > b.clientWidth)") == []


def test_on_a_phone_a_regraded_attempts_label_stays_in_its_own_cell(page, live_server, login, screenshot):
    from django.db import transaction

    from sinsquiz.training import drafts, regrading
    from tests.factories import ANSWER, EducatorFactory

    trainee = TraineeFactory()
    case = published_case(series=1, slices=1)
    drafts.submit(drafts.open_draft(trainee, case), ANSWER)
    with transaction.atomic():
        reading = case.readings.get(is_primary=True)
        reading.pain = "occasional"
        reading.save()
    regrading.regrade(case, EducatorFactory())
    login(trainee)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/progress/")

    label = page.locator(".data-table .tag.regraded")
    cell = page.locator(".data-table td", has=page.locator(".tag.regraded"))
    expect(label).to_be_visible()
    assert (
        label.bounding_box()["x"] + label.bounding_box()["width"]
        <= cell.bounding_box()["x"] + cell.bounding_box()["width"]
    )
    screenshot("regraded")
