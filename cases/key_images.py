"""Key images in the admin: an educator picks each item's key image by its thumbnail and annotates it.

Two pages hang off the case's change page (CaseAdmin.get_urls adds them): the overview of a reading's key
images, and the editor of one item's key image, where the educator draws arrows, circles and labels in the
browser (cases/static/cases/annotate.js). The shapes come back as JSON and are checked here, one by one,
by the Annotation model: nothing is saved unless all of them are right.
"""

import json
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods
from simple_history.utils import bulk_create_with_history

from cases.models import Annotation, Case, ReferenceReading, Slice
from sinsquiz import sins

COORDINATES = ("x1", "y1", "x2", "y2")
FIELDS = ("kind", *COORDINATES, "label")


def urls(model_admin) -> list:
    """The key-image pages, for CaseAdmin.get_urls."""
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<int:case_id>/key-images/", wrap(partial(overview, model_admin=model_admin)), name="cases_case_key_images"
        ),
        path(
            "<int:case_id>/key-images/<int:reading_id>/<str:item>/",
            wrap(partial(edit, model_admin=model_admin)),
            name="cases_case_key_image",
        ),
    ]


def get_case_for_author(request, model_admin, case_id: int) -> Case:
    """The case, if this staff user may change it (the admin's own permission check)."""
    case = get_object_or_404(Case, pk=case_id)
    if not model_admin.has_change_permission(request, case):
        raise PermissionDenied
    return case


def answer(reading: ReferenceReading, item: str) -> str:
    """The reading's answer to the item, as the educator chose it."""
    value = getattr(reading, item)
    if value in (None, ""):
        return "not given"
    return sins.level_label(value) if item == "level" else getattr(reading, f"get_{item}_display")()


def _context(request, model_admin, case: Case, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Case._meta,
        "case": case,
        "title": title,
        "case_url": reverse("admin:cases_case_change", args=[case.pk]),
    }


def items_of(case: Case) -> list[str]:
    """The items a key image can illustrate: not pain, which is scored from the history; the ESCC grade only where
    the case asks for it."""
    return [item for item in sins.READING_ITEMS if item != "pain" and (item != "escc" or case.asks_escc)]


def summary(reading: ReferenceReading) -> str:
    """A reading's key images on the case page, read-only: per item its thumbnail (or none yet), how many shapes
    are drawn on it, and the link to the editor, which stays the one way to choose them."""
    if not reading.pk:
        return render_to_string("admin/cases/case/includes/reading_key_images.html", {"reading": reading})
    keys = [getattr(reading, f"{item}_key_slice_id") for item in sins.READING_ITEMS]
    slices = {s.pk: s for s in Slice.objects.filter(pk__in=[k for k in keys if k]).select_related("series")}
    context = {"reading": reading, "rows": [_row(reading, item, slices) for item in items_of(reading.case)]}
    return render_to_string("admin/cases/case/includes/reading_key_images.html", context)


def clear_for_removal(removed) -> list[str]:
    """Before images are removed: clear the key images they were, through each reading's save, so that the
    reading's history and the case's version record the change (a plain delete would null the column unseen);
    and, for each, a message naming the items (and the shapes drawn on it) it takes away. The removal goes ahead
    (the educator ticked Remove) but not without a word."""
    removed = {s.pk: s for s in removed.select_related("series")}
    if not removed:
        return []
    is_key = Q()
    for item in sins.READING_ITEMS:
        is_key |= Q(**{f"{item}_key_slice__in": list(removed)})
    notes = []
    for reading in ReferenceReading.objects.filter(is_key).prefetch_related("annotations").order_by("pk"):
        for pk, slice_ in removed.items():
            items = [item for item in sins.READING_ITEMS if getattr(reading, f"{item}_key_slice_id") == pk]
            if not items:
                continue
            for item in items:
                setattr(reading, f"{item}_key_slice", None)
            labels = [sins.in_sentence(sins.ITEM_LABELS[item]) for item in items]
            of_items = " and of ".join([", of ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
            shapes = sum(1 for a in reading.annotations.all() if a.slice_id == pk and a.item in items)
            with_shapes = f" (with its {shapes} annotation{pluralize(shapes)})" if shapes else ""
            reader = f"{reading.reader_name}’s reading" if reading.reader_name else "the expert reading"
            notes.append(
                f"{slice_.series.label}, image {slice_.position + 1} was the key image of {of_items}{with_shapes} "
                f"in {reader}: choose another on the key images page."
            )
        reading.save()
    return notes


@require_GET
def overview(request, case_id: int, *, model_admin) -> HttpResponse:
    """Each reading's items with their key image and how many shapes are drawn on it."""
    case = get_case_for_author(request, model_admin, case_id)
    readings = list(case.readings.prefetch_related("annotations"))
    slices = {s.pk: s for s in Slice.objects.shown().filter(series__case=case).select_related("series")}
    rows = [(reading, [_row(reading, item, slices) for item in items_of(case)]) for reading in readings]
    context = _context(request, model_admin, case, f"Key images: {case}")
    return TemplateResponse(request, "admin/cases/case/key_images.html", {**context, "rows": rows})


def _row(reading: ReferenceReading, item: str, slices: dict) -> dict:
    key = getattr(reading, f"{item}_key_slice_id")
    shapes = [a.as_data() for a in reading.annotations.all() if a.item == item and a.slice_id == key]
    return {
        "item": item,
        "label": sins.ITEM_LABELS[item],
        "answer": answer(reading, item),
        "slice": slices.get(key),
        "shapes": shapes,
        "shapes_json": json.dumps(shapes),
    }


class SliceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, slice_):
        return f"{slice_.series.label}, image {slice_.position + 1}"


class KeyImageForm(forms.Form):
    """The key image of one item of a reading, and the shapes drawn on it (JSON from annotate.js)."""

    slice = SliceChoiceField(
        queryset=Slice.objects.none(), required=False, empty_label="No key image", widget=forms.RadioSelect
    )
    shapes = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, reading: ReferenceReading, item: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading, self.item = reading, item
        self.fields["slice"].queryset = (
            Slice.objects.shown()
            .filter(series__case=reading.case_id)
            .select_related("series")
            .order_by("series__order", "series", "position", "pk")
        )

    def clean_shapes(self) -> list[Annotation]:
        text = self.cleaned_data["shapes"].strip() or "[]"
        try:
            # Integers become floats: a huge one is then infinity, which the checks below refuse, not an overflow.
            data = json.loads(text, parse_constant=_no_constant, parse_int=float)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to be a drawing
            raise ValidationError("The drawing could not be read; draw it again.") from None
        if not isinstance(data, list) or not all(isinstance(shape, dict) and _readable(shape) for shape in data):
            raise ValidationError("The drawing could not be read; draw it again.")
        if len(data) > Annotation.PER_ITEM_MAX:
            raise ValidationError(f"At most {Annotation.PER_ITEM_MAX} shapes per key image: keep the ones that teach.")
        annotations, errors = [], []
        for number, shape in enumerate(data, 1):
            values = {name: shape[name] for name in FIELDS if shape.get(name) is not None}
            annotation = Annotation(reading=self.reading, item=self.item, **values)
            try:
                annotation.full_clean(exclude=["slice"])
            except ValidationError as error:
                kind = values.get("kind") if values.get("kind") in Annotation.Kind.values else "shape"
                errors += [f"Shape {number} ({kind}): {message}" for message in _messages(error)]
            annotations.append(annotation)
        if errors:
            raise ValidationError(errors)
        return annotations

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("shapes") and not cleaned.get("slice"):
            self.add_error("slice", "Choose the key image the shapes are drawn on, or remove the shapes.")
        return cleaned


def _readable(shape: dict) -> bool:
    """No value a drawing cannot have: the kind and label are text (without NUL, which PostgreSQL refuses), and
    no coordinate is true or false (a bool would pass as 0 or 1). Other wrong values get the model's messages."""
    text = [shape[name] for name in ("kind", "label") if shape.get(name) is not None]
    return all(isinstance(value, str) and "\x00" not in value for value in text) and not any(
        isinstance(shape.get(name), bool) for name in COORDINATES
    )


def _no_constant(name: str):
    raise ValueError(name)  # NaN and Infinity are not numbers a drawing can have


def _messages(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return error.messages
    return [
        message if field == "__all__" else f"{_FIELD_NAMES.get(field, field)}: {message}"
        for field, messages_ in error.message_dict.items()
        for message in messages_
    ]


_FIELD_NAMES = {"kind": "kind", "label": "label", "x1": "position", "y1": "position", "x2": "end", "y2": "end"}


@require_http_methods(["GET", "POST"])
def edit(request, case_id: int, reading_id: int, item: str, *, model_admin) -> HttpResponse:
    """Pick one item's key image among the case's thumbnails and draw on it."""
    case = get_case_for_author(request, model_admin, case_id)
    reading = get_object_or_404(ReferenceReading.objects.select_related("case"), pk=reading_id, case=case)
    if item not in items_of(case):
        raise Http404("No such item.")
    key_field = f"{item}_key_slice"
    stored = reading.annotations.filter(item=item, slice_id=getattr(reading, f"{key_field}_id"))
    initial = {
        "slice": getattr(reading, f"{key_field}_id"),
        "shapes": json.dumps([a.as_data() for a in stored]),
    }
    form = KeyImageForm(request.POST or None, reading=reading, item=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        save(reading, item, form.cleaned_data["slice"], form.cleaned_data["shapes"])
        label = sins.in_sentence(sins.ITEM_LABELS[item])
        count = len(form.cleaned_data["shapes"])
        shapes = f" with {count} shape{pluralize(count)}" if count else ""
        messages.success(request, f"Saved the key image of {label}{shapes}.")
        return redirect("admin:cases_case_key_images", case.pk)
    slices = list(form.fields["slice"].queryset)
    series = {}
    for slice_ in slices:
        series.setdefault(slice_.series, []).append(slice_)
    context = _context(request, model_admin, case, f"Key image: {sins.ITEM_LABELS[item]}")
    context |= {
        "reading": reading,
        "item": item,
        "item_label": sins.ITEM_LABELS[item],
        "answer": answer(reading, item),
        "form": form,
        "series": series.items(),
        "chosen": str(form["slice"].value() or ""),
        "images": {
            str(s.pk): {"src": s.web.url, "width": s.width, "height": s.height, "alt": s.alt_text} for s in slices
        },
        "shape_kinds": Annotation.Kind.choices,
        "label_max": Annotation.LABEL_MAX,
        "overview_url": reverse("admin:cases_case_key_images", args=[case.pk]),
    }
    return TemplateResponse(request, "admin/cases/case/key_image.html", context, status=400 if form.errors else 200)


@transaction.atomic
def save(reading: ReferenceReading, item: str, slice_: Slice | None, shapes: list[Annotation]) -> None:
    """Point the item at its key image and replace the shapes drawn on it, all or nothing."""
    reading = ReferenceReading.objects.select_for_update().get(pk=reading.pk)
    before = [a.as_data() for a in reading.annotations.filter(item=item).order_by("pk")]
    setattr(reading, f"{item}_key_slice", slice_)
    reading.save(update_fields=[f"{item}_key_slice"])  # bumps the case's version if the key image changed
    reading.annotations.filter(item=item).delete()
    for shape in shapes:
        shape.reading, shape.slice = reading, slice_
    # With history (bulk_create alone skips it): the History page lists each shape drawn, by the request's user.
    bulk_create_with_history(shapes, Annotation)
    if before != [a.as_data() for a in shapes]:
        Case.objects.filter(pk=reading.case_id).bump_version(answers=False)  # the shapes are part of the reference


def copy_annotations(source_id: int, copy: ReferenceReading, slice_map: dict, *, by=None) -> None:
    """Give a duplicated reading the shapes of its source reading, on the copied slices (old pk -> new slice),
    each recorded in the history as added `by` that user."""
    shapes = [
        Annotation(**{**a.as_data(), "reading": copy, "item": a.item, "slice": slice_map[a.slice_id]})
        for a in Annotation.objects.filter(reading=source_id)
        if a.slice_id in slice_map
    ]
    bulk_create_with_history(shapes, Annotation, default_user=by)
