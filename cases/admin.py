"""Authoring in the Django admin: cases with their history and expert readings, series with their stacks."""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify

from cases import images, key_images
from cases.models import Case, ReferenceReading, Series, Slice, reading_problems
from sinsquiz import sins

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


class PrimaryReadingFilter(admin.SimpleListFilter):
    """Filter cases by one item of their primary reading."""

    item = ""

    def lookups(self, request, model_admin):
        return ReferenceReading._meta.get_field(self.item).choices

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
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
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Blank is allowed in the table (trainees' drafts share these columns); an expert gives every item.
        for item in sins.READING_ITEMS:
            if item != "escc":
                self.fields[item].required = True


class ReadingFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        readings = [
            form.instance
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form)
        ]
        if problems := reading_problems(self.instance, readings):
            raise ValidationError(problems)


class ReferenceReadingInline(admin.StackedInline):
    model = ReferenceReading
    form = ReferenceReadingForm
    formset = ReadingFormSet
    extra = 0
    min_num = 1
    fk_name = "case"
    readonly_fields = ["score_summary"]
    fieldsets = [
        (None, {"fields": [("reader_name", "reader", "is_primary"), "score_summary"]}),
        (
            "Reading",
            {
                "fields": [
                    ("level", "location"),
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
        (
            "Key images, shown beside each item in the feedback",
            {"fields": [f"{item}_key_slice" for item in sins.READING_ITEMS], "classes": ["collapse"]},
        ),
    ]

    @admin.display(description="SINS (computed)")
    def score_summary(self, reading):
        return reference_summary(reading)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name.endswith("_rationale"):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name.endswith("_key_slice"):
            # Only this case's images; a new case has none yet.
            case_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Slice.objects.filter(series__case_id=case_id).select_related("series")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


# --- Series, inline on the case, with their thumbnails ----------------------------------------------


def thumbnails(series: Series, limit: int = 5) -> str:
    slices = list(series.slices.all())
    if not slices:
        return "No images yet: open the series to upload its stack."
    strip = format_html_join(
        "",
        '<img src="{}" alt="{}" width="48" height="48">',
        ((slice_.thumbnail.url, slice_.alt_text) for slice_ in slices[:limit]),
    )
    count = f"{len(slices)} image{pluralize(len(slices))}"
    return format_html('<span class="thumb-strip">{}<span class="count">{}</span></span>', strip, count)


class SeriesInline(admin.TabularInline):
    model = Series
    extra = 0
    fields = ["order", "modality", "plane", "sequence", "description", "images"]
    readonly_fields = ["images"]
    show_change_link = True

    @admin.display(description="Images")
    def images(self, series):
        return thumbnails(series) if series.pk else "Save, then open the series to upload its stack."

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("slices")


# --- The case -------------------------------------------------------------------------------------


TEXTAREA_ROWS = {"presentation": 3, "pain_statement": 2, "teaching_points": 4, "discussion": 6}


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    inlines = [SeriesInline, ReferenceReadingInline]
    list_display = ["title", "status", "index_level", "difficulty", "primary_reference", "images", "version"]
    list_filter = ["status", LocationFilter, BoneLesionFilter, TomitaFilter, CategoryFilter, "difficulty", "region",
                   "index_level"]  # fmt: skip
    search_fields = ["title", "primary_tumour", "presentation", "pain_statement"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "primary_reference", "key_images_link", "version", "author", "created", "updated"]
    actions = ["publish", "unpublish", "duplicate"]
    save_on_top = True

    class Media:
        css = {"all": ["cases/admin.css"]}

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
        ("Record", {"fields": [("author", "version"), ("created", "updated")], "classes": ["collapse"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in TEXTAREA_ROWS:
            kwargs["widget"] = forms.Textarea(attrs={"rows": TEXTAREA_ROWS[db_field.name], "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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

    @admin.display(description="Images", ordering="image_count")
    def images(self, case):
        return case.image_count

    @admin.display(description="Trainee view")
    def preview(self, case):
        if not case.pk:
            return "Save the case first."
        return format_html('<a href="{}" target="_blank">Preview as trainee ↗</a>', case.get_absolute_url())

    def get_urls(self):
        return key_images.urls(self) + super().get_urls()

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

    @admin.action(description="Publish the selected cases", permissions=["change"])
    def publish(self, request, queryset):
        published = 0
        for case in queryset.filter(status=Case.Status.DRAFT):
            case.status = Case.Status.PUBLISHED
            if problems := case.publication_problems():
                self.message_user(request, f"“{case}” was not published: {' '.join(problems)}", messages.ERROR)
                continue
            case.save(update_fields=["status", "updated"])
            published += 1
        if published:
            self.message_user(request, f"Published {published} case(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected cases (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        # `updated` too: cached pages are keyed on it.
        count = queryset.update(status=Case.Status.DRAFT, updated=timezone.now())
        self.message_user(request, f"{count} case(s) are drafts now.", messages.SUCCESS)

    @admin.action(description="Duplicate the selected cases as drafts", permissions=["add"])
    def duplicate(self, request, queryset):
        for case in queryset:
            copy = duplicate_case(case, author=request.user)
            self.message_user(request, f"Created the draft “{copy}”.", messages.SUCCESS)


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
        key_images.copy_annotations(source, reading, slice_map)
    Case.objects.filter(pk=copy.pk).update(version=1)
    return copy


def unique_slug(title: str) -> str:
    base = slugify(title)[:190] or "case"
    slug, n = base, 2
    while Case.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- A series and its stack -------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class StackField(forms.FileField):
    """Several image files at once; each goes through the image pipeline."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        processed, errors = [], []
        for upload in sorted(files, key=lambda f: natural_key(f.name)):
            try:
                # The pipeline checks every file, the empty one included, and names it in its message.
                processed.append(images.process(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError([*errors, "Nothing was added: fix or remove these files and upload again."])
        return processed


def natural_key(name: str) -> list:
    """Sort "slice2" before "slice10", as a scanner numbers its files."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


class SeriesForm(forms.ModelForm):
    add_slices = StackField(
        label="Add images",
        required=False,
        help_text="Choose any number of JPEG, PNG or WebP files at once; they are added in file-name order "
        "after the existing images. Metadata is removed on the way in.",
    )


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
class SeriesAdmin(admin.ModelAdmin):
    form = SeriesForm
    inlines = [SliceInline]
    list_display = ["__str__", "modality", "plane", "sequence", "image_count"]
    list_filter = ["modality", "plane"]
    search_fields = ["case__title", "sequence", "description"]
    autocomplete_fields = ["case"]
    fields = ["case", ("modality", "plane"), "sequence", "description", "order", "add_slices"]

    class Media:
        css = {"all": ["cases/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case").annotate(image_count=Count("slices"))

    @admin.display(description="Images", ordering="image_count")
    def image_count(self, series):
        return series.image_count

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        series = form.instance
        stack = form.cleaned_data.get("add_slices") or []
        first = Slice.objects.next_position(series)
        region = series.case.get_region_display().lower()
        total = first + len(stack)
        for n, processed in enumerate(stack, start=first):
            Slice.create_from_upload(
                series,
                processed,
                position=n,
                alt_text=f"{series.label} of the {region} spine, image {n + 1} of {total}",
            )
        if stack:
            self.message_user(request, f"Added {len(stack)} image(s) to {series.label}.", messages.SUCCESS)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if case_id := request.GET.get("case"):
            initial["order"] = Series.objects.filter(case_id=case_id).count()
        return initial
