"""Educators author sets and assign them in the admin; a bad assignment is refused with a clear message."""

from datetime import timedelta

import pytest
from django.test import Client

from cases.models import Case
from sinsquiz.progress.models import Cohort
from sinsquiz.sets.models import Assignment, CaseSet
from tests.admin_forms import admin_post_data
from tests.factories import EducatorFactory, commit, published_case
from tests.sets.conftest import NOW, make_assignment

pytestmark = pytest.mark.django_db


def form(case_set, cohort, **changes):
    data = {
        "case_set": case_set.pk, "cohorts": [cohort.pk], "opens_0": "2026-03-04", "opens_1": "09:00:00",
        "closes_0": "2026-03-06", "closes_1": "09:00:00", "mode": "practice", "feedback_at": "finish",
        "time_limit": "", "purpose": "ordinary", "baseline": "", "washout_weeks": "6",
    }  # fmt: skip
    return {**data, **changes}


# After the sets that make_assignment opens (3 to 6 March): the same set again, for the same cohort, is no clash.
NEXT_WEEK = {"opens_0": "2026-03-09", "closes_0": "2026-03-13"}
WEEK_AFTER = {"opens_0": "2026-03-16", "closes_0": "2026-03-20"}


@pytest.fixture
def educator(client, cohort):
    user = EducatorFactory()
    cohort.educators.add(user)
    client.force_login(user)
    return user


def test_an_educator_makes_a_set_with_its_cases_in_order(client, educator, cases):
    data = {"title": "Week 1", "description": "", "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0",
            "items-0-position": "2", "items-0-case": cases[0].pk,
            "items-1-position": "1", "items-1-case": cases[1].pk}  # fmt: skip

    response = client.post("/admin/sets/caseset/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    case_set = CaseSet.objects.get()
    assert case_set.author == educator
    assert [item.case for item in case_set.items.all()] == [cases[1], cases[0]]


def test_assigning_an_assessment_of_cases_the_cohort_has_practised_warns_the_educator(
    client, clock, educator, cohort, cases, trainee
):
    trainee_client = Client()
    trainee_client.force_login(trainee)
    commit(trainee_client, cases[0])
    case_set = make_assignment(cohort, cases, mode="practice").case_set

    assessment = client.post(
        "/admin/sets/assignment/add/", form(case_set, cohort, mode="assessment", **NEXT_WEEK), follow=True
    )
    practice = client.post("/admin/sets/assignment/add/", form(case_set, cohort, **WEEK_AFTER), follow=True)

    assert [str(message) for message in assessment.context["messages"] if message.level_tag == "warning"] == [
        "Spine metastases, week 1: 1 trainee of its cohorts has answered 1 of its cases before, with feedback. "
        "On that case the assessment measures memory as much as reading; cases they have not met measure "
        "reading alone."
    ]
    assert [message.level_tag for message in practice.context["messages"]] == ["success"]
    # Saved again with only its dates changed, it says nothing more.
    assessment_pk = Assignment.objects.filter(mode="assessment").get().pk
    again = client.post(
        f"/admin/sets/assignment/{assessment_pk}/change/",
        form(case_set, cohort, mode="assessment", closes_1="10:00:00", **NEXT_WEEK),
        follow=True,
    )
    assert [message.level_tag for message in again.context["messages"]] == ["success"]


def test_a_retest_of_practised_cases_is_not_warned_it_repeats_its_baseline_on_purpose(
    client, clock, educator, cohort, cases, trainee
):
    trainee_client = Client()
    trainee_client.force_login(trainee)
    commit(trainee_client, cases[0])
    baseline = make_assignment(
        cohort,
        cases,
        mode="assessment",
        purpose="baseline",
        opens=NOW - timedelta(weeks=9),
        closes=NOW - timedelta(weeks=7),
    )
    data = form(baseline.case_set, cohort, mode="assessment", purpose="retest", baseline=baseline.pk)

    response = client.post("/admin/sets/assignment/add/", data, follow=True)

    assert [message.level_tag for message in response.context["messages"]] == ["success"]


def test_an_assessment_of_cases_the_cohort_has_not_met_saves_without_a_warning(client, educator, cohort, cases):
    case_set = make_assignment(cohort, cases, mode="practice").case_set

    response = client.post(
        "/admin/sets/assignment/add/", form(case_set, cohort, mode="assessment", **NEXT_WEEK), follow=True
    )

    assert [message.level_tag for message in response.context["messages"]] == ["success"]


def test_unpublishing_a_case_of_an_open_set_warns_the_educator_and_the_trainees_set_page_says_withdrawn(
    client, clock, educator, cohort, cases, trainee
):
    assignment = make_assignment(cohort, cases, mode="assessment")
    trainee_client = Client()
    trainee_client.force_login(trainee)
    trainee_client.post(f"/sets/{assignment.pk}/start/")
    commit(trainee_client, cases[0])

    response = client.post(
        "/admin/cases/case/", {"action": "unpublish", "_selected_action": [cases[1].pk]}, follow=True
    )

    said = {message.level_tag: str(message) for message in response.context["messages"]}
    assert said["warning"] == (
        "“Set case 2” is in “Spine metastases, week 1”, open until Friday 6 March, 09:00: its trainees who have not "
        "answered it yet now skip it; answers already given still count in its results. Publish it again to put it "
        "back."
    )
    assert said["success"].endswith("Trainees' feedback on it is closed until it is published again.")
    assert "1 answered, 1 left" in trainee_client.get(f"/sets/{assignment.pk}/finish/").text  # the withdrawn one not
    set_page = trainee_client.get(f"/sets/{assignment.pk}/").content.decode()
    # Unnamed (its draft title is the educators'), and no link to a page that is closed.
    assert '<th scope="row">A withdrawn case</th>' in set_page and "Withdrawn" in set_page


def test_putting_a_case_of_an_open_set_back_to_draft_on_its_page_warns_the_same(client, clock, educator, cohort, cases):
    make_assignment(cohort, cases, mode="assessment")
    page = client.get(f"/admin/cases/case/{cases[1].pk}/change/")

    response = client.post(
        f"/admin/cases/case/{cases[1].pk}/change/", admin_post_data(page, status="draft"), follow=True
    )

    assert Case.objects.get(pk=cases[1].pk).status == Case.Status.DRAFT
    assert [str(m)[:45] for m in response.context["messages"] if m.level_tag == "warning"] == [
        "“Set case 2” is in “Spine metastases, week 1”"
    ]


@pytest.mark.parametrize("whose", ["closed", "another educator's"])
def test_unpublishing_a_case_in_no_open_set_of_the_educators_cohorts_names_no_set(
    client, educator, cohort, cases, whose
):
    if whose == "closed":
        make_assignment(cohort, cases, opens=NOW - timedelta(days=9), closes=NOW - timedelta(days=2))
    else:
        make_assignment(Cohort.objects.create(name="Fellows"), cases)

    response = client.post(
        "/admin/cases/case/", {"action": "unpublish", "_selected_action": [cases[1].pk]}, follow=True
    )

    assert [message.level_tag for message in response.context["messages"]] == ["success"]


def test_an_educator_saving_a_shared_assignment_keeps_the_cohorts_of_other_educators(client, educator, cohort, cases):
    theirs = Cohort.objects.create(name="Fellows")
    theirs.educators.add(EducatorFactory())
    assignment = make_assignment(cohort, cases)
    assignment.cohorts.add(theirs)

    # The form offers only the educator's cohort: the browser posts that one.
    response = client.post(f"/admin/sets/assignment/{assignment.pk}/change/", form(assignment.case_set, cohort))

    assert response.status_code == 302
    assert set(assignment.cohorts.all()) == {cohort, theirs}


def test_an_overlap_in_another_educators_cohort_that_the_save_keeps_is_refused_too(client, educator, cohort, cases):
    theirs = Cohort.objects.create(name="Fellows")
    theirs.educators.add(EducatorFactory())
    shared = make_assignment(cohort, cases)  # 3 to 6 March, to both cohorts
    shared.cohorts.add(theirs)
    theirs_next_week = Assignment.objects.create(case_set=shared.case_set, opens=NOW + timedelta(days=5),
                                                 closes=NOW + timedelta(days=9))  # fmt: skip
    theirs_next_week.cohorts.add(theirs)

    response = client.post(f"/admin/sets/assignment/{shared.pk}/change/", form(shared.case_set, cohort, **NEXT_WEEK))

    assert "is assigned to Fellows already" in response.content.decode()


def test_a_shared_assessment_saved_with_only_its_dates_changed_does_not_warn_again(
    client, clock, educator, cohort, cases, trainee
):
    trainee_client = Client()
    trainee_client.force_login(trainee)
    commit(trainee_client, cases[0])
    assignment = make_assignment(cohort, cases, mode="assessment")
    assignment.cohorts.add(Cohort.objects.create(name="Fellows"))

    data = form(assignment.case_set, cohort, mode="assessment", closes_1="10:00:00")
    response = client.post(f"/admin/sets/assignment/{assignment.pk}/change/", data, follow=True)

    assert [message.level_tag for message in response.context["messages"]] == ["success"]
    assert assignment.cohorts.count() == 2


def test_a_retest_is_offered_only_the_baselines_of_the_educators_own_cohorts(client, educator, cohort, cases):
    mine = make_assignment(cohort, cases, mode="assessment", purpose="baseline", title="Mine")
    theirs = Cohort.objects.create(name="Fellows")
    make_assignment(theirs, cases, mode="assessment", purpose="baseline", title="Theirs")

    page = client.get("/admin/sets/assignment/add/")

    offered = page.context["adminform"].form.fields["baseline"].queryset
    assert list(offered) == [mine]


def test_a_baseline_in_practice_mode_is_refused_in_the_test_retest_section_which_opens_to_show_why(
    client, educator, cohort, cases
):
    case_set = make_assignment(cohort, cases).case_set

    response = client.post("/admin/sets/assignment/add/", form(case_set, cohort, purpose="baseline", **NEXT_WEEK))

    html = response.content.decode()
    assert "choose Assessment as its mode, or make it an ordinary set" in html
    assert list(response.context["adminform"].form.errors) == ["purpose"]
    assert not [fs for fs in response.context["adminform"] if fs.name == "Test–retest"][0].is_collapsible
    assert Assignment.objects.count() == 1


def test_a_shared_retest_keeps_a_baseline_of_another_educators_cohort(client, educator, cohort, cases):
    theirs = Cohort.objects.create(name="Fellows")
    baseline = make_assignment(theirs, cases, mode="assessment", purpose="baseline", closes=NOW - timedelta(weeks=7))
    retest = make_assignment(cohort, cases, mode="assessment", purpose="retest", baseline=baseline)
    retest.case_set = baseline.case_set
    retest.save()
    data = form(retest.case_set, cohort, mode="assessment", purpose="retest", baseline=baseline.pk)

    response = client.post(f"/admin/sets/assignment/{retest.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Assignment.objects.get(pk=retest.pk).baseline == baseline


def test_a_time_limit_on_practice_and_a_retest_inside_the_washout_are_refused_with_a_message(
    client, educator, cohort, cases
):
    baseline = make_assignment(cohort, cases, mode="assessment", purpose="baseline", closes=NOW + timedelta(days=2))
    case_set = baseline.case_set

    practice = client.post("/admin/sets/assignment/add/", form(case_set, cohort, time_limit="30"))
    retest = client.post(
        "/admin/sets/assignment/add/",
        form(case_set, cohort, mode="assessment", purpose="retest", baseline=baseline.pk,
             opens_0="2026-03-20", closes_0="2026-03-27"),
    )  # fmt: skip

    assert "Only an assessment has a time limit." in practice.content.decode()
    assert "A retest opens at least 6 weeks after its baseline closes" in retest.content.decode()
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize("minutes", ["0", "1441", "99999999999"])
def test_a_time_limit_of_none_or_more_than_a_day_is_refused_where_the_educator_typed_it(
    client, educator, cohort, cases, minutes
):
    case_set = CaseSet.objects.create(title="Timed")

    response = client.post("/admin/sets/assignment/add/", form(case_set, cohort, mode="assessment", time_limit=minutes))

    assert response.status_code == 200 and "time_limit" in response.context["adminform"].form.errors
    assert not Assignment.objects.exists()


def test_the_same_set_for_the_same_cohort_at_overlapping_times_is_refused_with_the_other_assignment_named(
    client, educator, cohort, cases
):
    first = make_assignment(cohort, cases)  # 3 to 6 March

    again = client.post("/admin/sets/assignment/add/", form(first.case_set, cohort, opens_0="2026-03-05",
                                                            closes_0="2026-03-09"))  # fmt: skip
    later = client.post("/admin/sets/assignment/add/", form(first.case_set, cohort, opens_0="2026-03-07",
                                                            closes_0="2026-03-09"))  # fmt: skip

    assert "is assigned to Residents 2026 already, from Tuesday 3 March, 09:00" in again.content.decode()
    assert later.status_code == 302 and Assignment.objects.count() == 2


def test_an_assessment_of_a_set_the_cohort_practises_at_the_same_time_is_refused_as_it_would_close_the_practice(
    client, educator, cohort, cases
):
    practice = make_assignment(cohort, cases)  # 3 to 6 March

    response = client.post("/admin/sets/assignment/add/", form(practice.case_set, cohort, mode="assessment"))

    assert "is assigned to Residents 2026 already" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_the_educator_home_links_to_the_results(client, clock, educator, cohort, cases):
    assignment = make_assignment(cohort, cases)

    assert f'href="/sets/{assignment.pk}/results/"' in client.get("/").content.decode()


def test_an_old_set_is_found_from_the_educator_home_through_the_list_of_assignments(
    client, clock, educator, cohort, cases
):
    old = make_assignment(cohort, cases, opens=NOW - timedelta(weeks=9), closes=NOW - timedelta(weeks=8),
                          mode="assessment", purpose="baseline", title="Week 1")  # fmt: skip

    home = client.get("/").content.decode()
    listed = client.get("/admin/sets/assignment/").content.decode()

    assert "No set of your cohorts is open, upcoming, or closed in the past week." in home
    assert 'href="/admin/sets/assignment/">Every assignment, with its results</a>' in home
    for cell in ("Week 1 (baseline)", "Assessment", "Residents 2026", "31 Dec – 7 Jan 2026"):
        assert cell in listed, cell
    assert f'href="/sets/{old.pk}/results/"' in listed


def test_a_draft_case_is_refused_from_a_set_with_a_message_that_names_it(client, educator, cases):
    draft = published_case(series=1, slices=1, title="Lumbar draft", slug="lumbar-draft")
    Case.objects.filter(pk=draft.pk).update(status=Case.Status.DRAFT)
    data = {"title": "Week 1", "description": "", "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0",
            "items-0-position": "1", "items-0-case": cases[0].pk,
            "items-1-position": "2", "items-1-case": draft.pk}  # fmt: skip

    response = client.post("/admin/sets/caseset/add/", data)

    assert "“Lumbar draft” is a draft: trainees never meet a draft" in response.content.decode()
    assert not CaseSet.objects.exists()


def test_a_set_holding_a_case_unpublished_since_cannot_be_assigned_until_it_is_published_again(
    client, educator, cohort, cases
):
    case_set = make_assignment(cohort, cases).case_set
    Case.objects.filter(pk=cases[2].pk).update(status=Case.Status.DRAFT)

    refused = client.post("/admin/sets/assignment/add/", form(case_set, cohort, **NEXT_WEEK))
    Case.objects.filter(pk=cases[2].pk).update(status=Case.Status.PUBLISHED)
    accepted = client.post("/admin/sets/assignment/add/", form(case_set, cohort, **NEXT_WEEK))

    assert "holds a draft, “Set case 3”: trainees would never meet it." in refused.content.decode()
    assert accepted.status_code == 302
    assert Assignment.objects.count() == 2
