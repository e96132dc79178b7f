"""A case from before the version of its answers was kept starts from its current version: every grade given
before it stays in question, as it was."""


def test_an_existing_case_takes_its_current_version_as_the_version_of_its_answers(migrator):
    old = migrator.apply_initial_migration(("cases", "0015_case_age_at_most_120"))
    old.apps.get_model("cases", "Case").objects.create(title="Back pain", slug="back-pain", index_level="T7", version=4)

    new = migrator.apply_tested_migration(("cases", "0016_answers_version"))

    assert new.apps.get_model("cases", "Case").objects.get().answers_version == 4
