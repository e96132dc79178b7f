"""The trainee dashboard and the educator's cohort page, on attempts whose figures are worked out here."""

import csv
import io

import pytest

from cases.models import Case
from sinsquiz.progress.admin import CohortForm
from sinsquiz.progress.models import Cohort
from tests.factories import ANSWER, EducatorFactory, TraineeFactory, commit, published_case
from tests.tables import row_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(client):
    """Three trainees on two cases: on case X all agree; on case Y they split on collapse."""
    educator = EducatorFactory()
    x, y = published_case(title="X"), published_case(title="Y")
    trainees = [TraineeFactory(username=name, last_name=name) for name in ("t1", "t2", "t3")]
    for trainee, collapse in zip(trainees, ["lt50", "gt50", "gt50"], strict=True):
        client.force_login(trainee)
        commit(client, x)
        commit(client, y, collapse=collapse)
    group = Cohort.objects.create(name="Year 3")
    group.trainees.set([*trainees, TraineeFactory(username="t4", last_name="t4")])  # t4 has not started
    group.educators.add(educator)
    client.force_login(educator)
    return group


def test_the_cohort_page_shows_trainees_cases_and_agreement(client, cohort):
    response = client.get(f"/cohorts/{cohort.pk}/")

    report = response.context["report"]
    assert [row.trainee.username for row in report.trainees] == ["t1", "t2", "t3", "t4"]
    assert [row.agreement and row.agreement.first for row in report.trainees] == [2, 2, 2, None]
    y = next(row for row in report.cases if row.title == "Y")
    assert y.facility == pytest.approx((6 + 5 + 5) / 18)
    assert (
        "Fourney 2011's raters against the experts: sensitivity 95.7\u00a0%, specificity 79.5\u00a0%"
        in response.content.decode()
    )  # the published anchor beside the call
    mistake = y.components[4].most_common_mistake
    assert (mistake[0].code, mistake[1].code, mistake[2]) == ("lt50", "gt50", 2)
    collapse = report.components[4]
    # Two cases, three raters each: X all "lt50"; Y one "lt50", two "gt50".
    p_bar = (1 + (1 + 4 - 3) / 6) / 2
    p_e = (4 / 6) ** 2 + (2 / 6) ** 2
    assert collapse.fleiss == pytest.approx((p_bar - p_e) / (1 - p_e))
    html = response.content.decode()
    assert "Collapse: &gt; 50 % collapse for &lt; 50 % collapse (2)" in html  # made by two trainees
    assert "the wrong answer given most often, <em>given</em> for <em>the reference's</em>" in html
    assert f'href="/progress/{report.trainees[0].trainee.pk}/"' in html


def test_each_figure_at_a_glance_says_whether_it_counts_every_attempt_or_first_attempts(client, cohort):
    t1 = cohort.trainees.get(username="t1")
    client.force_login(t1)
    commit(client, Case.objects.get(title="X"), pain="none")  # a second try, one component wrong
    client.force_login(cohort.educators.get())

    html = client.get(f"/cohorts/{cohort.pk}/").content.decode()

    right = round(100 * (3 * 6 + 6 + 5 + 5 + 5) / (7 * 6))  # every attempt, the retry included
    assert f'{right}\u00a0%</p><p class="stat-label">SINS components right (all 7 attempts)</p>' in html
    assert "category right (first attempts)" in html and "consultation call (first attempts)" in html
    assert '<th scope="col">Components right (all attempts)</th>' in html


def test_the_cohort_agreement_table_names_each_statistic_and_pools_an_unweighted_kappa(client, pain_table):
    educator = EducatorFactory()
    cohort = Cohort.objects.create(name="Year 4")
    cohort.trainees.add(pain_table)
    cohort.educators.add(educator)
    client.force_login(educator)

    response = client.get(f"/cohorts/{cohort.pk}/")

    html = response.content.decode()
    pain = response.context["report"].components[1]
    assert (pain.pooled.kappa, pain.pooled.weighted_kappa) == (pytest.approx(0.5), pytest.approx(0.6))
    assert (
        """<th scope="col">Fleiss' κ among trainees</th><th scope="col">Fourney 2011 inter-rater κ</th>"""
        '<th scope="col">Campos 2014 Fleiss&#x27; κ</th><th scope="col">κ vs reference (unweighted)</th>'
        '<th scope="col">Weighted κ vs reference (linear)</th>'
    ) in html
    # One trainee: no Fleiss' κ; Fourney 0.841 and Campos 0.58; then the pooled κ, unweighted and weighted.
    assert row_cells(html, "Pain") == ["70 %", "—", "0.84", "0.58", "0.50 moderate", "0.60"]


def test_the_cohort_page_lists_the_hardest_cases_first_and_only_so_many(client, cohort, settings, monkeypatch):
    monkeypatch.setattr("sinsquiz.progress.cohort_report.HARDEST_SHOWN", 1)

    html = client.get(f"/cohorts/{cohort.pk}/").content.decode()

    hardest, easier = (Case.objects.get(title=title) for title in ("Y", "X"))  # Y: 16 of 18 components right
    assert f'href="/cases/{hardest.slug}/"' in html and f'href="/cases/{easier.slug}/"' not in html
    assert "The 1 cases with the lowest facility, of 2 answered" in html


def test_the_attempts_csv_has_one_row_per_attempt_with_both_readings(client, cohort):
    response = client.get(f"/cohorts/{cohort.pk}/attempts.csv")

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Disposition"] == 'attachment; filename="year-3-attempts.csv"'
    assert len(rows) == 6
    t2_y = next(r for r in rows if r["trainee"] == "t2" and r["case_title"] == "Y")
    assert (t2_y["trainee_collapse"], t2_y["reference_collapse"], t2_y["correct_collapse"]) == ("gt50", "lt50", "False")
    assert (t2_y["trainee_total"], t2_y["reference_total"]) == ("10", "9")
    assert set(ANSWER) <= {key.removeprefix("trainee_") for key in rows[0]}


def test_the_summary_csvs(client, cohort):
    trainees = list(
        csv.reader(io.StringIO(b"".join(client.get(f"/cohorts/{cohort.pk}/trainees.csv").streaming_content).decode()))
    )
    cases = list(
        csv.reader(io.StringIO(b"".join(client.get(f"/cohorts/{cohort.pk}/cases.csv").streaming_content).decode()))
    )

    assert trainees[0][:3] == ["trainee", "name", "cases"] and len(trainees) == 5
    assert "category_kappa_linear" in trainees[0]  # weighted, as the page says: the header says so too
    assert trainees[4][0] == "t4" and trainees[4][2] == "0"
    assert trainees[2][0] == "t2" and trainees[2][2] == "2"
    y = next(row for row in cases if row[1] == "Y")
    assert y[2] == "3" and y[3] == f"{16 / 18:.3f}"
    assert client.get(f"/cohorts/{cohort.pk}/nonsense.csv").status_code == 404


def test_spreadsheet_formulas_in_names_are_defused(client, cohort):
    cohort.trainees.update(first_name='=HYPERLINK("x")')

    text = b"".join(client.get(f"/cohorts/{cohort.pk}/attempts.csv").streaming_content).decode()

    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_the_cohort_list_shows_only_the_educators_cohorts(client, cohort):
    Cohort.objects.create(name="Somebody else's")

    html = client.get("/cohorts/").content.decode()

    assert "Year 3" in html and "Somebody else" not in html


def test_access_to_progress_and_cohorts(client, cohort, django_user_model):
    member = cohort.trainees.get(username="t1")
    outsider_trainee, other_educator = TraineeFactory(), EducatorFactory()
    superuser = django_user_model.objects.create_superuser("root", password="a-long-password")
    urls = [f"/cohorts/{cohort.pk}/", f"/cohorts/{cohort.pk}/attempts.csv", f"/progress/{member.pk}/"]

    for user, expected in [(member, [404, 404, 200]), (outsider_trainee, [404, 404, 404]),
                           (other_educator, [404, 404, 404]), (cohort.educators.get(), [200, 200, 200]),
                           (superuser, [200, 200, 200])]:  # fmt: skip
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == expected, user
    client.force_login(outsider_trainee)
    assert client.get("/cohorts/").status_code == 404


def _csv_rows(client, url) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(client.get(url).streaming_content).decode())))


def test_a_negative_discrimination_stays_a_number_while_text_cells_are_still_defused(client):
    """Z is got right by the trainees who do worse on P and Q, so it discriminates backwards."""
    educator = EducatorFactory()
    p, q, z = published_case(title="P"), published_case(title="Q"), published_case(title="-Z lytic")
    wrong = {"pain": "none"}
    trainees = []
    for name, on_p, on_q, on_z in [("=A", {}, {}, wrong), ("+B", wrong, {}, {}), ("@C", wrong, wrong, {})]:
        trainees.append(TraineeFactory(first_name=name))
        client.force_login(trainees[-1])
        commit(client, p, **on_p), commit(client, q, **on_q), commit(client, z, **on_z)
    cohort = Cohort.objects.create(name="Year 5")
    cohort.trainees.set(trainees)
    cohort.educators.add(educator)
    client.force_login(educator)

    cases = _csv_rows(client, f"/cohorts/{cohort.pk}/cases.csv")
    trainee_rows = _csv_rows(client, f"/cohorts/{cohort.pk}/trainees.csv")

    z_row = next(row for row in cases if row["case"] == z.slug)
    assert float(z_row["discrimination"]) < 0  # a number a spreadsheet or pandas reads as one, not "'-86.6"
    assert z_row["title"] == "'-Z lytic"
    assert float(z_row["facility"]) == pytest.approx(17 / 18, abs=0.001)
    assert sorted(row["name"].split()[0] for row in trainee_rows) == ["'+B", "'=A", "'@C"]


def test_the_case_summary_csv_lists_a_mistake_as_the_page_does_only_once_it_is_made_twice(client, cohort):
    client.force_login(cohort.trainees.get(username="t4"))
    commit(client, Case.objects.get(title="X"), pain="none")  # a mistake made once
    client.force_login(cohort.educators.get())

    rows = list(
        csv.DictReader(io.StringIO(b"".join(client.get(f"/cohorts/{cohort.pk}/cases.csv").streaming_content).decode()))
    )

    by_title = {row["title"]: row for row in rows}
    assert by_title["Y"]["most_common_mistake_collapse"] == "gt50 for lt50 (2)"
    assert by_title["X"]["most_common_mistake_pain"] == ""
    assert "Pain: " not in client.get(f"/cohorts/{cohort.pk}/").content.decode()


def test_discrimination_compares_a_case_with_each_trainees_mean_not_with_how_many_cases_they_answered(client):
    """A, who answered eight cases, misses pain on each; B and C answered three and get them all but C's
    misses on Q. On Z the stronger readers (B, C) score higher: the index is positive, whatever the counts."""
    educator = EducatorFactory()
    z, p, q = published_case(title="Z"), published_case(title="P"), published_case(title="Q")
    extra = [published_case(title=f"E{n}") for n in range(5)]
    wrong = {"pain": "none"}
    trainees = [TraineeFactory(username=name) for name in ("a", "b", "c")]
    for trainee, answered in zip(trainees, [[z, p, q, *extra], [z, p, q], [z, p, q]], strict=True):
        client.force_login(trainee)
        for case in answered:
            commit(client, case, **(wrong if trainee.username == "a" or (trainee.username, case) == ("c", q) else {}))
    cohort = Cohort.objects.create(name="Year 4")
    cohort.trainees.set(trainees)
    cohort.educators.add(educator)
    client.force_login(educator)

    z_row = next(row for row in client.get(f"/cohorts/{cohort.pk}/").context["report"].cases if row.title == "Z")

    assert z_row.trainees == 3 and z_row.discrimination > 0


def test_a_user_who_is_not_staff_named_as_a_cohorts_educator_follows_nothing(client, cohort):
    """Educators are staff users: anyone else named as one sees no trainee, and the admin refuses them."""
    from sinsquiz.training.models import Attempt

    outsider = TraineeFactory(username="not-staff")
    cohort.educators.add(outsider)
    trainee = cohort.trainees.get(username="t1")
    attempt = Attempt.objects.filter(trainee=trainee).first()
    client.force_login(outsider)

    paths = [f"/cohorts/{cohort.pk}/", f"/cohorts/{cohort.pk}/attempts.csv", f"/cohorts/{cohort.pk}/trainees.csv",
             f"/progress/{trainee.pk}/", f"/attempts/{attempt.pk}/"]  # fmt: skip
    assert [client.get(path).status_code for path in paths] == [404] * len(paths)
    # The admin says so by name, rather than keep or drop them without a word.
    staff = cohort.educators.get(is_staff=True)
    form = CohortForm({"name": cohort.name, "educators": [staff.pk, outsider.pk]}, instance=cohort)
    assert (
        not form.is_valid()
        and "Not staff users, so they would follow nothing: not-staff." in form.errors["educators"][0]
    )
    assert CohortForm({"name": cohort.name, "educators": [staff.pk]}, instance=cohort).is_valid()


def test_the_cohort_admin_offers_trainees_who_are_not_staff_and_educators_who_are(client, cohort):
    colleague = EducatorFactory(username="colleague")

    form = client.get(f"/admin/progress/cohort/{cohort.pk}/change/").context["adminform"].form

    trainees, educators = form.fields["trainees"].queryset, form.fields["educators"].queryset
    assert colleague not in trainees and not trainees.filter(is_staff=True).exists()
    assert set(cohort.trainees.all()) <= set(trainees)
    assert colleague in educators and not educators.filter(is_staff=False).exists()


def test_an_educator_cannot_take_themselves_off_a_cohort_and_lose_it(client, cohort):
    educator = cohort.educators.get()
    colleague = EducatorFactory(username="colleague")
    data = {"name": cohort.name, "trainees": [t.pk for t in cohort.trainees.all()], "educators": [colleague.pk]}

    response = client.post(f"/admin/progress/cohort/{cohort.pk}/change/", data)

    assert "You would no longer follow this cohort" in response.content.decode()
    assert list(cohort.educators.all()) == [educator]
