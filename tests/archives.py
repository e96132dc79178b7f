"""Case archives for tests: a small teaching case with everything an archive carries, exported, read and
tampered with."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.conf import settings

from cases import archive
from cases.models import Annotation, Case, ReferenceReading, Series, Slice
from tests.factories import ReferenceReadingFactory, published_case


def teaching_case(**case_fields) -> Case:
    """A published case with two series, a primary and a second expert reading, key images and annotations."""
    case = published_case(series=2, slices=3, **case_fields)
    first, second = (list(series.slices.all()) for series in case.series.all())
    primary = case.readings.get()
    primary.pain_rationale = "Mechanical: worse on standing, eased lying down."
    primary.level_key_slice, primary.collapse_key_slice = first[1], second[2]
    primary.save()
    Annotation.objects.create(reading=primary, item="level", slice=first[1], kind="circle", x1=0.2, y1=0.3,
                              x2=0.4, y2=0.5, label="T7")  # fmt: skip
    Annotation.objects.create(reading=primary, item="collapse", slice=second[2], kind="arrow", x1=0.1, y1=0.1,
                              x2=0.5, y2=0.6)  # fmt: skip
    ReferenceReadingFactory(case=case, is_primary=False, reader_name="Dr B. Second", collapse="none",
                            level="T7", location="semirigid")  # fmt: skip
    return case


def exported(*cases: Case) -> bytes:
    buffer = io.BytesIO()
    archive.export(Case.objects.filter(pk__in=[case.pk for case in cases]), buffer)
    return buffer.getvalue()


def manifest_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return json.loads(zipped.read(archive.MANIFEST))


def files_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist() if name != archive.MANIFEST}


def rezipped(data: bytes, *, manifest: dict | None = None, files: dict[str, bytes] | None = None) -> bytes:
    """The archive with another manifest and/or other image files (a name mapped to None is left out)."""
    members = {archive.MANIFEST: json.dumps(manifest or manifest_of(data)).encode()}
    members |= {name: body for name, body in {**files_of(data), **(files or {})}.items() if body is not None}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, body in members.items():
            zipped.writestr(name, body)
    return buffer.getvalue()


def named_by_content(body: bytes, extension: str = "png") -> str:
    return f"images/{hashlib.sha256(body).hexdigest()}.{extension}"


def imported(data: bytes, user=None, **options) -> archive.Report:
    return archive.import_archive(io.BytesIO(data), user, **options)


def library_state() -> tuple:
    """What an import may add: the rows of every kind it writes, and the files in storage."""
    media = Path(settings.MEDIA_ROOT)
    files = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []
    rows = tuple(manager.count() for manager in (Case.objects, Series.with_unfinished, Slice.objects,
                                               ReferenceReading.objects, Annotation.objects))  # fmt: skip
    return rows, files
