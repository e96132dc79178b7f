"""A case set in the browser: an educator assigns an assessment in the admin, two trainees take it, the educator
reads the results, and a trainee sees the feedback only once the set has closed."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, CaseSet, Sitting
from tests.factories import EducatorFactory, TraineeFactory, published_case

READING = {"location": "semirigid", "pain": "mechanical", "bone_lesion": "lytic", "alignment": "normal",
           "collapse": "lt50", "posterolateral": "unilateral", "absent_pedicle": "present", "tomita": "2"}  # fmt: skip


# The top bar's links and buttons that `clock` overlaps.
COVERED = """clock => { const c = clock.getBoundingClientRect();
    return [...document.querySelectorAll('.topbar a, .topbar button')].filter(el => el !== clock)
        .filter(el => { const b = el.getBoundingClientRect();
                        return b.width && b.left < c.right && c.left < b.right
                               && b.top < c.bottom && c.top < b.bottom; })
        .map(el => el.textContent.trim()); }"""


# The clock's classes over half a second, sampled at each frame.
STEADY = """clock => new Promise(done => { const seen = [], end = performance.now() + 500;
    (function look() {
        seen.push(clock.className);
        performance.now() < end ? requestAnimationFrame(look) : done(seen);
    })(); })"""


def answer(page, collapse="lt50"):
    page.select_option("#id_level", "T7")
    for name, value in {**READING, "collapse": collapse}.items():
        page.check(f'[name="{name}"][value="{value}"]')
    expect(page.locator("#panel-status")).to_contain_text("9 of 9 answered")
    page.click("[data-commit]")


def test_an_educator_assigns_an_assessment_two_trainees_take_it_and_feedback_waits_for_the_close(
    page, live_server, login, screenshot
):
    educator = EducatorFactory(username="educator")
    first, second = TraineeFactory(username="resident-a"), TraineeFactory(username="resident-b")
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.trainees.add(first, second)
    cohort.educators.add(educator)
    cases = [published_case(series=1, slices=2, title=f"Back pain {n}", slug=f"back-pain-{n}") for n in (1, 2)]
    case_set = CaseSet.objects.create(title="Week 1 assessment", author=educator)
    for position, case in enumerate(cases, 1):
        case_set.items.create(case=case, position=position)

    # The educator assigns the set to the cohort, as an assessment with its feedback at the close.
    login(educator)
    page.goto(f"{live_server.url}/admin/sets/assignment/add/")
    page.select_option("#id_case_set", str(case_set.pk))
    page.dblclick(f'#id_cohorts_from option[value="{cohort.pk}"]')
    now = timezone.localtime()
    opens, closes = now - timedelta(hours=1), now + timedelta(hours=2)
    page.fill("#id_opens_0", opens.strftime("%Y-%m-%d"))
    page.fill("#id_opens_1", opens.strftime("%H:%M:%S"))
    page.fill("#id_closes_0", closes.strftime("%Y-%m-%d"))
    page.fill("#id_closes_1", closes.strftime("%H:%M:%S"))
    page.select_option("#id_mode", "assessment")
    page.select_option("#id_feedback_at", "close")
    page.fill("#id_time_limit", "20")
    screenshot("1-educator-assigns")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assignment = Assignment.objects.get()

    # Two trainees take it: case to case, no feedback, a countdown.
    for trainee, collapse in ((first, "lt50"), (second, "gt50")):
        page.context.clear_cookies()
        login(trainee)
        page.goto(live_server.url)
        expect(page.locator(".set-item")).to_contain_text("0 of 2 done")
        if trainee == first:
            page.set_viewport_size({"width": 390, "height": 844})
            screenshot("2-trainee-home-phone", full_page=True)
            page.set_viewport_size({"width": 1366, "height": 900})
        page.click("text=Week 1 assessment")
        page.click('button:has-text("Start")')
        page.wait_for_url(f"{live_server.url}/cases/*/")
        expect(page.locator(".sitting-bar")).to_contain_text("Case 1 of 2")
        expect(page.locator(".countdown")).to_contain_text("left")
        if trainee == first:
            # A device whose clock runs three minutes fast still counts down from the server's 20 minutes.
            fast = page.context.new_page()
            fast.add_init_script("const realNow = Date.now; Date.now = () => realNow() + 180000;")
            fast.goto(page.url)
            expect(fast.locator(".countdown")).to_contain_text(re.compile(r"^19:\d\d left$"))
            fast.close()
            screenshot("2-trainee-case-in-set", full_page=False)
            # Scrolled down to the last items, the time left stays in sight: in the top bar, covering none of
            # it, or on a phone (whose top bar scrolls away) as a strip across the top.
            for width, where in ((1366, "docked"), (900, "docked"), (600, "floating"), (390, "floating")):
                page.set_viewport_size({"width": width, "height": 844})
                page.reload()  # whether the top bar is sticky is read once, as the page loads
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                clock = page.locator(".countdown")
                expect(clock).to_have_class(f"countdown {where}")
                expect(clock).to_be_in_viewport()
                assert page.evaluate(COVERED, clock.element_handle()) == [], width
                # It stays put: moving it must not move the page (which would bring its bar back into view).
                classes = page.evaluate(STEADY, clock.element_handle())
                assert set(classes) == {f"countdown {where}"}, (width, classes)
                page.evaluate("window.scrollTo(0, 0)")
                expect(clock).to_have_class("countdown")
            page.set_viewport_size({"width": 1366, "height": 900})
        answer(page, collapse)
        expect(page.locator(".sitting-bar")).to_contain_text("Case 2 of 2")
        answer(page, collapse)
        page.wait_for_url(f"{live_server.url}/sets/{assignment.pk}/")
        expect(page.locator("main")).to_contain_text("Your results open on")
        expect(page.locator("main")).not_to_contain_text("of 6")
        page.click("text=Back pain 1")
        expect(page.locator("main")).to_contain_text("its feedback and your score open on")
    screenshot("3-trainee-feedback-withheld")

    # The educator reads the results.
    page.context.clear_cookies()
    login(educator)
    page.goto(f"{live_server.url}/admin/sets/assignment/")
    page.click(".field-results a")
    expect(page.locator("h1")).to_have_text("Week 1 assessment")
    expect(page.locator(".stat").nth(1)).to_contain_text("2")
    expect(page.locator("table").first).to_contain_text("2 of 2")
    screenshot("4-educator-results", full_page=True)
    assert Sitting.objects.filter(finished__isnull=False).count() == 2

    # The set closes: the trainee's feedback opens.
    Assignment.objects.filter(pk=assignment.pk).update(opens=now - timedelta(days=2), closes=now - timedelta(minutes=1))
    from sinsquiz.sets import sittings

    sittings.reschedule(Assignment.objects.get())
    page.context.clear_cookies()
    login(second)
    page.goto(f"{live_server.url}/sets/{assignment.pk}/")
    expect(page.locator("main")).to_contain_text("5 of 6")
    page.click("text=Back pain 1")
    expect(page.locator(".summary-line")).to_contain_text("5 of 6 SINS components right")
    screenshot("5-trainee-feedback-after-close", full_page=True)


def test_the_sittings_clock_tells_a_screen_reader_when_a_minute_is_left(page, live_server, login):
    trainee = TraineeFactory()
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.trainees.add(trainee)
    case = published_case(series=1, slices=2)
    case_set = CaseSet.objects.create(title="Timed")
    case_set.items.create(case=case, position=1)
    now = timezone.now()
    window = {"opens": now - timedelta(hours=1), "closes": now + timedelta(hours=1)}
    assignment = Assignment.objects.create(case_set=case_set, mode="assessment", time_limit=30, **window)
    assignment.cohorts.add(cohort)
    login(trainee)
    page.goto(f"{live_server.url}/sets/{assignment.pk}/")
    page.click('button:has-text("Start")')
    Sitting.objects.update(deadline=timezone.now() + timedelta(seconds=63))

    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    said = page.locator(".sitting-bar [aria-live=assertive]")
    expect(said).to_have_text("", timeout=1000)  # nothing to say yet: the clock itself is silent
    expect(said).to_have_text("1 minute left", timeout=8000)
    expect(page.locator(".countdown")).to_have_attribute("aria-live", "off")
