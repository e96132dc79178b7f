"""A case's history as an educator reads it: every change to the case, its series, its expert readings and the
shapes on their key images, newest first, with who made it and what it changed (from django-simple-history)."""

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from cases.models import Annotation, Case, ReferenceReading, Series, Slice
from sinsquiz import sins
from sinsquiz.templatetags.formatting import person

KINDS = {"+": "Added", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Entry:
    when: datetime
    who: str
    kind: str  # Added, Changed, Deleted
    what: str  # "The case", "Reading by Dr A. Expert", "Series: Sagittal T2 MRI", "Arrow on pain"
    changes: tuple[Change, ...]
    note: str = ""


def timeline(case: Case) -> list[Entry]:
    readings = ReferenceReading.history.filter(case_id=case.pk)
    groups = [
        ("case", case.history.all()),
        ("reading", readings),
        ("series", Series.history.filter(case_id=case.pk)),
        ("shape", Annotation.history.filter(reading_id__in=readings.values("id"))),
    ]
    entries = []
    for kind, records in groups:
        records = records.select_related("history_user").order_by("id", "history_date", "history_id")
        for _, versions in groupby(records, key=lambda record: record.id):
            previous = None
            for record in versions:
                entry = _entry(kind, record, previous)
                if entry.kind != KINDS["~"] or entry.changes:  # a save that changed nothing says nothing
                    entries.append(entry)
                previous = record
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


def _entry(kind: str, record, previous) -> Entry:
    changes = ()
    if previous is not None and record.history_type == "~":
        delta = record.diff_against(previous)
        changes = tuple(
            Change(
                _label(record, change.field),
                _shown(record, change.field, change.old),
                _shown(record, change.field, change.new),
            )
            for change in delta.changes
            if _text(change.old) != _text(change.new)
        )
    return Entry(
        when=record.history_date,
        who=person(record.history_user) or "—",
        kind=KINDS.get(record.history_type, record.history_type),
        what=_what(kind, record),
        changes=changes,
        note=record.history_change_reason or "",
    )


def _what(kind: str, record) -> str:
    if kind == "case":
        return "The case"
    if kind == "reading":
        return f"{'Primary reading' if record.is_primary else 'Reading'} by {record.reader_name}"
    if kind == "series":
        return f"Series: {record.instance.label}"
    item = sins.in_sentence(sins.ITEM_LABELS.get(record.item, record.item))
    return f"{record.get_kind_display()} on the key image of {item}"


def _text(value):
    """A browser sends a textarea's line breaks as CRLF: the same text, not a change."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _label(record, name: str) -> str:
    return str(record._meta.get_field(name).verbose_name)


def _shown(record, name: str, value) -> str:
    """A value as the admin's form shows it: an option's label, not its code; the image a key image is, not its id."""
    if value in (None, ""):
        return "—"
    field = record._meta.get_field(name)
    if field.related_model is Slice:
        image = Slice.objects.filter(pk=value).select_related("series").first()
        return str(image) if image else "an image since removed"
    return str(dict(field.flatchoices).get(value, value))
