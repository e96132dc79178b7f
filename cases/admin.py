"""Authoring in the Django admin: cases with their history and expert readings, series with their stacks."""

import re
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import get_text_list
from django_tasks_db.models import DBTaskResult

from cases import admin_archive, admin_ingest, history, images, key_images
from cases.models import Case, ReferenceReading, Series, Slice, reading_problems, unique_slug, unpublished
from sinsquiz import roles, sins
from sinsquiz.templatetags.formatting import person

# Educators follow an import on its case's page; the queue's own rows are for the worker's logs, not the admin.
admin.site.unregister(DBTaskResult)

# --- Case list filters that look at the primary reading ---------------------------------------------


class LocationFilter(admin.SimpleListFilter):
    title = "location class"
    parameter_name = "location"

    def lookups(self, request, model_admin):
        return sins.LOCATION.choices

    def queryset(self, request, queryset):
        if self.value() in sins.LOCATION.codes:
            levels = [level for level in sins.LEVELS if sins.location_for_level(level) == self.value()]
            return queryset.filter(index_level__in=levels)
        return queryset


class IndexLevelFilter(admin.SimpleListFilter):
    """The levels the cases are at, in the spine's order (Django's own filter would sort them as text: T10 before
    T2)."""

    title = "index level"
    parameter_name = "index_level"

    def lookups(self, request, model_admin):
        present = set(model_admin.get_queryset(request).values_list("index_level", flat=True))
        return [(level, sins.level_label(level)) for level in sins.LEVELS if level in present]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # A level that is no level (an edited address) matches nothing, as Django's own choice filters do.
        return queryset.filter(index_level=self.value()) if self.value() in sins.LEVELS else queryset.none()


# The levels in the spine's order, to sort by (as text, T10 would come before T2).
SPINE_ORDER = models.Case(*(models.When(index_level=code, then=position) for position, code in enumerate(sins.LEVELS)))


class PrimaryReadingFilter(admin.SimpleListFilter):
    """Filter cases by one item of their primary reading."""

    item = ""

    def lookups(self, request, model_admin):
        return ReferenceReading._meta.get_field(self.item).choices

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # A value that is no option (an edited address) matches nothing, as Django's own choice filters do.
        if self.value() not in {str(code) for code, _ in self.lookups(request, None)}:
            return queryset.none()
        return queryset.filter(readings__is_primary=True, **{f"readings__{self.item}": self.value()})


class BoneLesionFilter(PrimaryReadingFilter):
    parameter_name = item = "bone_lesion"
    title = "bone lesion"


class TomitaFilter(PrimaryReadingFilter):
    parameter_name = item = "tomita"
    title = "Tomita type"


class CategoryFilter(PrimaryReadingFilter):
    parameter_name = item = "category"
    title = "SINS category"


# --- Expert readings, inline on the case ------------------------------------------------------------


class ReferenceReadingForm(forms.ModelForm):
    """An expert reading. The level is the case's unless this reader names another; the location follows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        level = self.fields["level"]
        level.label = "Index level, only if this reader disagrees"
        level.help_text = (
            "Leave blank: the reading scores the case's index level (Reference, above), and the location class "
            "follows from it. A second expert may name another level; the primary reading scores the case's."
        )
        level.choices = [("", "The case's index level"), *level.choices[1:]]
        # Only educators are offered; a reader credited before that rule keeps their place until changed.
        reader = self.fields["reader"]
        reader.queryset = reader.queryset.filter(Q(groups__name=roles.EDUCATORS) | Q(pk=self.instance.reader_id))
        case = self.instance.case if self.instance.case_id else None
        if case and self.instance.level == case.index_level:
            self.initial["level"] = ""  # follows the case, now and when the case's level changes

    def clean(self):
        cleaned = super().clean()
        case = cleaned.get("case")  # the inline's parent, possibly not saved yet
        if case is None:
            return cleaned  # a tampered parent: the form says so already
        own_level = cleaned.get("level")
        if own_level and cleaned.get("is_primary") and case.index_level and own_level != case.index_level:
            self.add_error(
                "level",
                f"The primary reading scores the case's index level ({sins.level_label(case.index_level)}): leave "
                "this blank, or change the case's index level above.",
            )
        elif not own_level:
            # Saved even when nothing on the form changed, if the case's level moved under it.
            self.follows_a_new_level = bool(self.instance.pk) and self.instance.level != case.index_level
            cleaned["level"] = case.index_level
        level = cleaned.get("level")
        self.instance.location = sins.location_for_level(level) if level else ""  # as save() derives it
        return cleaned

    def has_changed(self):
        return super().has_changed() or getattr(self, "follows_a_new_level", False)


class ReadingFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        readings = [
            form.instance
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form)
        ]
        # Publication checks the readings as a whole and names each problem once, above the readings.
        if problems := reading_problems(self.instance, readings):
            raise ValidationError(problems)


class ReferenceReadingInline(admin.StackedInline):
    model = ReferenceReading
    form = ReferenceReadingForm
    formset = ReadingFormSet
    fk_name = "case"
    readonly_fields = ["score_summary", "key_image_summary"]
    fieldsets = [
        (None, {"fields": [("reader", "reader_name"), "is_primary", "score_summary"]}),
        (
            "Reading",
            {
                "fields": [
                    "level",
                    "pain",
                    ("bone_lesion", "alignment"),
                    ("collapse", "posterolateral"),
                    ("absent_pedicle", "tomita", "escc"),
                ]
            },
        ),
        (
            "Why — what the trainee should learn (shown after they commit)",
            {"fields": [f"{item}_rationale" for item in sins.READING_ITEMS], "classes": ["collapse"]},
        ),
        # Chosen by their thumbnails on the key-image page, the one way to choose them (the shapes drawn on a
        # key image belong to it); here only what is chosen, and a link to choose.
        ("Key images, shown beside each item in the feedback", {"fields": ["key_image_summary"]}),
    ]

    @admin.display(description="SINS (computed)")
    def score_summary(self, reading):
        return reference_summary(reading)

    @admin.display(description="Key images")
    def key_image_summary(self, reading):
        return key_images.summary(reading)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case").prefetch_related("annotations")

    def get_extra(self, request, obj=None, **kwargs):
        # A new case offers one reading to fill in (or to leave empty: a draft needs none).
        return 0 if obj and obj.readings.exists() else 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name.endswith("_rationale"):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "reader":
            field.label_from_instance = person
        return field


def reader_initial(user, *, primary: bool) -> dict:
    """A new reading credited to the educator who writes it; `reader` is left empty for anyone else."""
    initial = {"is_primary": primary}
    if user.groups.filter(name=roles.EDUCATORS).exists():
        initial |= {"reader": user.pk, "reader_name": person(user)}
    return initial


def reference_summary(reading: ReferenceReading | None) -> str:
    """The location, total and category of a reading, computed by sins.py: "T7 · semirigid · 9 · potentially…"."""
    if reading is None or not reading.level:
        return "—"
    score = reading.to_reading().score
    parts = [sins.explain_location(reading.level)]
    if score:
        parts.append(
            f"total {score.total} of {sins.MAX_TOTAL}, {sins.CATEGORIES_BY_CODE[score.category].label.lower()}"
        )
    return "; ".join(parts)


# --- Series and their stacks, on the case page and on their own -----------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


@dataclass(frozen=True)
class Stack:
    """An uploaded batch: the images that passed the pipeline, and a reason for each file that did not."""

    images: list[images.ProcessedImage]
    rejected: list[str]


class StackField(forms.FileField):
    """Several image files at once; each goes through the image pipeline. A file that fails is left out and
    named with its reason; the good ones are kept, so one bad file never costs the whole batch."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        accepted, rejected = [], []
        for upload in sorted(files, key=lambda f: natural_key(f.name)):
            try:
                # The pipeline checks every file, the empty one included, and names it in its message.
                accepted.append(images.process(upload))
            except ValidationError as error:
                rejected.extend(error.messages)
        return Stack(accepted, rejected)

    def has_changed(self, initial, data):
        return bool(data)  # an empty multiple-file input posts [], which is no change


def natural_key(name: str) -> list:
    """Sort "slice2" before "slice10", as a scanner numbers its files."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


class ArrangementWidget(forms.Widget):
    """The series' images as thumbnails, each with its position and a remove box (no script needed)."""

    template_name = "cases/widgets/arrangement.html"
    slices: list[Slice] = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        posted = {row["pk"]: row for row in value or [] if isinstance(row, dict)}
        context["widget"]["rows"] = [
            {
                "slice": slice_,
                "number": n,
                "position": posted.get(str(slice_.pk), {}).get("position") or n,
                "remove": posted.get(str(slice_.pk), {}).get("remove", False),
            }
            for n, slice_ in enumerate(self.slices, start=1)
        ]
        return context

    def value_from_datadict(self, data, files, name):
        pks = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        return [
            {"pk": pk, "position": data.get(f"{name}-{pk}-position", ""), "remove": f"{name}-{pk}-remove" in data}
            for pk in pks
        ]

    def use_required_attribute(self, initial):
        return False


def is_row_id(value) -> bool:
    """Whether a value posted or typed in an address is a row's id: plain ASCII digits ("²" is a digit to Python,
    not to int()), and short enough for the database's integer (a longer one overflows it)."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) < 10


class ArrangementField(forms.Field):
    """New positions and removals for a series' images, as the arrangement widget posts them."""

    widget = ArrangementWidget

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        """The images' new order (slice ids) and the ids to remove."""
        current = [slice_.pk for slice_ in self.widget.slices]
        rows = {int(row["pk"]): row for row in value or [] if is_row_id(row["pk"])}
        order, moved, removed = [], [], set()
        for index, pk in enumerate(current):
            row = rows.get(pk, {"position": "", "remove": False})
            if row["remove"]:
                removed.add(pk)
                continue
            try:
                position = int(row["position"] or index + 1)
            except ValueError:
                raise ValidationError("Give each image's position as a whole number.", code="position") from None
            if position == index + 1:
                order.append(pk)
            else:
                moved.append((position, index, pk))
        # The images moved go in at the numbers typed, lowest first, so that each ends at its number.
        for position, _, pk in sorted(moved):
            order.insert(max(position - 1, 0), pk)
        return order, removed

    def has_changed(self, initial, data):
        return any(row["remove"] or str(row["position"]) != str(n) for n, row in enumerate(data or [], start=1))


class SeriesForm(forms.ModelForm):
    add_images = StackField(
        label="Add images",
        required=False,
        help_text="Choose any number of JPEG, PNG or WebP files at once; they are added in file-name order "
        "after the existing images. Metadata is removed on the way in.",
    )
    arrangement = ArrangementField(
        label="Images",
        help_text="Change a number to move an image there; tick Remove to take it out. Saved with the case. "
        "An image removed that was a key image leaves its item without one (you are told which).",
    )

    lost_key_images: list[str] = []  # what the removed images took away, said after the save

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["arrangement"].widget.slices = list(self.instance.slices.all()) if self.instance.pk else []
        if "modality" in self.fields:
            # Ultrasound and other imaging come only from DICOM, once the educator checked them for burned-in
            # text: a picture upload cannot be one. A series imported as such keeps its own.
            current = self.instance.modality
            self.fields["modality"].choices = [
                (value, label)
                for value, label in self.fields["modality"].choices
                if value not in Series.DICOM_ONLY or value == current
            ]

    def save_images(self) -> Stack:
        """Apply the removals, the new order and the added images to the saved series; return the upload."""
        series = self.instance
        order, removed = self.cleaned_data.get("arrangement") or ([], set())
        stack = self.cleaned_data.get("add_images") or Stack([], [])
        if not (stack.images or "arrangement" in self.changed_data):
            return stack  # nothing to write: the cached viewer stays valid
        stored = Slice.objects.filter(series=series)  # not the page's prefetched images
        self.lost_key_images = key_images.clear_for_removal(stored.filter(pk__in=removed))
        for slice_ in stored.filter(pk__in=removed):
            slice_.delete()  # one by one: each removes its files once the transaction commits
        kept = {slice_.pk: slice_ for slice_ in stored}
        arranged = [kept[pk] for pk in order if pk in kept] + [s for pk, s in kept.items() if pk not in order]
        region = series.case.get_region_display().lower()
        total = len(arranged) + len(stack.images)
        for position, slice_ in enumerate(arranged):
            slice_.position = position
            slice_.alt_text = renumbered(slice_.alt_text, position, total)
        Slice.objects.bulk_update(arranged, ["position", "alt_text"])
        for position, processed in enumerate(stack.images, start=len(arranged)):
            Slice.create_from_upload(
                series,
                processed,
                position=position,
                alt_text=f"{series.label} of the {region} spine, image {position + 1} of {total}",
            )
        if arranged and not stack.images:
            Case.objects.filter(pk=series.case_id).update(updated=timezone.now())  # bulk_update sends no signal
        return stack


AUTOMATIC_ALT_TEXT = re.compile(r"^(?P<label>.*), image \d+ of \d+$")


def renumbered(alt_text: str, position: int, total: int) -> str:
    """An alt text written by the upload ("…, image 3 of 9") follows the image to its new place."""
    if match := AUTOMATIC_ALT_TEXT.match(alt_text):
        return f"{match['label']}, image {position + 1} of {total}"
    return alt_text


class UploadsAdmin(admin.ModelAdmin):
    """An admin page where educators upload stacks: it says what each upload kept and left out, and stays on the
    page when files were refused."""

    def report_stack(self, request, series: Series, stack: Stack) -> None:
        """Say what an upload added and, file by file, what it left out and why."""
        if stack.images:
            count = len(stack.images)
            self.message_user(request, f"Added {count} image{pluralize(count)} to {series.label}.", messages.SUCCESS)
        if stack.rejected:
            count = len(stack.rejected)
            self.message_user(
                request,
                f"{count} file{pluralize(count)} could not be added to {series.label}: " + " ".join(stack.rejected),
                messages.WARNING,
            )
            request.rejected_uploads = True  # stay on the page: the educator fixes these files there

    def clear_key_images(self, request, removed) -> None:
        """Before images are removed: clear the key images they were, recorded, and say what each took away."""
        for note in key_images.clear_for_removal(removed):
            self.message_user(request, note, messages.WARNING)

    def back_to_draft_if_imageless(self, request, case: Case) -> None:
        """A published case whose last images were just removed goes back to draft: trainees would meet a case
        with nothing to read."""
        if case.is_published and not case.has_images():
            case.status = Case.Status.DRAFT
            case.save(update_fields=["status", "updated"])
            self.message_user(
                request,
                f"“{case}” has no images left, so it is back to draft and trainees no longer see it: add images, "
                "then publish it again.",
                messages.WARNING,
            )
            self.say_unpublished(request, [case])

    def say_unpublished(self, request, cases):
        for _, warnings in unpublished.send(sender=Case, cases=cases, by=request.user):
            for warning in warnings:
                self.message_user(request, warning, messages.WARNING)

    def response_add(self, request, obj, post_url_continue=None):
        return self._stay_if_rejected(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._stay_if_rejected(request, obj) or super().response_change(request, obj)

    def render_change_form(self, request, context, *args, **kwargs):
        # A page sent back with errors cannot keep the files chosen in it: say so, rather than lose them quietly.
        if request.method == "POST" and (count := sum(len(request.FILES.getlist(name)) for name in request.FILES)):
            self.message_user(
                request,
                f"The {count} image file{pluralize(count)} you chose {pluralize(count, 'was,were')} not uploaded: "
                "correct the errors below, then choose the files again.",
                messages.WARNING,
            )
        return super().render_change_form(request, context, *args, **kwargs)

    @staticmethod
    def _stay_if_rejected(request, obj) -> HttpResponseRedirect | None:
        """After an upload that left files out, back to the page the educator saved, whichever button they used."""
        if getattr(request, "rejected_uploads", False):
            opts = obj._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return None


class SeriesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        case = self.instance  # as the form above leaves it: its status and index level may be new
        if not case.is_published:
            return
        # The images' texts are edited on each series' page, not here; publishing, or a new level, checks them too.
        named = [
            series.label
            for form in self.forms
            if (series := form.instance).pk and not self._should_delete_form(form)
            if series.images_name_index_level()
        ]
        if named:
            raise ValidationError(
                f"An image's text names the index level in {', '.join(named)}: correct it on the series' page "
                f"(Change). {case.names_level_message()}"
            )


class SeriesInline(admin.StackedInline):
    model = Series
    form = SeriesForm
    formset = SeriesFormSet
    extra = 0
    fields = [("modality", "plane", "sequence"), ("description", "order"), "arrangement", "add_images"]
    show_change_link = True
    classes = ["series-inline"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("slices")


# --- The case -------------------------------------------------------------------------------------


TEXTAREA_ROWS = {"presentation": 3, "pain_statement": 2, "teaching_points": 4, "discussion": 6}


@admin.register(Case)
class CaseAdmin(UploadsAdmin):
    inlines = [SeriesInline, ReferenceReadingInline]
    list_display = ["title", "status", "level", "difficulty", "primary_reference", "images", "version"]
    list_filter = ["status", LocationFilter, BoneLesionFilter, TomitaFilter, CategoryFilter, "difficulty", "region",
                   IndexLevelFilter]  # fmt: skip
    search_fields = ["title", "primary_tumour", "presentation", "pain_statement"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "preview",
        "primary_reference",
        "key_images_link",
        "version",
        "author_name",
        "created",
        "updated",
    ]
    actions = ["publish", "unpublish", "duplicate", "export_archive"]
    save_on_top = True

    class Media:
        css = {"all": ["cases/key_images.css"]}
        js = ["cases/annotations.js"]  # the shapes over the key images' thumbnails in the readings

    fieldsets = [
        (None, {"fields": ["title", "slug", ("status", "difficulty"), "preview"]}),
        (
            "History (shown to the trainee)",
            {
                "fields": [
                    ("age", "sex"),
                    "primary_tumour",
                    "prior_treatment",
                    "presentation",
                    "pain_statement",
                    "region",
                ]
            },
        ),
        (
            "Reference (hidden until the trainee commits)",
            {"fields": ["index_level", "asks_escc", "primary_reference", "key_images_link"]},
        ),
        ("Teaching (shown after the trainee commits)", {"fields": ["teaching_points", "discussion"]}),
        ("Record", {"fields": [("author_name", "version"), ("created", "updated")], "classes": ["collapse"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in TEXTAREA_ROWS:
            kwargs["widget"] = forms.Textarea(attrs={"rows": TEXTAREA_ROWS[db_field.name]})
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "status":
            field.help_text = (
                "A draft is saved as it stands, however unfinished. Publishing checks that the case is complete "
                "and says what is missing; trainees see only published cases."
            )
        return field

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ReferenceReadingInline):
            # The new reading is the educator's own, and the primary one unless the case has one already.
            has_primary = bool(obj and obj.pk and obj.readings.primary().exists())
            kwargs["initial"] = [reader_initial(request.user, primary=not has_primary)]
        return kwargs

    def save_related(self, request, form, formsets, change):
        # The readings before the images: a removed image then clears the key image it was, rather than a reading
        # saved after it pointing at it again.
        formsets = sorted(formsets, key=lambda formset: formset.model is Series)
        super().save_related(request, form, formsets, change)
        self.back_to_draft_if_imageless(request, form.instance)

    def save_formset(self, request, form, formset, change):
        if formset.model is ReferenceReading:
            self.warn_of_unchanged_reasoning(request, form, formset)
        if formset.model is Series:  # a deleted series takes its images: first the key images they were
            deleted = [series_form.instance.pk for series_form in formset.deleted_forms]
            self.clear_key_images(request, Slice.objects.filter(series__in=deleted))
        super().save_formset(request, form, formset, change)
        if formset.model is Series:
            for series_form in formset.forms:
                if series_form.instance.pk and series_form not in formset.deleted_forms:
                    self.report_stack(request, series_form.instance, series_form.save_images())
                    for note in series_form.lost_key_images:
                        self.message_user(request, note, messages.WARNING)

    def warn_of_unchanged_reasoning(self, request, form, formset) -> None:
        """An answer changed beside reasoning that did not: trainees would read reasoning for the old answer. The
        reasoning sits in a closed section, so the educator is told which to check (the save goes ahead)."""
        for reading_form in formset.forms:
            reading = reading_form.instance
            if not reading.pk or reading_form in formset.deleted_forms:
                continue
            changed = set(reading_form.changed_data)
            if "level" in changed or getattr(reading_form, "follows_a_new_level", False):  # its own, or the case's
                changed.add("level")
                before = reading_form.initial.get("level") or form.initial.get("index_level")
                if before and sins.location_for_level(before) != reading.location:  # the class follows the level
                    changed.add("location")
            stale = [
                sins.in_sentence(sins.ITEM_LABELS[item])
                for item in sins.READING_ITEMS
                if item in changed and f"{item}_rationale" not in changed and reading.rationale(item).strip()
            ]
            if stale:
                self.message_user(
                    request,
                    f"In the reading by {reading.reader_name or 'the expert'}, the answer for "
                    f"{get_text_list(stale, 'and')} changed, but not the reasoning beside it: check that it still "
                    "explains the new answer.",
                    messages.WARNING,
                )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("readings", ReferenceReading.objects.primary(), to_attr="primary_readings"))
            .annotate(image_count=Count("series__slices"))
            .order_by("title", "pk")  # an annotated count drops Meta.ordering; the autocomplete pages need one
        )

    @admin.display(description="Primary reading")
    def primary_reference(self, case):
        primaries = getattr(case, "primary_readings", None)
        if primaries is None:
            primaries = list(case.readings.primary()) if case.pk else []
        return reference_summary(primaries[0] if primaries else None)

    @admin.display(description="Index level", ordering=SPINE_ORDER)
    def level(self, case):
        return sins.level_label(case.index_level) if case.index_level else None

    @admin.display(description="Images", ordering="image_count")
    def images(self, case):
        return case.image_count

    @admin.display(description="Trainee view")
    def preview(self, case):
        if not case.pk:
            return "Save the case first."
        return format_html('<a href="{}" target="_blank">Preview as trainee ↗</a>', case.get_absolute_url())

    def get_urls(self):
        return admin_archive.urls(self) + key_images.urls(self) + admin_ingest.urls(self) + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and self.has_change_permission(request, obj):  # its uploads change the case
            context["dicom"] = admin_ingest.context(obj)  # the Import DICOM box (admin_ingest.py)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        """Every change to the case and its reference (cases/history.py), rather than the admin's log of saves."""
        case = self.get_object(request, object_id)
        if case is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {case}",
            "subtitle": None,
            "opts": self.opts,
            "object": case,
            "entries": history.timeline(case),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/cases/case/history.html", context)

    @admin.display(description="Author")
    def author_name(self, case):
        """The author's name, not the admin's link to their account, which only a user manager may open."""
        return person(case.author) or "—"

    @admin.display(description="Key images")
    def key_images_link(self, case):
        if not case.pk:
            return "Save the case first."
        return format_html(
            '<a href="{}">Choose and annotate the key images</a> of each item, by their thumbnails',
            reverse("admin:cases_case_key_images", args=[case.pk]),
        )

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)
        if change and form.initial.get("status") == Case.Status.PUBLISHED and not obj.is_published:
            self.say_unpublished(request, [obj])

    @admin.action(description="Publish the selected cases", permissions=["change"])
    def publish(self, request, queryset):
        published = 0
        for case in queryset.drafts():
            case.status = Case.Status.PUBLISHED
            if problems := case.publication_problems():
                self.message_user(request, f"“{case}” was not published: {' '.join(problems)}", messages.ERROR)
                continue
            case.save(update_fields=["status", "updated"])
            published += 1
        if published:
            self.message_user(request, f"Published {published} case{pluralize(published)}.", messages.SUCCESS)

    @admin.action(description="Unpublish the selected cases (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        # Saved one by one, as publish does, so the case's history records who unpublished it (an UPDATE would
        # leave none); `updated` too: cached pages are keyed on it.
        cases = list(queryset.published())
        for case in cases:
            case.status = Case.Status.DRAFT
            case.save(update_fields=["status", "updated"])
        count = len(cases)
        self.message_user(
            request,
            f"Unpublished {count} case{pluralize(count)}: back to draft. Trainees' feedback on "
            f"{pluralize(count, 'it,them')} is closed until {pluralize(count, 'it is,they are')} published again.",
            messages.SUCCESS,
        )
        self.say_unpublished(request, cases)

    @admin.action(description="Duplicate the selected cases as drafts", permissions=["add"])
    def duplicate(self, request, queryset):
        for case in queryset:
            copy = duplicate_case(case, author=request.user)
            self.message_user(request, f"Created the draft “{copy}”.", messages.SUCCESS)

    @admin.action(description="Export the selected cases as an archive", permissions=["add"])
    def export_archive(self, request, queryset):
        # Who may add cases may take them elsewhere: an archive holds the reference readings, as an import does.
        return admin_archive.export_response(request, queryset)


@transaction.atomic
def duplicate_case(case: Case, *, author) -> Case:
    """A draft copy of a case with its series, slices (sharing the stored files) and expert readings."""
    series_list = list(case.series.prefetch_related("slices"))
    readings = list(case.readings.all())
    copy = Case.objects.get(pk=case.pk)
    copy.pk, copy._state.adding = None, True
    copy.title = f"{case.title} (copy)"
    copy.slug = unique_slug(copy.title)
    copy.status = Case.Status.DRAFT
    copy.author = author
    copy.version = 1
    copy.save()
    slice_map = {}
    for series in series_list:
        slices = list(series.slices.all())
        series.pk = None
        series.case = copy
        series.save()
        for slice_ in slices:
            old_pk = slice_.pk
            slice_.pk = None
            slice_.series = series
            slice_.save()
            slice_map[old_pk] = slice_
    for reading in readings:
        source, reading.pk = reading.pk, None
        reading.case = copy
        for item in sins.READING_ITEMS:
            key = getattr(reading, f"{item}_key_slice_id")
            setattr(reading, f"{item}_key_slice", slice_map.get(key))
        reading.save()
        key_images.copy_annotations(source, reading, slice_map, by=author)
    Case.objects.filter(pk=copy.pk).update(version=1, reference_changed=None)
    return copy


# --- A series and its stack -------------------------------------------------------------------------


class SliceInline(admin.TabularInline):
    model = Slice
    extra = 0
    fields = ["preview", "position", "alt_text"]
    readonly_fields = ["preview"]

    @admin.display(description="Image")
    def preview(self, slice_):
        return format_html(
            '<span class="slice-preview"><a href="{}" target="_blank"><img src="{}" alt="{}" width="72" height="72">'
            "</a> {} × {}</span>",
            slice_.web.url,
            slice_.thumbnail.url,
            slice_.alt_text,
            slice_.width,
            slice_.height,
        )

    def has_add_permission(self, request, obj=None):
        return False  # images are added through the multi-file upload above


@admin.register(Series)
class SeriesAdmin(UploadsAdmin):
    form = SeriesForm
    inlines = [SliceInline]
    list_display = ["__str__", "modality", "plane", "sequence", "image_count"]
    list_filter = ["modality", "plane"]
    search_fields = ["case__title", "sequence", "description"]
    autocomplete_fields = ["case"]
    fields = ["case", ("modality", "plane"), "sequence", "description", "order", "add_images"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case").annotate(image_count=Count("slices"))

    def get_readonly_fields(self, request, obj=None):
        # A series stays with its case: moved, it would take its images and key images into another patient's case.
        return [*super().get_readonly_fields(request, obj), *(["case"] if obj else [])]

    @admin.display(description="Images", ordering="image_count")
    def image_count(self, series):
        return series.image_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.report_stack(request, form.instance, form.save_images())
        for note in form.lost_key_images:
            self.message_user(request, note, messages.WARNING)
        self.back_to_draft_if_imageless(request, form.instance.case)

    def save_formset(self, request, form, formset, change):
        self.clear_key_images(request, Slice.objects.filter(pk__in=[f.instance.pk for f in formset.deleted_forms]))
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        self.delete_queryset(request, Series.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        cases = list(Case.objects.filter(series__in=queryset).distinct())
        self.clear_key_images(request, Slice.objects.filter(series__in=queryset))
        super().delete_queryset(request, queryset)
        for case in cases:
            self.back_to_draft_if_imageless(request, case)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # From the case page's "Add a series" link; an edited address starts the form without a case.
        case_id = initial.pop("case", "")
        if is_row_id(case_id):
            initial |= {"case": case_id, "order": Series.objects.filter(case_id=case_id).count()}
        return initial
