"""A database from before history was kept starts it with one record per case, series and reading, as they were."""

from cases.models import Case, ReferenceReading, Series

# The models' own names: what the historical tables copy.
FIELDS = {
    "Case": [f.attname for f in Case._meta.concrete_fields if f.name not in {"reference_changed", "answers_version"}],
    "Series": [f.attname for f in Series._meta.concrete_fields],
    "ReferenceReading": [f.attname for f in ReferenceReading._meta.concrete_fields],
}


def test_existing_cases_series_and_readings_get_a_first_history_record_as_they_are(migrator):
    old = migrator.apply_initial_migration(("cases", "0011_ingest_confirmed"))
    OldCase, OldSeries, OldReading = (old.apps.get_model("cases", n) for n in ("Case", "Series", "ReferenceReading"))
    case = OldCase.objects.create(title="Back pain", slug="back-pain", status="published", index_level="T7", version=4)
    OldSeries.objects.create(case=case, modality="ct", plane="sagittal", sequence="bone window")
    OldReading.objects.create(case=case, reader_name="Dr Expert", is_primary=True, level="T7", pain="mechanical",
                              pain_rationale="Worse on standing.")  # fmt: skip
    before = {name: list(old.apps.get_model("cases", name).objects.values(*fields)) for name, fields in FIELDS.items()}

    new = migrator.apply_tested_migration(("cases", "0013_history_baseline"))

    for name, fields in FIELDS.items():
        records = new.apps.get_model("cases", f"Historical{name}").objects
        assert list(records.values(*fields)) == before[name], name
        assert set(records.values_list("history_type", flat=True)) == {"+"}
    assert (
        new.apps.get_model("cases", "HistoricalReferenceReading").objects.get().pain_rationale == "Worse on standing."
    )
