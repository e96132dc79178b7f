"""Case archives: whole teaching cases in one .zip, to move between SINS Quiz sites (README, "Case archives").

An archive holds `manifest.json` (format "sinsquiz-case-archive", a version) and the stored image files under
`images/`, each named by the SHA-256 of its bytes, so identical files travel once and keep their exact bytes.
The manifest has no database ids and no timestamps, sorted keys and a stable order: exported, imported into
an empty database and exported again, a library gives the same manifest and the same files.

`import_archive` refuses a whole archive at its first structural problem (not a zip, an unsafe member, a bad
manifest) or after listing every problem of its content, before it writes anything; then it writes each
archive in one transaction, and removes the files it stored if that fails.
"""

import hashlib
import json
import math
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import ProhibitNullCharactersValidator
from django.db import DatabaseError, models, transaction
from django.db.models import Prefetch
from django.template.defaultfilters import pluralize
from simple_history.utils import bulk_create_with_history

from cases import images, zips
from cases.models import Annotation, Case, ReferenceReading, Series, Slice, unique_slug
from sinsquiz import sins

FORMAT = "sinsquiz-case-archive"
VERSION = 1
MANIFEST = "manifest.json"
IMAGE_NAME = re.compile(r"images/[0-9a-f]{64}\.(png|jpg)")
EXTENSION_FORMATS = {"png": "PNG", "jpg": "JPEG"}
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
PROBLEMS_SHOWN = 20
# An archive's images unpack within the limit of a stored file each (images.stored_max_bytes, from the pixel
# limit: a stored original may be larger than an upload), the compression ratio of a DICOM import
# (settings.DICOM_MAX_RATIO) and the caller's budget in all (settings.ARCHIVE_MAX_TOTAL_BYTES by default).

# What the manifest carries of each object, by the model's field names (one list for export and import).
CASE_FIELDS = ("title", "slug", "status", "age", "sex", "primary_tumour", "prior_treatment", "presentation",
               "pain_statement", "index_level", "region", "asks_escc", "teaching_points", "discussion",
               "difficulty")  # fmt: skip
SERIES_FIELDS = ("modality", "plane", "sequence", "description", "order", "window_center", "window_width",
                 "rescale_slope", "rescale_intercept", "row_spacing", "column_spacing", "slice_spacing",
                 "orientation")  # fmt: skip
IMAGE_FIELDS = ("position", "alt_text", "width", "height")
# The files of an image: manifest key -> Slice field. Bone and soft tissue exist for CT from DICOM only (else null).
FILES = {"original": "image", "web": "web", "thumbnail": "thumbnail", "bone": "bone", "soft_tissue": "soft_tissue"}
OPTIONAL_FILES = ("bone", "soft_tissue")
READING_FIELDS = ("reader_name", "is_primary", *sins.READING_ITEMS)
ANNOTATION_FIELDS = ("item", "kind", "x1", "y1", "x2", "y2", "label")


# --- Export -------------------------------------------------------------------------------------------


class ExportError(Exception):
    """A case cannot be archived as it stands (an image file missing from storage)."""


@dataclass(frozen=True)
class Exported:
    cases: int
    images: int
    files: int


def export(cases, fileobj: BinaryIO) -> Exported:
    """Write the cases (a queryset) with their series, images and expert readings as an archive to `fileobj`."""
    cases = cases.order_by("slug").prefetch_related(
        Prefetch("series", Series.objects.order_by("order", "pk").prefetch_related("slices")),
        Prefetch("readings", ReferenceReading.objects.order_by("-is_primary", "pk").prefetch_related("annotations")),
    )
    written: dict[str, str] = {}  # storage name -> archive name
    present: set[str] = set()  # archive names written
    manifest = {"format": FORMAT, "version": VERSION, "cases": []}
    image_count = 0
    with zipfile.ZipFile(fileobj, "w") as archive:

        def archived(file) -> str | None:
            if not file.name:
                return None
            if file.name not in written:
                written[file.name] = _add_image(archive, file, present)
            return written[file.name]

        for case in cases:
            entry, places = _values(case, CASE_FIELDS), {}
            entry["series"] = []
            for s, series in enumerate(case.series.all()):
                series_entry = _values(series, SERIES_FIELDS) | {"images": []}
                for i, slice_ in enumerate(series.slices.all()):
                    places[slice_.pk] = {"series": s, "image": i}
                    files = {key: archived(getattr(slice_, name)) for key, name in FILES.items()}
                    series_entry["images"].append(_values(slice_, IMAGE_FIELDS) | {"files": files})
                    image_count += 1
                entry["series"].append(series_entry)
            entry["readings"] = [_reading_entry(reading, places) for reading in case.readings.all()]
            manifest["cases"].append(entry)
        text = json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        archive.writestr(_member(MANIFEST), text.encode(), compress_type=zipfile.ZIP_DEFLATED)
    return Exported(len(manifest["cases"]), image_count, len(present))


def _values(instance, names) -> dict:
    return {name: getattr(instance, name) for name in names}


def _reading_entry(reading: ReferenceReading, places: dict) -> dict:
    entry = _values(reading, READING_FIELDS)
    entry["rationales"] = {item: reading.rationale(item) for item in sins.READING_ITEMS}
    entry["key_images"] = {item: places.get(getattr(reading, f"{item}_key_slice_id")) for item in sins.READING_ITEMS}
    # A shape is kept with the image it is drawn on (one no longer the item's key image is kept, as in the case).
    entry["annotations"] = [
        _values(annotation, ANNOTATION_FIELDS) | {"on": places[annotation.slice_id]}
        for annotation in reading.annotations.all()
        if annotation.slice_id in places
    ]
    return entry


def _add_image(archive: zipfile.ZipFile, file, present: set[str]) -> str:
    try:
        with file.storage.open(file.name, "rb") as stored:
            data = stored.read()
    except OSError:
        raise ExportError(f"The image file {file.name} is missing from storage: restore it, or remove its image "
                          "from the case, then export again.") from None  # fmt: skip
    extension = "png" if data.startswith(b"\x89PNG") else "jpg" if data.startswith(b"\xff\xd8") else None
    if extension is None:
        raise ExportError(f"The image file {file.name} is neither PNG nor JPEG: it cannot be archived.")
    name = f"images/{hashlib.sha256(data).hexdigest()}.{extension}"
    if name not in present:  # the same bytes under two storage names (a duplicated case's images) travel once
        archive.writestr(_member(name), data, compress_type=zipfile.ZIP_STORED)  # already compressed
        present.add(name)
    return name


def _member(name: str) -> zipfile.ZipInfo:
    # A fixed date and mode: the same cases give the same archive, byte for byte.
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o100644 << 16
    return info


# --- Import: reading and checking everything --------------------------------------------------------


@dataclass
class _Image:
    slice: Slice
    files: dict[str, str | None]  # Slice field -> archive name


@dataclass
class _Series:
    series: Series
    images: list[_Image]


@dataclass
class _Reading:
    reading: ReferenceReading
    key_images: dict[str, tuple[int, int] | None]
    annotations: list[tuple[Annotation, tuple[int, int]]]


@dataclass
class _Case:
    case: Case
    series: list[_Series]
    readings: list[_Reading]

    @property
    def image_count(self) -> int:
        return sum(len(series.images) for series in self.series)


class _Problems(list):
    """Every problem found, each with where it is; reading stops once there are more than we would show."""

    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}" if where else message)

    def full(self) -> bool:
        return len(self) > PROBLEMS_SHOWN

    def refusal(self) -> ValidationError:
        """The problems after one line that says nothing was imported, as every refusal of an archive begins."""
        shown = [_refused("the archive has these problems.").message, *self[:PROBLEMS_SHOWN]]
        if len(self) > PROBLEMS_SHOWN:
            shown.append("… and more problems after these.")
        return ValidationError(shown)


def _refused(message: str) -> ValidationError:
    return ValidationError(f"Nothing was imported: {message}")


_JSON_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
               dict: "an object", type(None): "null"}  # fmt: skip


def _json_kinds(model, name: str) -> tuple[type, ...]:
    """The JSON types a model field's value may have in the manifest."""
    model_field = model._meta.get_field(name)
    if isinstance(model_field, models.BooleanField):
        kinds = (bool,)
    elif isinstance(model_field, models.IntegerField):
        kinds = (int,)
    elif isinstance(model_field, models.FloatField):
        kinds = (float, int)
    elif isinstance(model_field, models.JSONField):
        kinds = (list,)
    else:
        kinds = (str,)
    return kinds + ((type(None),) if model_field.null else ())


def _has_kind(value, kinds: tuple[type, ...]) -> bool:
    # true and false are not numbers here, though Python's bool is an int; a number must be finite (1e400 reads
    # as infinity, and a 400-digit integer is no float at all).
    if type(value) is float or (type(value) is int and float in kinds):
        try:
            return float in kinds and math.isfinite(value)
        except OverflowError:
            return False
    return type(value) in kinds


def _object(value, keys, where: str, problems: _Problems) -> dict | None:
    """`value` if it is a JSON object with exactly `keys`, else None (and the problem noted)."""
    if not isinstance(value, dict):
        problems.add(where, f"must be an object, not {_JSON_NAMES.get(type(value), 'that')}")
        return None
    if missing := [key for key in keys if key not in value]:
        problems.add(where, "lacks " + ", ".join(f"“{key}”" for key in missing))
        return None
    if extra := sorted(str(key) for key in value if key not in keys):
        problems.add(where, "has fields this format does not know: " + ", ".join(f"“{key}”" for key in extra[:5]))
        return None
    return value


def _list(value, where: str, problems: _Problems) -> list:
    if not isinstance(value, list):
        problems.add(where, f"must be a list, not {_JSON_NAMES.get(type(value), 'that')}")
        return []
    return value


def _instance(model, value, names, extra_keys, where: str, problems: _Problems, *, exclude=(), clean=False):
    """An unsaved instance of `model` from a manifest object: its keys, the JSON type of each value, then the
    model's own field checks (choices, lengths, levels, ranges) and, with `clean`, its clean(). None if anything
    is wrong."""
    value = _object(value, (*names, *extra_keys), where, problems)
    if value is None:
        return None
    wrong = False
    for name in names:
        kinds = _json_kinds(model, name)
        if not _has_kind(value[name], kinds):
            given = _JSON_NAMES.get(type(value[name]), "that")
            if float in kinds and type(value[name]) in (int, float):
                given = "a number too large to use"
            wanted = " or ".join(_JSON_NAMES[k] for k in kinds if k is not int or float not in kinds)
            problems.add(where, f"“{name}” must be {wanted}, not {given}")
            wrong = True
    for name in names:
        wrong |= not _plain_text(value[name], f"“{name}”", where, problems)
    if wrong:
        return None
    instance = model(**{name: value[name] for name in names})
    try:
        instance.clean_fields(exclude=exclude)
        if clean:
            instance.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                problems.add(where, message if name == "__all__" else f"“{name}”: {message}")
        return None
    return instance


_no_nul = ProhibitNullCharactersValidator("holds a NUL character (\\u0000), which text may not contain")


def _plain_text(value, name: str, where: str, problems: _Problems) -> bool:
    """False (and the problem noted) for text with a NUL character, which PostgreSQL cannot store."""
    try:
        _no_nul(value)
    except ValidationError as error:
        problems.add(where, f"{name} {error.messages[0]}")
        return False
    return True


def _place(value, where: str, series: list[list], problems: _Problems) -> tuple[int, int] | None:
    """A reference to an image of the same case: {"series": s, "image": i}, both counted from 0."""
    value = _object(value, ("series", "image"), where, problems)
    if value is None:
        return None
    s, i = value["series"], value["image"]
    if type(s) is not int or type(i) is not int or not (0 <= s < len(series) and 0 <= i < len(series[s])):
        problems.add(where, f"points to series {s}, image {i}, which this case does not have")
        return None
    return s, i


def _read_case(value, number: int, problems: _Problems) -> _Case | None:
    slug = value.get("slug") if isinstance(value, dict) else None
    where = f"Case {number}" + (f" (“{slug}”)" if isinstance(slug, str) else "")
    before = len(problems)
    # The checks of publishing (the case's clean() among them) are made once the case is written; a series' own
    # clean() runs as it is read.
    case = _instance(Case, value, CASE_FIELDS, ("series", "readings"), where, problems,
                     exclude=["author", "created", "updated", "version"])  # fmt: skip
    if not isinstance(value, dict) or not {"series", "readings"} <= value.keys():
        return None  # said already; a case with a wrong field has its series and readings checked still
    series_before = len(problems)
    series_list = []
    for s, series_value in enumerate(_list(value["series"], f"{where}, its series", problems)):
        here = f"{where}, series {s}"
        series = _instance(
            Series, series_value, SERIES_FIELDS, ("images",), here, problems, exclude=["case", "ingest"], clean=True
        )
        if series is None:
            continue
        if series.orientation is not None and (
            len(series.orientation) != 6 or not all(_has_kind(v, (float,)) for v in series.orientation)
        ):
            problems.add(here, "“orientation” must be six numbers or null")
        made = []
        for i, image_value in enumerate(_list(series_value["images"], f"{here}, its images", problems)):
            there = f"{here}, image {i}"
            slice_ = _instance(Slice, image_value, IMAGE_FIELDS, ("files",), there, problems,
                               exclude=["series", *FILES.values()])  # fmt: skip
            if slice_ is None:
                continue
            files = _object(image_value["files"], FILES, f"{there}, its files", problems)
            if files is None:
                continue
            for key, name in files.items():
                if name is None and key in OPTIONAL_FILES:
                    continue
                if not isinstance(name, str) or not IMAGE_NAME.fullmatch(name):
                    problems.add(there, f"the {key.replace('_', '-')} file “{name}” is not a file name of this "
                                 "archive (images/ followed by the SHA-256 of its bytes, .png or .jpg)")  # fmt: skip
            made.append(_Image(slice_, {FILES[key]: name for key, name in files.items()}))
        series_list.append(_Series(series, made))
    if len(problems) > series_before:
        return None  # references to images need every series and image as the archive has them
    shape = [series.images for series in series_list]
    readings = []
    for r, reading_value in enumerate(_list(value["readings"], f"{where}, its readings", problems)):
        readings.append(_read_reading(reading_value, f"{where}, reading {r}", shape, problems))
    if sum(1 for reading in readings if reading and reading.reading.is_primary) > 1:
        problems.add(where, "has more than one primary expert reading")
    return _Case(case, series_list, readings) if len(problems) == before else None


def _read_reading(value, where: str, shape: list[list], problems: _Problems) -> _Reading | None:
    reading = _instance(ReferenceReading, value, READING_FIELDS, ("rationales", "key_images", "annotations"),
                        where, problems, exclude=["case", "reader", *(f"{i}_key_slice" for i in sins.READING_ITEMS)],
                        clean=True)  # fmt: skip
    if reading is None:
        return None
    rationales = _object(value["rationales"], sins.READING_ITEMS, f"{where}, its rationales", problems) or {}
    for item, text in rationales.items():
        if not isinstance(text, str):
            problems.add(f"{where}, its rationales", f"“{item}” must be text")
        elif _plain_text(text, f"“{item}”", f"{where}, its rationales", problems):
            setattr(reading, f"{item}_rationale", text)
    keys = _object(value["key_images"], sins.READING_ITEMS, f"{where}, its key images", problems) or {}
    key_images = {
        item: None if place is None else _place(place, f"{where}, the key image of “{item}”", shape, problems)
        for item, place in keys.items()
    }
    annotations, per_item = [], {}
    for a, annotation_value in enumerate(_list(value["annotations"], f"{where}, its annotations", problems)):
        here = f"{where}, annotation {a}"
        annotation = _instance(Annotation, annotation_value, ANNOTATION_FIELDS, ("on",), here, problems,
                               exclude=["reading", "slice"], clean=True)  # fmt: skip
        if annotation is None:
            continue
        if (place := _place(annotation_value["on"], here, shape, problems)) is not None:
            annotations.append((annotation, place))
        per_item[annotation.item] = per_item.get(annotation.item, 0) + 1
        if per_item[annotation.item] == Annotation.PER_ITEM_MAX + 1:
            problems.add(where, f"has more than {Annotation.PER_ITEM_MAX} shapes for “{annotation.item}”")
    return _Reading(reading, key_images, annotations)


def _read_manifest(data: bytes) -> dict:
    try:
        # NaN and Infinity are no coordinates or spacings; a deep nest or an endless number is no manifest.
        manifest = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise _refused(f"{MANIFEST} is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise _refused(
            f"{MANIFEST} is not valid JSON ({error.msg}, line {error.lineno} column {error.colno})."
        ) from None
    except (ValueError, RecursionError):
        raise _refused(f"{MANIFEST} is not valid JSON (a value it holds cannot be read).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refused(f"this is not a SINS Quiz case archive ({MANIFEST} does not say “format”: “{FORMAT}”).")
    version = manifest.get("version")
    if type(version) is not int:
        raise _refused(f"{MANIFEST} gives no format version.")
    if version != VERSION:
        newer = " It comes from a newer SINS Quiz: update this site first." if version > VERSION else ""
        raise _refused(f"the archive is in format version {version}; this SINS Quiz reads version {VERSION}.{newer}")
    return manifest


def _no_constant(name: str):
    raise ValueError(name)


# --- Import: writing ------------------------------------------------------------------------------------


@dataclass
class ImportedCase:
    pk: int
    title: str
    slug: str
    archived_slug: str
    status: str
    series: int
    images: int
    readings: int
    notes: list[str] = field(default_factory=list)

    @property
    def line(self) -> str:
        status = "published" if self.status == Case.Status.PUBLISHED else "a draft"
        return (
            f"Imported “{self.title}” as “{self.slug}” ({status}): {self.series} series, {self.images} "
            f"image{pluralize(self.images)}, {self.readings} expert reading{pluralize(self.readings)}."
        )


@dataclass
class Report:
    cases: list[ImportedCase]
    files: int  # image files stored

    @property
    def images(self) -> int:
        return sum(case.images for case in self.cases)

    @property
    def summary(self) -> str:
        count = len(self.cases)
        return f"Imported {count} case{pluralize(count)}, {self.images} image{pluralize(self.images)}."

    def lines(self) -> list[str]:
        return [text for case in self.cases for text in (case.line, *case.notes)] + [self.summary]


def import_archive(fileobj: BinaryIO, user=None, *, as_drafts: bool = False, max_total: int | None = None) -> Report:
    """Check a whole archive, then import its cases in one transaction; raise ValidationError (nothing written)
    with every problem found. A case whose slug is taken comes in as a new draft under a free slug; a published
    case stays published only if it passes the checks of publishing (and `as_drafts` is off). The archive may
    unpack to `max_total` bytes in all (by default settings.ARCHIVE_MAX_TOTAL_BYTES, for a web request)."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refused("the file is not a zip archive, or it is damaged.") from None
    with archive:
        names = _check_members(archive)
        budget = zips.Budget(max_total or settings.ARCHIVE_MAX_TOTAL_BYTES)
        manifest = _read_manifest(_read_member(archive, names[MANIFEST], MANIFEST_MAX_BYTES, budget))
        problems = _Problems()
        cases = []
        for number, value in enumerate(_list(manifest.get("cases"), f"{MANIFEST}, its “cases”", problems)):
            if problems.full():
                break
            cases.append(_read_case(value, number, problems))
        if extra := sorted(set(manifest) - {"format", "version", "cases"}):
            problems.add(MANIFEST, "has fields this format does not know: " + ", ".join(extra[:5]))
        slugs = [plan.case.slug for plan in cases if plan]
        if len(set(slugs)) != len(slugs):
            problems.add(MANIFEST, "names two cases by the same slug")
        if not problems:
            _check_images(archive, names, [plan for plan in cases if plan], budget, problems)
        if problems:
            raise problems.refusal()
        return _write(archive, names, cases, user, as_drafts=as_drafts)


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by name, once each, all safe to open and all of a name the format has."""
    names = {}
    for info in archive.infolist():
        problem = zips.member_problem(info)
        if problem is None and info.filename in names:
            problem = "is in the archive twice"
        if problem is None and info.is_dir():
            continue
        if problem is None and info.filename != MANIFEST and not IMAGE_NAME.fullmatch(info.filename):
            problem = "is not a file this format has (only manifest.json and images/)"
        if problem:
            raise _refused(f"“{info.filename[:200]}” {problem}.")
        names[info.filename] = info
    if MANIFEST not in names:
        raise _refused(f"the archive has no {MANIFEST}: it is not a SINS Quiz case archive.")
    return names


def _read_member(archive, info, limit: int, budget) -> bytes:
    """A member's bytes, unpacked within `limit` and the archive's budget; an image's name must be the SHA-256 of
    its bytes."""
    try:
        with zips.unpacked(archive, info, limit=limit, max_ratio=settings.DICOM_MAX_RATIO, budget=budget) as file:
            data = file.read()
    except zips.Unsafe as unsafe:
        raise _refused(f"“{info.filename}” {unsafe}.") from None
    if info.filename != MANIFEST and not info.filename.startswith(f"images/{hashlib.sha256(data).hexdigest()}."):
        raise _refused(f"“{info.filename}” does not hold the bytes its name promises: the archive is damaged.")
    return data


def _check_images(archive, names: dict, cases: list[_Case], budget, problems: _Problems) -> None:
    """Every file the manifest names is in the archive and passes the upload's checks; every file of the
    archive is named; an original's size is its image's."""
    used: dict[str, list[_Image]] = {}
    for plan in cases:
        for series in plan.series:
            for image in series.images:
                for name in image.files.values():
                    if name is not None:
                        used.setdefault(name, []).append(image)
    if missing := sorted(set(used) - set(names)):
        problems.add(
            MANIFEST,
            f"names {len(missing)} image file{pluralize(missing)} the archive does not hold, such as “{missing[0]}”",
        )
        return
    if unused := sorted(set(names) - set(used) - {MANIFEST}):
        problems.add(
            "The archive",
            f"holds {len(unused)} file{pluralize(unused)} the manifest does not name, such as “{unused[0]}”",
        )
        return
    for name, users in used.items():
        if problems.full():
            return
        data = _read_member(archive, names[name], images.stored_max_bytes(), budget)
        try:
            picture = images.check_stored(ContentFile(data, name=name), name)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        if picture.format != EXTENSION_FORMATS[name.rsplit(".", 1)[1]]:
            problems.add(name, f"is a {picture.format} file under another format's name")
        for image in users:
            roles = [slice_field for slice_field, file_name in image.files.items() if file_name == name]
            if problem := next(filter(None, (_size_problem(picture.size, image.slice, r) for r in roles)), None):
                problems.add(name, problem)
                break


# The longest side of each derivative (cases/images.py makes them); an original has its manifest's size.
DERIVATIVE_MAX_SIDE = {"web": images.WEB_MAX_SIDE, "bone": images.WEB_MAX_SIDE, "soft_tissue": images.WEB_MAX_SIDE,
                       "thumbnail": images.THUMBNAIL_MAX_SIDE}  # fmt: skip


def _size_problem(size: tuple[int, int], slice_: Slice, slice_field: str) -> str | None:
    """Why a file's pixel size does not suit its place: an original must have the image's size; a derivative must
    fit its limit and keep the original's shape, to a pixel of rounding (it is drawn over the same annotations)."""
    (w, h), (width, height) = size, (slice_.width, slice_.height)
    if slice_field == "image":
        if (w, h) != (width, height):
            return f"is {w} × {h} pixels, but the manifest says {width} × {height}"
        return None
    kind, most = slice_field.replace("_", "-"), DERIVATIVE_MAX_SIDE[slice_field]
    if max(w, h) > most:
        return f"is {w} × {h} pixels, more than a {kind} file may be ({most} on its longer side)"
    # Within one pixel on the shorter side of the scaled original: |h − height × w / width| ≤ 1, without division.
    off = abs(h * width - height * w) > width if width >= height else abs(w * height - width * h) > height
    if off:
        return f"is {w} × {h} pixels, not the shape of its original ({width} × {height}), as a {kind} file must be"
    return None


def _write(archive, names: dict, cases: list[_Case], user, *, as_drafts: bool) -> Report:
    stored: dict[tuple[str, str], str] = {}  # (folder, archive name) -> storage name
    written: list[str] = []

    def store(slice_field: str, name: str | None) -> str:
        if name is None:
            return ""
        model_field = Slice._meta.get_field(slice_field)
        key = (str(model_field.upload_to), name)
        if key not in stored:
            # Checked already; read again rather than kept, so that memory stays flat whatever the archive's size.
            data = _read_member(archive, names[name], images.stored_max_bytes(), None)
            # A random name, like an upload's: never the archive's name, which says nothing a viewer needs.
            target = model_field.generate_filename(None, f"{secrets.token_urlsafe(16)}.{name.rsplit('.', 1)[1]}")
            stored[key] = model_field.storage.save(target, ContentFile(data))
            written.append(stored[key])
        return stored[key]

    try:
        with transaction.atomic():
            free = _free_slugs([plan.case.slug for plan in cases])
            imported = [_write_case(plan, user, store, as_drafts=as_drafts, free=free) for plan in cases]
    except BaseException as error:
        for name in written:
            Slice._meta.get_field("image").storage.delete(name)
        if isinstance(error, DatabaseError):
            raise _refused(f"the database refused it ({type(error).__name__}). Try again.") from error
        raise
    return Report(imported, len(written))


def _free_slugs(slugs: list[str]) -> dict[str, str]:
    """For each of the archive's slugs that a case here has already, a free one: taken neither here nor by another
    case of the archive (with "x" here and "x" and "x-2" in the archive, the archive's "x" becomes "x-3")."""
    taken = set(Case.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    avoid, free = set(slugs), {}
    for slug in slugs:
        if slug in taken:
            free[slug] = unique_slug(slug, avoid)
            avoid.add(free[slug])
    return free


def _write_case(plan: _Case, user, store, *, as_drafts: bool, free: dict[str, str]) -> ImportedCase:
    case = plan.case
    archived_slug, wanted = case.slug, case.status
    notes = []
    clash = archived_slug in free
    if clash:
        case.slug = free[archived_slug]
        notes.append(f"A case here has the slug “{archived_slug}” already, and was left as it is: this one came "
                     f"in as the new draft “{case.slug}”. Compare the two before you publish it.")  # fmt: skip
    case.status = Case.Status.DRAFT
    case.author = user
    case.save()
    slices = []
    for series_plan in plan.series:
        series = series_plan.series
        series.case = case
        series.save()
        row = []
        for image in series_plan.images:
            slice_ = image.slice
            slice_.series = series
            for slice_field, name in image.files.items():
                setattr(slice_, slice_field, store(slice_field, name))
            row.append(slice_)
        slices.append(Slice.objects.bulk_create(row))
    for reading_plan in plan.readings:
        reading = reading_plan.reading
        reading.case = case
        for item, place in reading_plan.key_images.items():
            setattr(reading, f"{item}_key_slice", slices[place[0]][place[1]] if place else None)
        reading.save()
        for annotation, (s, i) in reading_plan.annotations:
            annotation.reading, annotation.slice = reading, slices[s][i]
        bulk_create_with_history(
            [annotation for annotation, _ in reading_plan.annotations], Annotation, default_user=user
        )
    # A new case here, whatever its history elsewhere.
    Case.objects.filter(pk=case.pk).update(version=1, reference_changed=None)
    if wanted == Case.Status.PUBLISHED and not clash:  # after a clash, the new draft waits for the educator
        if as_drafts:
            notes.append("Imported as a draft, as you asked: publish it when you have checked it.")
        else:
            case.status = Case.Status.PUBLISHED
            if problems := case.publication_problems():
                case.status = Case.Status.DRAFT
                notes.append("Published where it came from, but kept as a draft here: " + " ".join(problems))
            else:
                case.save(update_fields=["status", "updated"])
    return ImportedCase(case.pk, case.title, case.slug, archived_slug, case.status, len(plan.series), plan.image_count,
                        len(plan.readings), notes)  # fmt: skip
