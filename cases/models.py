"""The case library: teaching cases, their image series and slices, and the expert reference readings."""

import math
import os
import re
import secrets
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

import simple_history
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst, slugify

from cases import images
from cases.fields import LevelChoiceField
from sinsquiz import grading, sins


class LevelField(models.CharField):
    """A vertebral level code, normalised and validated by sins.py; a drop-down in forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return value
        try:
            return sins.normalise_level(value)
        except sins.SinsError as error:
            raise ValidationError(str(error), code="invalid_level") from None

    def formfield(self, **kwargs):
        # A grouped drop-down, even where the admin would offer its text input for a CharField.
        options = {key: kwargs[key] for key in ("required", "label", "help_text", "initial") if key in kwargs}
        options = {"required": not self.blank, "label": capfirst(self.verbose_name), "help_text": self.help_text,
                   **options}  # fmt: skip
        return LevelChoiceField(**options)


class Reading(models.Model):
    """The fields of one reading of a case, shared by the expert's reference and the trainee's attempt.

    Option codes come from sins.py. Every item may be blank in the database, because a trainee's draft
    is saved as it is filled in; a reference reading is checked for completeness in clean().
    """

    level = LevelField("index level", blank=True)
    location = models.CharField(max_length=16, choices=sins.LOCATION.choices, blank=True)
    pain = models.CharField(max_length=16, choices=sins.PAIN.choices, blank=True)
    bone_lesion = models.CharField(max_length=16, choices=sins.BONE_LESION.choices, blank=True)
    alignment = models.CharField(max_length=16, choices=sins.ALIGNMENT.choices, blank=True)
    collapse = models.CharField(max_length=16, choices=sins.COLLAPSE.choices, blank=True)
    posterolateral = models.CharField(max_length=16, choices=sins.POSTEROLATERAL.choices, blank=True)
    absent_pedicle = models.CharField(
        "absent pedicle sign", max_length=16, choices=[(c.code, c.label) for c in sins.ABSENT_PEDICLE], blank=True
    )
    tomita = models.PositiveSmallIntegerField(
        "Tomita type", choices=[(t.type, t.label) for t in sins.TOMITA_TYPES], null=True, blank=True
    )
    escc = models.CharField(
        "ESCC grade", max_length=2, choices=[(g.code, g.choice_label) for g in sins.ESCC_GRADES], blank=True
    )
    # Computed by sins.py on save, so lists and dashboards can filter and aggregate in SQL.
    total = models.PositiveSmallIntegerField("SINS total", null=True, editable=False)
    category = models.CharField(
        max_length=24, choices=[(c.code, c.label) for c in sins.CATEGORIES], blank=True, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refresh_score()
        super().save(*args, **kwargs)

    def to_reading(self) -> sins.Reading:
        return sins.Reading(**{item: getattr(self, item) or None for item in sins.READING_ITEMS})

    def refresh_score(self) -> None:
        score = self.to_reading().score
        self.total = score.total if score else None
        self.category = score.category if score else ""

    def clean_location(self) -> None:
        """The location class must be the one the level lies in."""
        if self.level and self.location:
            expected = sins.location_for_level(self.level)
            if self.location != expected:
                raise ValidationError(
                    {"location": f"{sins.explain_location(self.level)}, so the location must be {expected}."}
                )


class CaseQuerySet(models.QuerySet):
    def bump_version(self, *, answers: bool) -> int:
        """A new version of the reference. The time goes with the number, so a trainee can be told when the
        reference they were graded against was corrected. `answers`: the experts' answers changed, not only the
        teaching around them (reasoning, key images, shapes), which puts the grades given before in question."""
        answers_version = {"answers_version": F("version") + 1} if answers else {}
        return self.update(version=F("version") + 1, reference_changed=timezone.now(), **answers_version)

    def published(self):
        return self.filter(status=Case.Status.PUBLISHED)

    def drafts(self):
        return self.filter(status=Case.Status.DRAFT)

    def visible_to(self, user):
        """Educators (staff) see every case, drafts included, to preview them; everyone else published ones."""
        return self if user.is_staff else self.published()

    def with_cover(self):
        """Annotate the thumbnail of the first slice of the first series, for the case list."""
        first_slice = (
            Slice.objects.shown().filter(series__case=OuterRef("pk")).order_by("series__order", "series", "position")
        )
        return self.annotate(cover=Subquery(first_slice.values("thumbnail")[:1]))

    def unfinishable(self):
        """Cases a trainee cannot finish: no image to read, or no complete primary expert reading to be graded
        against (publication refuses either, but a reading or a series can be deleted later)."""
        graded = ReferenceReading.objects.primary().complete().filter(case=OuterRef("pk"))
        return self.annotate(
            graded=Exists(graded), illustrated=Exists(Slice.objects.shown().filter(series__case=OuterRef("pk")))
        ).filter(Q(graded=False) | Q(illustrated=False))


class Case(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    class PriorTreatment(models.TextChoices):
        NONE = "none", "None"
        CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
        RADIOTHERAPY = "radiotherapy", "Radiotherapy"
        BOTH = "both", "Chemotherapy and radiotherapy"

    class Region(models.TextChoices):
        # What the images show, chosen by the author: never derived from the hidden index level.
        CERVICAL = "cervical", "Cervical"
        CERVICOTHORACIC = "cervicothoracic", "Cervicothoracic"
        THORACIC = "thoracic", "Thoracic"
        THORACOLUMBAR = "thoracolumbar", "Thoracolumbar"
        LUMBAR = "lumbar", "Lumbar"
        LUMBOSACRAL = "lumbosacral", "Lumbosacral"
        SACRAL = "sacral", "Sacral"

    # The parts of the spine (sins.region_for_level) each imaged region shows.
    REGION_COVERS = {
        Region.CERVICAL: {"cervical"},
        Region.CERVICOTHORACIC: {"cervical", "thoracic"},
        Region.THORACIC: {"thoracic"},
        Region.THORACOLUMBAR: {"thoracic", "lumbar"},
        Region.LUMBAR: {"lumbar"},
        Region.LUMBOSACRAL: {"lumbar", "sacral"},
        Region.SACRAL: {"sacral"},
    }

    class Difficulty(models.IntegerChoices):
        INTRODUCTORY = 1, "Introductory"
        INTERMEDIATE = 2, "Intermediate"
        ADVANCED = 3, "Advanced"

    title = models.CharField(max_length=200, help_text="Neutral: it is shown before the trainee answers.")
    slug = models.SlugField(
        max_length=200, unique=True, help_text="In the address bar: keep it neutral, like the title."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    age = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(120)])
    sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)
    primary_tumour = models.CharField(max_length=120, blank=True, help_text="For example: breast carcinoma.")
    prior_treatment = models.CharField(max_length=16, choices=PriorTreatment.choices, default=PriorTreatment.NONE)
    presentation = models.TextField(blank=True, help_text="The clinical presentation, as the referrer gives it.")
    pain_statement = models.TextField(
        blank=True,
        help_text="Required to publish. Pain is scored from the history, never from the images: say when the pain "
        "comes and what eases it.",
    )
    index_level = LevelField(
        blank=True,
        help_text="The level the expert reading scores: the primary reading takes it, so it is entered only here. "
        "Hidden from trainees until they commit; a draft may leave it for later.",
    )
    region = models.CharField(
        "imaged region",
        max_length=16,
        choices=Region.choices,
        blank=True,
        help_text="What the images cover, shown to trainees and used by the case list's filter. Describe the "
        "images, not the lesion: naming the lesion's region can give the index level away at a junction. "
        "Required to publish.",
    )
    asks_escc = models.BooleanField(
        "ask for the ESCC grade", default=False, help_text="Trainees grade epidural cord compression (axial T2)."
    )
    teaching_points = models.TextField(blank=True, help_text="Plain text; shown after the trainee commits.")
    discussion = models.TextField(blank=True, help_text="Plain text; shown after the trainee commits.")
    difficulty = models.PositiveSmallIntegerField(choices=Difficulty.choices, default=Difficulty.INTERMEDIATE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up whenever the reference changes."
    )
    reference_changed = models.DateTimeField(
        "reference last corrected", null=True, blank=True, editable=False, help_text="When the version last went up."
    )
    answers_version = models.PositiveIntegerField(
        default=1, editable=False, help_text="The version at which the experts' answers last changed."
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        indexes = [
            models.Index(fields=["status", "region"]),
            models.Index(fields=["status", "difficulty"]),
            models.Index(fields=["status", "index_level"]),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.index_level:
            self.index_level = sins.normalise_level(self.index_level)
        updating = self.pk is not None and not self._state.adding
        level_changed = updating and Case.objects.filter(pk=self.pk).exclude(index_level=self.index_level).exists()
        if updating and kwargs.get("update_fields") is None:
            # The version is only ever bumped in the database, so a stale copy in memory cannot undo a bump.
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields if not f.primary_key]
            for bumped in ("version", "reference_changed", "answers_version"):
                kwargs["update_fields"].remove(bumped)
        super().save(*args, **kwargs)
        if level_changed:
            Case.objects.filter(pk=self.pk).bump_version(answers=True)
            self.refresh_from_db(fields=["version", "reference_changed", "answers_version"])

    def get_absolute_url(self) -> str:
        return reverse("case", args=[self.slug])

    def clean(self) -> None:
        if self.status == self.Status.PUBLISHED:
            errors = {}
            if not self.index_level:
                errors["index_level"] = "A published case needs an index level: the level the expert reading scores."
            if not self.region:
                errors["region"] = "A published case needs its imaged region: trainees see it and filter by it."
            elif not self.region_shows_index_level():
                errors["region"] = (
                    f"The index level, {sins.level_label(self.index_level)}, is not in the imaged region "
                    f"({self.get_region_display().lower()}): correct one of them."
                )
            if not self.pain_statement.strip():
                errors["pain_statement"] = (
                    "A published case needs a pain statement: pain is scored from the history, never from the images."
                )
            if not self.has_images():
                errors["status"] = (
                    "A published case needs at least one image: add a series with its images (Series, on the case's "
                    "page), save, then publish."
                )
            for name in self.SHOWN_BEFORE_COMMIT:
                if self.names_index_level(getattr(self, name)):
                    errors[name] = self.names_level_message()
            if errors:
                raise ValidationError(errors)

    # What a trainee reads before committing: none of it may name the index level.
    SHOWN_BEFORE_COMMIT = ("title", "slug", "primary_tumour", "presentation", "pain_statement")

    def region_shows_index_level(self) -> bool:
        try:
            return sins.region_for_level(self.index_level) in self.REGION_COVERS.get(self.region, ())
        except sins.SinsError:
            return True  # no valid index level yet: clean_fields says so

    def names_index_level(self, text: str) -> bool:
        try:
            return sins.names_level(text, self.index_level)
        except sins.SinsError:
            return False  # no valid index level yet: clean_fields says so

    def names_level_message(self) -> str:
        return (
            f"Trainees read this before they answer, and it names the index level "
            f"({sins.level_label(self.index_level)}): describe the patient, not the answer."
        )

    def level_named_in_series(self) -> list[str]:
        """The series whose name or description, or one of whose images' text, names the index level."""
        if not self.pk:
            return []
        return [
            series.label
            for series in self.series.select_related("case").prefetch_related("slices")
            if series.names_index_level(series.sequence)
            or series.names_index_level(series.description)
            or series.images_name_index_level()
        ]

    def has_images(self) -> bool:
        return bool(self.pk) and Slice.objects.shown().filter(series__case=self).exists()

    def publication_problems(self, readings=None) -> list[str]:
        """Why the case cannot be published as it stands (an empty list when it can).

        `readings` lets the admin check readings that are being edited and are not saved yet.
        """
        problems = []
        try:
            self.clean_fields()
            self.clean()
        except ValidationError as error:
            problems += error.messages
        if self.status == self.Status.PUBLISHED and (named := self.level_named_in_series()):
            problems.append(
                f"A series or an image's text names the index level: {', '.join(named)}. " + self.names_level_message()
            )
        problems += reading_problems(self, self.readings.all() if readings is None else readings)
        return problems

    @property
    def primary_reading(self) -> "ReferenceReading | None":
        return self.readings.filter(is_primary=True).first()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def title_for_trainees(self) -> str:
        """How a trainee's lists name the case: a case unpublished since is being reworked, and its draft title
        (which may carry an author's notes) is the educators'."""
        return self.title if self.is_published else "A withdrawn case"


# Sent by the admin with `cases`, published cases an educator (`by`) has just put back to draft; each receiver
# returns what the educator should know of it (case sets: the open assignments of their cohorts that hold them).
# The library never imports its receivers.
unpublished = Signal()


def unique_slug(text: str, avoid: Collection[str] = ()) -> str:
    """A slug made from `text` that no case has yet, nor is in `avoid`: "spine-case", else "spine-case-2"…"""
    base = slugify(text)[:190] or "case"
    slug, n = base, 2
    while slug in avoid or Case.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def reading_problems(case: Case, readings) -> list[str]:
    """What stops `readings` from being the reference of a published case, each problem said once."""
    if case.status != Case.Status.PUBLISHED:
        return []
    problems = []
    primaries = [reading for reading in readings if reading.is_primary]
    if len(primaries) != 1:
        problems.append(f"A published case needs exactly one primary expert reading; it has {len(primaries)}.")
    for reading in readings:
        # An expert's location class follows from the level: a missing level is the problem to name.
        # A reading that follows a case with no index level yet: the case's own check names the level.
        said = {"location", "level"} if not case.index_level else {"location"}
        missing = [item for item in reading.to_reading().missing(escc_required=case.asks_escc) if item not in said]
        whose = "The primary reading" if reading.is_primary else f"The reading by {reading.reader_name}"
        if missing:
            labels = ", ".join(sins.in_sentence(sins.ITEM_LABELS[item]) for item in missing)
            problems.append(f"{whose} must give every item the case asks for; it lacks: {labels}.")
        elif contradictions := grading.contradictions(reading.to_reading()):
            # Else a trainee who answers exactly as the reference would be told their answers disagree.
            told = " ".join(f"“{text}”" for text in contradictions)
            problems.append(f"{whose} contradicts itself; a trainee answering the same would be told: {told}")
    if len(primaries) == 1 and case.index_level and primaries[0].level not in ("", case.index_level):
        problems.append(
            f"The primary reading scores {sins.level_label(primaries[0].level)}, but the case's index level is "
            f"{sins.level_label(case.index_level)}."
        )
    return problems


@dataclass(frozen=True)
class Window:
    """A window the viewer offers on a series from DICOM: which 8-bit derivative shows it, and its numbers in the
    modality's units (Hounsfield units for CT)."""

    name: str  # the Slice field holding the derivative: "web" (the study's own), "bone", "soft_tissue"
    key: str  # its name in the viewer's markup: data-src, data-bone, data-soft on each image's link
    label: str
    width: float
    level: float

    @property
    def text(self) -> str:
        """ "Bone (W 2000 / L 500)": the numbers as a radiologist reads them."""
        return f"{self.label} (W {_number(self.width)} / L {_number(self.level)})"


def _number(value: float) -> str:
    return f"{round(value)}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


# The CT windows every CT series from DICOM has as derivatives, besides the study's own (their numbers are the
# pipeline's, cases/images.py).
BONE_WINDOW = Window("bone", "bone", "Bone", *images.BONE_WINDOW)
SOFT_TISSUE_WINDOW = Window("soft_tissue", "soft", "Soft tissue", *images.SOFT_TISSUE_WINDOW)


@dataclass(frozen=True)
class PublicImage:
    """One image as the viewer needs it: its derivatives (never the original), sizes and description."""

    pk: int
    web_name: str
    thumbnail_name: str
    width: int
    height: int
    alt_text: str
    # CT from DICOM only: the same image in the bone and soft-tissue windows (empty otherwise).
    bone_name: str = ""
    soft_tissue_name: str = ""

    # URLs only where a template draws them: with S3 each is signed, which takes a while and expires.
    @property
    def web(self) -> str:
        return default_storage.url(self.web_name)

    @property
    def thumbnail(self) -> str:
        return default_storage.url(self.thumbnail_name)

    @property
    def bone(self) -> str:
        return default_storage.url(self.bone_name) if self.bone_name else ""

    @property
    def soft_tissue(self) -> str:
        return default_storage.url(self.soft_tissue_name) if self.soft_tissue_name else ""


@dataclass(frozen=True)
class PublicSeries:
    pk: int
    label: str
    description: str
    images: tuple[PublicImage, ...]
    # A series from DICOM: the windows it can be shown in, the study's own first; none for picture uploads,
    # which keep the viewer's brightness and contrast.
    windows: tuple[Window, ...] = ()
    unit: str = ""  # of the window's numbers: "HU" for CT

    @classmethod
    def of(cls, series: "Series") -> "PublicSeries":
        """From a series whose slices are prefetched."""
        images = tuple(
            PublicImage(
                s.pk,
                s.web.name,
                s.thumbnail.name,
                s.width,
                s.height,
                s.alt_text,
                bone_name=s.bone.name or "",
                soft_tissue_name=s.soft_tissue.name or "",
            )
            for s in series.slices.all()
        )
        unit = "HU" if series.modality == Series.Modality.CT else ""
        return cls(series.pk, series.label, series.description, images, cls.windows_of(series, images), unit)

    @staticmethod
    def windows_of(series: "Series", images: tuple[PublicImage, ...]) -> tuple[Window, ...]:
        """The study's own window when the series has one (DICOM), then for CT bone and soft tissue, where every
        image has that derivative."""
        if series.window_width is None or series.window_center is None or series.window_width <= 0:
            return ()
        windows = [Window("web", "src", "Study", series.window_width, series.window_center)]
        if series.modality == Series.Modality.CT and images:
            if all(image.bone_name for image in images):
                windows.append(BONE_WINDOW)
            if all(image.soft_tissue_name for image in images):
                windows.append(SOFT_TISSUE_WINDOW)
        return tuple(windows)

    @property
    def start_index(self) -> int:
        """The viewer opens a stack in its middle: the midline of a sagittal series, the pedicles of an axial."""
        return len(self.images) // 2

    @property
    def start_image(self) -> PublicImage | None:
        return self.images[self.start_index] if self.images else None


SERIES_SECONDS = 24 * 3600


def public_series(case: "Case") -> tuple[PublicSeries, ...]:
    """The case's image series, in order, as the viewer shows them: kept in the cache until the case changes
    (any change to its series or images moves `updated`)."""
    return cache.get_or_set(
        f"case-series:{case.pk}:{case.updated.timestamp()}",
        lambda: tuple(PublicSeries.of(series) for series in case.series.prefetch_related("slices")),
        SERIES_SECONDS,
    )


@dataclass(frozen=True)
class PublicCase:
    """What a trainee may see of a case before committing: the history and the images, never the reference.

    Views hand this to templates instead of the Case, so the reference is not in the context at all.
    """

    pk: int
    slug: str
    title: str
    age: int | None
    sex: str
    primary_tumour: str
    prior_treatment: str
    presentation: str
    pain_statement: str
    region: str
    difficulty: int
    difficulty_label: str
    asks_escc: bool
    is_published: bool
    updated: object = None  # when the case, its series or its images last changed (keys cached fragments)
    cover: str = ""
    modalities: tuple[str, ...] = ()
    done: bool = False

    @classmethod
    def of(cls, case: Case, **extra) -> "PublicCase":
        return cls(
            pk=case.pk,
            slug=case.slug,
            title=case.title,
            age=case.age,
            sex=case.get_sex_display() if case.sex else "",
            primary_tumour=case.primary_tumour,
            prior_treatment=case.get_prior_treatment_display(),
            presentation=case.presentation,
            pain_statement=case.pain_statement,
            region=case.get_region_display(),
            difficulty=case.difficulty,
            difficulty_label=case.get_difficulty_display(),
            asks_escc=case.asks_escc,
            is_published=case.is_published,
            updated=case.updated,
            **extra,
        )

    def get_absolute_url(self) -> str:
        return reverse("case", args=[self.slug])


class ReadySeriesManager(models.Manager):
    """Series a DICOM import is still making (or failed to finish) do not exist for the rest of the app."""

    def get_queryset(self):
        return super().get_queryset().filter(ready=True)


# MRI weightings, not the levels T1 and T2: "T1-weighted" and "T2W" anywhere, a bare "T2" on an MRI series.
WEIGHTINGS = re.compile(r"\bT[12](?:[\s-]?weighted|WI?)\b", re.IGNORECASE)
MR_WEIGHTINGS = re.compile(r"\bT[12]\b", re.IGNORECASE)


class Series(models.Model):
    class Modality(models.TextChoices):
        RADIOGRAPH = "radiograph", "Radiograph"
        CT = "ct", "CT"
        MRI = "mri", "MRI"
        # Only from DICOM, after the educator confirms they checked the images for burned-in text (DICOM_ONLY:
        # the admin's series form does not offer them for picture uploads).
        ULTRASOUND = "us", "Ultrasound"
        OTHER = "other", "Other imaging"

    DICOM_ONLY = {Modality.ULTRASOUND, Modality.OTHER}

    class Plane(models.TextChoices):
        AP = "ap", "AP"
        LATERAL = "lateral", "Lateral"
        SAGITTAL = "sagittal", "Sagittal"
        AXIAL = "axial", "Axial"
        CORONAL = "coronal", "Coronal"

    case = models.ForeignKey(Case, related_name="series", on_delete=models.CASCADE)
    modality = models.CharField(max_length=16, choices=Modality.choices)
    plane = models.CharField(max_length=16, choices=Plane.choices)
    sequence = models.CharField(
        "sequence or window",
        max_length=60,
        blank=True,
        help_text="For example: T1, T2, STIR, T1 C+ fat-sat, CT bone window.",
    )
    description = models.CharField(
        max_length=200, blank=True, help_text="Shown to trainees before they answer: keep it neutral."
    )
    order = models.PositiveSmallIntegerField(default=0)
    # A DICOM import makes its series hidden and shows them once every image is made; a failed import removes
    # what it made. Series.objects leaves hidden series out, but Slice.objects does not: a query of slices that
    # a person sees (the media view, has_images, the key-image picker) goes through Slice.objects.shown().
    ready = models.BooleanField(default=True, editable=False)
    ingest = models.ForeignKey(
        "Ingest", null=True, blank=True, editable=False, related_name="series", on_delete=models.SET_NULL
    )
    # The technical fields a DICOM series brings, and nothing else of its header (all empty for picture uploads).
    # Values are in the modality's units: Hounsfield units for CT.
    window_center = models.FloatField(null=True, blank=True, editable=False, help_text="The study's own window.")
    window_width = models.FloatField(null=True, blank=True, editable=False)
    rescale_slope = models.FloatField(
        null=True, blank=True, editable=False, help_text="Stored 16-bit original value × slope + intercept = units."
    )
    rescale_intercept = models.FloatField(null=True, blank=True, editable=False)
    row_spacing = models.FloatField("row spacing (mm)", null=True, blank=True, editable=False)
    column_spacing = models.FloatField("column spacing (mm)", null=True, blank=True, editable=False)
    slice_spacing = models.FloatField("slice spacing (mm)", null=True, blank=True, editable=False)
    orientation = models.JSONField(
        null=True, blank=True, editable=False, help_text="Direction cosines of the rows and columns (six numbers)."
    )

    with_unfinished = models.Manager()  # for the import that makes them
    objects = ReadySeriesManager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "series"
        default_manager_name = "objects"
        base_manager_name = "with_unfinished"

    def __str__(self) -> str:
        return f"{self.case} · {self.label}"

    def clean(self) -> None:
        errors = {}
        if self.modality == self.Modality.RADIOGRAPH and self.plane not in {self.Plane.AP, self.Plane.LATERAL}:
            errors["plane"] = "A radiograph is a projection: choose AP or lateral."
        case = self.case if self.case_id or Series.case.is_cached(self) else None  # a new case's inline: cached
        if case and case.is_published:
            for name in ("sequence", "description"):
                if self.names_index_level(getattr(self, name)):
                    errors[name] = case.names_level_message()
        if errors:
            raise ValidationError(errors)

    def names_index_level(self, text: str) -> bool:
        """Whether a text of the series names its case's index level. On MRI, "T1" and "T2" are weightings."""
        text = WEIGHTINGS.sub(" ", text)
        if self.modality == self.Modality.MRI:
            text = MR_WEIGHTINGS.sub(" ", text)
        return self.case.names_index_level(text)

    def images_name_index_level(self) -> bool:
        """Whether one of the series' images' text names its case's index level."""
        return any(self.names_index_level(slice_.alt_text) for slice_ in self.slices.all())

    @property
    def label(self) -> str:
        """How the series is named in the viewer: "Sagittal T2 MRI", "AP radiograph", "Axial CT bone window"."""
        plane = self.get_plane_display()
        if self.modality == self.Modality.RADIOGRAPH:
            return f"{plane} radiograph"
        if self.modality == self.Modality.CT:
            return " ".join(filter(None, [plane, "CT", self.sequence.removeprefix("CT ")]))
        return " ".join(filter(None, [plane, self.sequence, self.get_modality_display()]))


def _random_name(extension: str) -> str:
    # Uploaded file names can carry patient names or record numbers, and must not hint at the answer.
    return f"{secrets.token_urlsafe(16)}.{extension}"


class SliceQuerySet(models.QuerySet):
    def shown(self):
        """Slices of finished series (not those a DICOM import is still making)."""
        return self.filter(series__ready=True)

    def next_position(self, series: Series) -> int:
        last = self.filter(series=series).aggregate(models.Max("position"))["position__max"]
        return 0 if last is None else last + 1


class Slice(models.Model):
    series = models.ForeignKey(Series, related_name="slices", on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)
    # Indexed: the media view looks every request up by file name, to check who may see it.
    image = models.ImageField(upload_to="cases/slices", editable=False, db_index=True)
    web = models.ImageField("web derivative", upload_to="cases/web", editable=False, db_index=True)
    thumbnail = models.ImageField(upload_to="cases/thumbs", editable=False, db_index=True)
    # CT from DICOM: the bone (W 2000 / L 500) and soft-tissue (W 400 / L 40) windows; `web` is the study's own.
    bone = models.ImageField("bone window", upload_to="cases/web", blank=True, editable=False, db_index=True)
    soft_tissue = models.ImageField(
        "soft-tissue window", upload_to="cases/web", blank=True, editable=False, db_index=True
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    alt_text = models.CharField(
        max_length=300,
        help_text="What the image shows, for screen readers, without giving the answer away: "
        "'Sagittal T2 MRI of the thoracic spine, image 3 of 9'.",
    )

    objects = SliceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.series.label} · image {self.position + 1}"

    def clean(self) -> None:
        case = self.series.case if self.series_id else None
        if case and case.is_published and self.series.names_index_level(self.alt_text):
            raise ValidationError({"alt_text": case.names_level_message()})

    def set_image(self, processed: images.ProcessedImage) -> None:
        """Store a processed upload and its derivatives under random names (through the storage API)."""
        self.width, self.height = processed.width, processed.height
        try:
            self.image.save(_random_name(processed.extension), processed.original, save=False)
            self.web.save(_random_name("jpg"), processed.web, save=False)
            self.thumbnail.save(_random_name("jpg"), processed.thumbnail, save=False)
            for name in ("bone", "soft_tissue"):
                if (content := getattr(processed, name)) is not None:
                    getattr(self, name).save(_random_name("jpg"), content, save=False)
        except BaseException:
            self.delete_files()  # the files written before the one that failed
            raise

    def delete_files(self) -> None:
        """Remove this slice's files that no other slice shares (duplicated cases share their files)."""
        for field in (self.image, self.web, self.thumbnail, self.bone, self.soft_tissue):
            name = field.name
            if name and not Slice.objects.exclude(pk=self.pk).filter(**{field.field.name: name}).exists():
                field.storage.delete(name)

    @classmethod
    def create_from_upload(cls, series: Series, processed: images.ProcessedImage, *, alt_text: str, position=None):
        """Add one slice; if the row cannot be written, the files written for it are removed again."""
        slice_ = cls(series=series, alt_text=alt_text)
        slice_.position = cls.objects.next_position(series) if position is None else position
        slice_.set_image(processed)
        try:
            with transaction.atomic():
                slice_.save()
        except BaseException:
            slice_.delete_files()
            raise
        return slice_


@receiver([post_save, post_delete], sender=Series)
@receiver([post_save, post_delete], sender=Slice)
def _touch_case(sender, instance, **kwargs) -> None:
    # A case's `updated` stands for its series and images too: cached viewers are keyed on it.
    if sender is Series:
        cases = Case.objects.filter(pk=instance.case_id)
    else:
        cases = Case.objects.filter(series=instance.series_id)
    cases.update(updated=timezone.now())


@receiver(post_delete, sender=Slice)
def _remove_files(sender, instance: Slice, **kwargs) -> None:
    # After the commit, so that a rolled-back delete keeps its images.
    transaction.on_commit(instance.delete_files)


class ReferenceReadingQuerySet(models.QuerySet):
    def primary(self):
        return self.filter(is_primary=True)

    def complete(self):
        """Readings that give every item: a total means the six components are there."""
        return (
            self.filter(total__isnull=False, tomita__isnull=False)
            .exclude(level="")
            .exclude(absent_pedicle="")
            .filter(Q(case__asks_escc=False) | ~Q(escc=""))
        )


class ReferenceReading(Reading):
    """An expert's reading of a case. Several per case are allowed; exactly one primary once published."""

    case = models.ForeignKey(Case, related_name="readings", on_delete=models.CASCADE)
    reader_name = models.CharField(
        "credited as",
        max_length=120,
        help_text="The reader's name as trainees read it after they commit, for example 'Dr A. Expert (spine "
        "radiology)'.",
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="educator account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Whose reading this is in SINS Quiz: only educators can be readers. Optional for an outside expert.",
    )
    is_primary = models.BooleanField(
        "primary reference", default=False, help_text="Trainees are graded against the primary reading."
    )

    objects = ReferenceReadingQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(is_primary=True), name="one_primary_reading_per_case")
        ]
        indexes = [models.Index(fields=["case", "is_primary"])]

    def __str__(self) -> str:
        return f"{self.reader_name} on {self.case}"

    def save(self, *args, **kwargs):
        # An expert's location class always follows from their level (sins.py); only trainees choose it.
        self.location = sins.location_for_level(self.level) if self.level else ""
        changed, answers_changed = (True, True) if self._state.adding else self._changes()
        super().save(*args, **kwargs)
        if changed:
            Case.objects.filter(pk=self.case_id).bump_version(answers=answers_changed)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        Case.objects.filter(pk=self.case_id).bump_version(answers=True)
        return result

    def clean(self) -> None:
        # Completeness is a condition of publication (reading_problems), not of saving: a draft may be unfinished.
        self.clean_location()

    def rationale(self, item: str) -> str:
        return getattr(self, f"{item}_rationale")

    def _changes(self) -> tuple[bool, bool]:
        """Whether the reading differs from the stored one, and whether its answers do (grades depend on those)."""
        answers = ["is_primary", *sins.READING_ITEMS]
        teaching = [f"{item}_{part}" for item in sins.READING_ITEMS for part in ("rationale", "key_slice_id")]
        stored = ReferenceReading.objects.filter(pk=self.pk).values(*answers, *teaching).first()
        if stored is None:
            return True, True
        answers_changed = any(stored[field] != getattr(self, field) for field in answers)
        return answers_changed or any(stored[field] != getattr(self, field) for field in teaching), answers_changed


# A rationale and an optional key image per item, as separate columns so the admin can edit them.
for _item in sins.READING_ITEMS:
    ReferenceReading.add_to_class(
        f"{_item}_rationale",
        models.TextField(
            f"why: {sins.in_sentence(sins.ITEM_LABELS[_item])}",
            blank=True,
            help_text="What you want the trainee to learn about this item; shown after they commit.",
        ),
    )
    ReferenceReading.add_to_class(
        f"{_item}_key_slice",
        models.ForeignKey(
            Slice,
            verbose_name=f"key image: {sins.in_sentence(sins.ITEM_LABELS[_item])}",
            null=True,
            blank=True,
            on_delete=models.SET_NULL,
            related_name="+",
        ),
    )


_OFF_THE_IMAGE = "A shape must lie on the image: each coordinate is a fraction of its width or height, from 0 to 1."
ON_THE_IMAGE = [MinValueValidator(0, _OFF_THE_IMAGE), MaxValueValidator(1, _OFF_THE_IMAGE)]


class AnnotationQuerySet(models.QuerySet):
    def on_key_images(self, reading: ReferenceReading) -> dict[str, list[dict]]:
        """The shapes on each item's key image, as data: {item: [shape, …]} (shapes left on an image that
        is no longer the item's key image are not drawn)."""
        shapes = {}
        for annotation in self.filter(reading=reading):
            if annotation.slice_id == getattr(reading, f"{annotation.item}_key_slice_id"):
                shapes.setdefault(annotation.item, []).append(annotation.as_data())
        return shapes


class Annotation(models.Model):
    """A shape an educator draws on an item's key image: kept as data, drawn over the image, never into it.

    Coordinates are fractions of the image's width and height (0 at the left or top, 1 at the right or
    bottom), so they fit the thumbnail, the web derivative and the original alike. An arrow runs from
    (x1, y1) to its head at (x2, y2); a circle is the ellipse inside the box (x1, y1)–(x2, y2); a label is
    its text written at (x1, y1). Arrows and circles may carry a label too.
    """

    class Kind(models.TextChoices):
        ARROW = "arrow", "Arrow"
        CIRCLE = "circle", "Circle"
        LABEL = "label", "Label"

    LABEL_MAX = 40
    PER_ITEM_MAX = 12

    reading = models.ForeignKey(ReferenceReading, related_name="annotations", on_delete=models.CASCADE)
    item = models.CharField(max_length=16, choices=list(sins.ITEM_LABELS.items()))
    slice = models.ForeignKey(Slice, related_name="+", on_delete=models.CASCADE)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    x1 = models.FloatField(validators=ON_THE_IMAGE)
    y1 = models.FloatField(validators=ON_THE_IMAGE)
    x2 = models.FloatField(validators=ON_THE_IMAGE, default=0)
    y2 = models.FloatField(validators=ON_THE_IMAGE, default=0)
    label = models.CharField(max_length=LABEL_MAX, blank=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["reading", "item"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {sins.in_sentence(sins.ITEM_LABELS.get(self.item, self.item))}"

    # A shape smaller than this (a fraction of the image) is a slip of the mouse, not a drawing.
    MIN_SIZE = 0.01

    def clean(self) -> None:
        self.label = " ".join(str(self.label).split())
        coordinates = [self.x1, self.y1, self.x2, self.y2]
        if not all(isinstance(value, float | int) for value in coordinates):
            return  # not numbers: clean_fields says so
        if not all(map(math.isfinite, coordinates)):
            raise ValidationError(_OFF_THE_IMAGE)
        if self.kind == self.Kind.LABEL:
            if not self.label:
                raise ValidationError({"label": "A label needs its text."})
            self.x2, self.y2 = self.x1, self.y1
        width, height = abs(self.x2 - self.x1), abs(self.y2 - self.y1)
        if self.kind == self.Kind.ARROW and max(width, height) < self.MIN_SIZE:
            raise ValidationError("An arrow needs a length: drag from its tail to what it points at.")
        if self.kind == self.Kind.CIRCLE and min(width, height) < self.MIN_SIZE:
            raise ValidationError("A circle needs a size: drag across what it should surround.")
        if self.reading_id and self.slice_id and self.slice.series.case_id != self.reading.case_id:
            raise ValidationError({"slice": "The key image must be one of this case's images."})

    def as_data(self) -> dict:
        """What the browser draws (and what an attempt's snapshot keeps)."""
        return {name: getattr(self, name) for name in ("kind", "x1", "y1", "x2", "y2", "label")}


# Every change to a case and its reference is kept, with who made it and when (django-simple-history; the admin's
# History page of a case lists them all). Registered here rather than with a `history` attribute in the class
# bodies: ReferenceReading's rationale and key-image columns are added after its body, and its history must hold
# them too. Slices are left out: an import writes thousands, and their files never change.
for _model in (Case, Series, ReferenceReading, Annotation):
    simple_history.register(_model)


class Ingest(models.Model):
    """One DICOM import into a case: the uploaded files wait in storage under `source` until the worker has made
    their images, and the row reports progress and the result to the educator."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Reading the files"
        HELD = "held", "Waiting for your confirmation"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    case = models.ForeignKey(Case, related_name="ingests", on_delete=models.CASCADE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    source = models.CharField(max_length=100, help_text="The storage folder holding the uploaded files until done.")
    files_total = models.PositiveIntegerField(default=0)
    files_read = models.PositiveIntegerField(default=0)
    images_made = models.PositiveIntegerField(default=0)
    series_made = models.PositiveIntegerField(default=0)
    # The files refused (or held for the educator's check), by reason: [{"reason": why, "count": n, "files": ["4",
    # "5 in archive 2"]}]. Files are named by their number in upload order, never by their uploaded name (a PACS
    # export names files by patient or UID); reasons are in our words, never header values.
    refused = models.JSONField(default=list, blank=True)
    held = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=300, blank=True)
    # Set by the educator's Confirm of a held import: from then on a run (or a retry of it) imports the held files
    # only, the rest being in already. Never inferred from the status or the held list.
    confirmed = models.BooleanField(default=False, editable=False)

    # A running import writes its progress after every few files; one silent this long has lost its worker
    # (stopped, restarted, killed). A queued one this old was not taken: no worker runs, or its task was lost.
    STALLED_AFTER = timedelta(minutes=10)
    WAITING_LONG_AFTER = timedelta(minutes=1)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"DICOM import into {self.case} ({self.get_status_display().lower()})"

    @property
    def refused_count(self) -> int:
        return counted(self.refused)

    @property
    def held_count(self) -> int:
        return counted(self.held)

    @classmethod
    def stalled(cls) -> Q:
        return Q(status=cls.Status.RUNNING, updated__lt=timezone.now() - cls.STALLED_AFTER)

    @classmethod
    def waiting_long(cls) -> Q:
        return Q(status=cls.Status.QUEUED, updated__lt=timezone.now() - cls.WAITING_LONG_AFTER)

    @classmethod
    def retryable(cls) -> Q:
        return Q(status=cls.Status.FAILED) | cls.stalled() | cls.waiting_long()

    @classmethod
    def discardable(cls) -> Q:
        return Q(status__in=[cls.Status.HELD, cls.Status.FAILED]) | cls.stalled() | cls.waiting_long()


STAGING_FOLDER = "ingest"  # outside what the media view serves


def counted(groups: list[dict]) -> int:
    """The files in an import's refused or held groups."""
    return sum(group["count"] for group in groups)


def delete_staged(source: str) -> None:
    """Delete an import's staged uploads and their folder (what is left of it)."""
    if not source.startswith(f"{STAGING_FOLDER}/"):
        return
    try:
        _, names = default_storage.listdir(source)
    except (FileNotFoundError, NotADirectoryError):
        names = []
    for name in names:
        default_storage.delete(f"{source}/{name}")
    try:  # a local folder stays behind once empty (S3 has no folders)
        path = default_storage.path(source)
    except NotImplementedError:
        return
    with suppress(OSError):
        os.rmdir(path)


@receiver(post_delete, sender=Ingest)
def _delete_staged_uploads(sender, instance, **kwargs) -> None:
    # Staged uploads hold whole headers, the patient's details included: when a row goes (its case deleted, say),
    # they go too, once the deletion is committed.
    source = instance.source
    transaction.on_commit(lambda: delete_staged(source))
