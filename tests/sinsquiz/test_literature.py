"""The published agreement figures, as domain/README.md gives them."""

from sinsquiz import literature


def test_fourneys_raters_are_members_of_the_spine_oncology_study_group_not_just_surgeons():
    for study in (literature.FOURNEY_INTER, literature.FOURNEY_INTRA):
        assert "surgeons" not in study.raters
    assert literature.FOURNEY_INTER.raters == "members of the Spine Oncology Study Group, 30 cases"


def test_campos_2014_is_cited_with_its_journal_and_reported_fleiss_kappa():
    assert literature.CAMPOS.citation == "Campos et al., Spine J 2014"
    assert literature.CAMPOS.measure == "Fleiss' κ"
    assert literature.CAMPOS.components["location"] == 0.81


def test_fisher_2014_gives_agreement_with_the_experts_beside_agreement_between_raters():
    figures = [(s.binary_kappa_vs_experts, s.binary_kappa) for s in literature.BINARY_STUDIES]

    assert figures == [(0.88, 0.76), (0.85, 0.76)]  # radiologists (AJR), radiation oncologists (Radiat Oncol)


def test_fourney_2011_gives_the_sensitivity_and_specificity_of_the_call_for_a_surgical_opinion():
    study = literature.CONSULTATION_STUDY

    assert (study.short, study.consultation_sensitivity, study.consultation_specificity) == (
        "Fourney 2011",
        0.957,
        0.795,
    )
