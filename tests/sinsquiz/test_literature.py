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
