"""The test–retest report: a seeded cohort with known answers gives the report's known figures."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from sinsquiz.progress.models import Cohort
from sinsquiz.sets import retest as report
from sinsquiz.sets import sittings
from sinsquiz.sets.models import Assignment, CaseSet, SetAnswer, SetCase, Sitting
from sinsquiz.training import drafts
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, published_case

pytestmark = pytest.mark.django_db

BASELINE_OPENS = datetime(2026, 1, 5, 8, tzinfo=UTC)


def make_pair(cases, cohorts):
    case_set = CaseSet.objects.create(title="Baseline and retest")
    for position, case in enumerate(cases):
        SetCase.objects.create(case_set=case_set, case=case, position=position)
    baseline = Assignment.objects.create(
        case_set=case_set, opens=BASELINE_OPENS, closes=BASELINE_OPENS + timedelta(days=7),
        mode=Assignment.Mode.ASSESSMENT, purpose=Assignment.Purpose.BASELINE,
    )  # fmt: skip
    retest = Assignment(
        case_set=case_set, opens=baseline.closes + timedelta(weeks=6), closes=baseline.closes + timedelta(weeks=7),
        mode=Assignment.Mode.ASSESSMENT, purpose=Assignment.Purpose.RETEST, baseline=baseline,
    )  # fmt: skip
    retest.full_clean()
    retest.save()
    for assignment in (baseline, retest):
        assignment.cohorts.set(cohorts)
    return baseline, retest


def sit(assignment, trainee, answers):
    """The trainee commits each case's answer (ANSWER with the changes given) in their sitting."""
    sitting = Sitting.objects.create(
        assignment=assignment, trainee=trainee, deadline=assignment.closes, order=[case.pk for case in answers]
    )
    for case, changes in answers.items():
        attempt, _ = drafts.submit(drafts.open_draft(trainee, case), {**ANSWER, **changes})
        SetAnswer.objects.create(sitting=sitting, case=case, attempt=attempt)


@pytest.fixture
def cohort():
    cohort = Cohort.objects.create(name="Residents 2026")
    cohort.educators.add(EducatorFactory(username="teacher"))
    return cohort


def cases(n):
    return [published_case(series=0, slices=0, title=f"Case {i}", slug=f"case-{i}") for i in range(n)]


def trainee_in(cohort, username):
    trainee = TraineeFactory(username=username)
    cohort.trainees.add(trainee)
    return trainee


# Varied answers, so that agreement is more than chance: the totals straddle the consultation threshold.
VARIED = [
    {"pain": "none", "bone_lesion": "blastic", "posterolateral": "none", "collapse": "none"},  # 2: stable
    {},  # 9: potentially unstable
    {"alignment": "subluxation", "collapse": "gt50", "posterolateral": "bilateral"},  # 17: unstable
    {"pain": "occasional", "bone_lesion": "mixed"},  # 6: stable
]


def test_the_same_answers_weeks_later_give_a_kappa_of_exactly_one(cohort):
    library = cases(12)
    _, retest = make_pair(library, [cohort])
    trainee = trainee_in(cohort, "steady")
    answers = {case: VARIED[n % len(VARIED)] for n, case in enumerate(library)}
    sit(retest.baseline, trainee, answers)
    sit(retest, trainee, dict(reversed(answers.items())))  # the retest meets them in another order

    figures = report.cohort_retest(retest, cohort).retest

    assert figures.pairs == 12 and figures.cases == 12 and figures.enough
    assert [row.kappa for row in figures.components] == [1.0] * 6
    assert figures.category_kappa == 1.0
    assert figures.binary_kappa == 1.0
    assert figures.total_icc == pytest.approx(1.0)
    assert (figures.components_right.estimate, figures.components_right.low, figures.components_right.high) == (0, 0, 0)
    assert figures.components_right.verdict == "no clear change"


def test_a_constructed_table_gives_its_kappa_and_the_change_in_agreement_with_the_reference(cohort):
    # Pain at baseline → retest over 20 cases: mechanical → mechanical 8, mechanical → none 4, none → mechanical 2,
    # none → none 6. Agreement 0.7, chance 0.6 × 0.5 + 0.4 × 0.5 = 0.5: κ = 0.4. The reference says mechanical:
    # right at baseline 12 of 20, at retest 10 of 20.
    library = cases(20)
    _, retest = make_pair(library, [cohort])
    trainee = trainee_in(cohort, "wavering")
    table = [("mechanical", "mechanical")] * 8 + [("mechanical", "none")] * 4 + [("none", "mechanical")] * 2
    table += [("none", "none")] * 6
    sit(retest.baseline, trainee, {case: {"pain": before} for case, (before, _) in zip(library, table, strict=True)})
    sit(retest, trainee, {case: {"pain": after} for case, (_, after) in zip(library, table, strict=True)})

    figures = report.cohort_retest(retest, cohort).retest
    pain = next(row for row in figures.components if row.component.name == "pain")

    assert pain.kappa == pytest.approx(0.4)
    assert pain.label == "fair"
    assert pain.published == 0.859  # Fourney 2011, intra-rater
    assert (pain.change.baseline, pain.change.retest) == (pytest.approx(0.6), pytest.approx(0.5))
    assert pain.change.estimate == pytest.approx(-0.1)
    assert pain.change.low <= -0.1 <= pain.change.high
    assert pain.change.verdict == "no clear change"


def test_a_cohort_that_learned_shows_a_change_whose_interval_holds_the_true_change(cohort):
    # Bone lesion right with probability 0.3 at baseline and 0.8 at retest: the true change is +50 points.
    rng = random.Random(19)
    library = cases(15)
    _, retest = make_pair(library, [cohort])
    for name in ("ada", "ben", "cy"):
        trainee = trainee_in(cohort, name)
        for assignment, chance in ((retest.baseline, 0.3), (retest, 0.8)):
            sit(
                assignment,
                trainee,
                {case: {} if rng.random() < chance else {"bone_lesion": "mixed"} for case in library},
            )

    entry = report.cohort_retest(retest, cohort)
    bone = next(row for row in entry.retest.components if row.component.name == "bone_lesion")

    assert entry.retest.pairs == 45 and entry.retest.cases == 15
    assert bone.change.low <= 0.5 <= bone.change.high
    assert bone.change.low > 0
    assert bone.change.verdict == "better at retest"
    assert bone.change == report.cohort_retest(retest, cohort).retest.components[2].change  # seeded: the same again
    assert [row.retest.pairs for row in entry.trainees] == [15, 15, 15]


def test_too_few_cases_say_so_instead_of_concluding(client, cohort):
    library = cases(5)
    _, retest = make_pair(library, [cohort])
    trainee = trainee_in(cohort, "brief")
    sit(retest.baseline, trainee, {case: {"bone_lesion": "mixed"} for case in library})
    sit(retest, trainee, {case: {} for case in library})
    trainee_in(cohort, "absent")

    entry = report.cohort_retest(retest, cohort)

    assert not entry.retest.enough
    assert entry.retest.category_kappa is None and entry.retest.total_icc is None
    assert entry.retest.components[2].change.estimate == 1.0
    assert entry.retest.components[2].change.verdict == "too few cases to conclude"
    assert {row.trainee.username: row.retest is None for row in entry.trainees} == {"brief": False, "absent": True}

    client.force_login(cohort.educators.get())
    page = client.get(f"/sets/{retest.pk}/retest/").content.decode()
    assert "Too few to conclude anything: 5 cases read twice, and a κ needs at least 10." in page
    assert "too few cases to conclude" in page
    assert "better at retest" not in page
    assert "Not read in both sittings." in page
    assert "Fourney 2011" in page and "Fisher 2014" in page


def test_a_case_practised_between_the_sittings_is_left_out_and_the_page_says_why(client, cohort):
    library = cases(12)
    _, retest = make_pair(library, [cohort])
    trainee = trainee_in(cohort, "eager")
    sit(retest.baseline, trainee, {case: {"bone_lesion": "mixed"} for case in library})
    drafts.submit(drafts.open_draft(trainee, library[0]), ANSWER)  # practice, with its feedback, in the washout
    sit(retest, trainee, {case: {} for case in library})
    drafts.submit(drafts.open_draft(trainee, library[1]), ANSWER)  # practice after the retest changes nothing

    entry = report.cohort_retest(retest, cohort)

    assert entry.read_between == 1
    assert entry.retest.pairs == 11 and library[0].pk not in {
        pair.case_id for pair in report.pairs(retest, [trainee])[0]
    }
    client.force_login(cohort.educators.get())
    page = client.get(f"/sets/{retest.pk}/retest/").content.decode()
    assert "1 pair of readings left out: the trainee committed the case in practice" in page


def test_the_page_shows_each_followed_cohort_with_its_figures_beside_the_studies(client, cohort):
    other = Cohort.objects.create(name="Another programme")
    library = cases(12)
    _, retest = make_pair(library, [cohort, other])
    answers = {case: VARIED[n % len(VARIED)] for n, case in enumerate(library)}
    for group, name in ((cohort, "steady"), (other, "elsewhere")):
        trainee = trainee_in(group, name)
        sit(retest.baseline, trainee, answers)
        sit(retest, trainee, answers)

    client.force_login(cohort.educators.get())
    response = client.get(f"/sets/{retest.pk}/retest/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "Residents 2026" in page and "Another programme" not in page and "elsewhere" not in page
    assert '1.00 <span class="muted small">almost perfect</span>' in page
    assert "0.886" in page  # Fourney 2011's intra-rater ICC of the total
    assert "0.82" in page and "0.80" in page  # Fisher 2014's intra-rater κ of the consultation call
    assert "Too few to conclude" not in page
    assert ", closed " in page and ", closes " not in page  # the retest closed in March
    assert f'<a href="/sets/{retest.pk}/results/">The retest’s results</a>' in page
    # Per trainee, component by component: the same answers twice agree perfectly with themselves.
    by_component = page.split("Trainees, component by component")[1].split("</table>")[0]
    steady = escape(cohort.trainees.get(username="steady").get_full_name())
    row = by_component.split(f'<th scope="row">{steady}</th>')[1].split("</tr>")[0]
    assert row.count("<td>1.00</td>") >= 4, row


def test_only_the_educators_of_its_cohorts_and_superusers_may_read_a_retest(client, cohort, django_user_model):
    baseline, retest = make_pair(cases(1), [cohort])
    trainee = trainee_in(cohort, "learner")
    stranger = EducatorFactory(username="stranger")
    root = django_user_model.objects.create_superuser("root", password="a-long-test-password")

    for user, status in ((cohort.educators.get(), 200), (root, 200), (trainee, 404), (stranger, 404)):
        client.force_login(user)
        assert client.get(f"/sets/{retest.pk}/retest/").status_code == status
    client.force_login(root)
    assert client.get(f"/sets/{baseline.pk}/retest/").status_code == 404  # a baseline has no retest report


def test_the_educator_reaches_the_report_from_the_retests_results_and_from_home(client, cohort):
    baseline, retest = make_pair(cases(2), [cohort])
    Assignment.objects.filter(pk=retest.pk).update(closes=timezone.now() + timedelta(days=1))  # home: recent sets
    client.force_login(cohort.educators.get())
    report = f'href="/sets/{retest.pk}/retest/"'

    assert report in client.get(f"/sets/{retest.pk}/results/").content.decode()
    assert report in client.get("/").content.decode()
    assert report in client.get(f"/sets/{baseline.pk}/results/").content.decode()


def test_a_baseline_and_its_retest_take_the_same_set_and_are_named_apart(client, cohort):
    baseline, retest = make_pair(cases(2), [cohort])
    client.force_login(cohort.educators.get())

    pages = {name: client.get(f"/sets/{a.pk}/results/") for name, a in (("baseline", baseline), ("retest", retest))}
    files = {
        name: client.get(f"/sets/{a.pk}/results/cases.csv") for name, a in (("baseline", baseline), ("retest", retest))
    }

    assert "<h1>Baseline and retest (baseline)</h1>" in pages["baseline"].content.decode()
    assert "<h1>Baseline and retest (retest)</h1>" in pages["retest"].content.decode()
    assert files["baseline"]["Content-Disposition"] == 'attachment; filename="baseline-and-retest-baseline-cases.csv"'
    assert files["retest"]["Content-Disposition"] == 'attachment; filename="baseline-and-retest-retest-cases.csv"'


def test_a_retest_repeats_its_baselines_cases_and_meets_them_in_another_order(cohort):
    library = cases(12)
    baseline, retest = make_pair(library, [cohort])
    other = CaseSet.objects.create(title="Other cases")
    SetCase.objects.create(case_set=other, case=library[0], position=0)
    retest.case_set = other
    with pytest.raises(ValidationError, match="A retest repeats its baseline's cases"):
        retest.full_clean()

    retest.case_set = baseline.case_set
    trainee = trainee_in(cohort, "again")
    order = sittings.start(retest, trainee, now=retest.opens).order
    assert sorted(order) == sorted(case.pk for case in library)
    assert order != [case.pk for case in library]  # the set itself is not shuffled: the retest is
    assert not baseline.case_set.shuffled


def test_a_cohorts_kappa_needs_ten_distinct_cases_not_ten_pairs(cohort):
    library = cases(2)
    baseline, retest = make_pair(library, [cohort])
    for n in range(6):  # 12 pairs, but only two cases
        trainee = trainee_in(cohort, f"reader{n}")
        sit(baseline, trainee, {case: VARIED[k] for k, case in enumerate(library)})
        sit(retest, trainee, {case: VARIED[k] for k, case in enumerate(library)})

    figures = report.cohort_retest(retest, cohort).retest
    assert figures.pairs == 12 and figures.cases == 2
    assert figures.category_kappa is None and figures.total_icc is None
    assert {row.kappa for row in figures.components} == {None}
