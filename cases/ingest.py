"""DICOM import: staged files → hidden series → slices → shown series, with progress on the Ingest row.

`stage()` saves the uploaded files (zips and single DICOM files) under a random storage folder outside what the
media view serves; `run()` imports them synchronously (the task queue and the command call it), `discard()`
gives up on what is held or failed. Files are read one at a time: pass 1 reads headers only and groups them into
series (by an opaque hash of the series UID) and orders each stack; pass 2 decodes each file's frames in that
order and makes the slices. The worker's memory stays flat whatever the series' length.

Series are made hidden (ready=False) and shown in one short transaction at the end; an import that fails
removes what it made, says so in our words, and keeps the staged files so that it can be run again. Nothing of
a header is stored or said except the few technical fields a Series keeps (cases/dicom.py).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
import traceback
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import pluralize
from django.utils import timezone

from cases import dicom, images, zips
from cases.models import STAGING_FOLDER, Case, Ingest, Series, Slice, counted, delete_staged

logger = logging.getLogger(__name__)

# What an archive may unpack to is read with hard limits (cases/zips.py): settings.DICOM_*.
# Files an operating system leaves in folders and archives: skipped without a word.
_CLUTTER = re.compile(r"^(\._.*|\.DS_Store|Thumbs\.db|desktop\.ini|DICOMDIR)$", re.IGNORECASE)
PROGRESS_SECONDS = 0.5
LISTED, REASONS, OTHER_REASONS = 200, 50, "for other reasons"
PROGRESS_FILES = 5


# --- Staging ------------------------------------------------------------------------------------------


def base_name(name: str) -> str:
    """The file's own name, without any folder (either separator), never empty."""
    return PurePosixPath(str(name).replace("\\", "/")).name or "file"


def opened(paths: Iterable[Path]) -> Iterator[tuple[str, BinaryIO]]:
    """Files on disk as `stage()` takes them, one open at a time."""
    for path in paths:
        with path.open("rb") as file:
            yield path.name, file


def stage(case: Case, files: Iterable[tuple[str, object]], *, user=None) -> Ingest:
    """Save the uploaded files (zips and/or single DICOM files) where the worker will read them; the Ingest
    waits, QUEUED, for `run()`. A file is staged under its number in upload order (0001, 0002…): PACS exports
    name files by patient or by UID, so no upload's name is kept, and the import names files by number."""
    source = f"{STAGING_FOLDER}/{secrets.token_urlsafe(12)}"
    try:
        for number, (name, file) in enumerate(files, 1):
            if _CLUTTER.match(base_name(name)):
                continue  # what a file manager leaves in a folder: not the educator's file
            default_storage.save(f"{source}/{number:04d}", File(file, name=f"{number:04d}"))
    except BaseException:
        delete_staged(source)
        raise
    return Ingest.objects.create(case=case, created_by=user, source=source, status=Ingest.Status.QUEUED)


def _staged_names(source: str) -> list[str]:
    try:
        _, names = default_storage.listdir(source)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(names, key=_natural)


def _natural(name: str):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


# --- Where a file comes from ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    label: str  # "17" (the 17th file uploaded) or "5 in archive 2" (the 5th file of the 2nd file uploaded)
    staged: str  # storage name of the staged file
    member: zipfile.ZipInfo | None = None  # the archive's member, when it comes from one


class _Reader:
    """Opens sources one at a time, keeping the current archive open, and enforces the unpacking limits."""

    def __init__(self):
        self._zip_name = None
        self._zip = None
        self._zip_file = None
        self.budget = zips.Budget(settings.DICOM_MAX_TOTAL_BYTES)  # what archives unpack to in pass 1

    def close(self) -> None:
        if self._zip:
            self._zip.close()
            self._zip_file.close()
        self._zip = self._zip_file = self._zip_name = None

    def archive(self, staged: str) -> zipfile.ZipFile:
        if self._zip_name != staged:
            self.close()
            file = default_storage.open(staged, "rb")
            try:
                self._zip = zipfile.ZipFile(file)
            except BaseException:
                file.close()
                raise
            self._zip_file, self._zip_name = file, staged
        return self._zip

    @contextmanager
    def open(self, source: _Source, *, count: bool = False):
        if source.member is None:
            if default_storage.size(source.staged) > settings.DICOM_MAX_FILE_BYTES:
                raise dicom.Refused(f"is larger than {zips.megabytes(settings.DICOM_MAX_FILE_BYTES)}")
            with default_storage.open(source.staged, "rb") as file:
                yield file
            return
        with self._unpacked(source.staged, source.member, count=count) as file:
            yield file

    @contextmanager
    def _unpacked(self, staged: str, info: zipfile.ZipInfo, *, count: bool):
        try:
            with zips.unpacked(
                self.archive(staged),
                info,
                limit=settings.DICOM_MAX_FILE_BYTES,
                max_ratio=settings.DICOM_MAX_RATIO,
                budget=self.budget if count else None,
            ) as file:
                yield file
        except zips.Unsafe as unsafe:
            raise dicom.Refused(str(unsafe)) from None


# --- The import -----------------------------------------------------------------------------------------


@dataclass
class _Item:
    source: _Source
    header: dicom.Header


@dataclass
class _Progress:
    ingest: Ingest
    files_read: int = 0
    images_made: int = 0
    series_made: int = 0
    refused: list = field(default_factory=list)
    held: list = field(default_factory=list)
    _saved_at: float = 0.0
    _unsaved: int = 0

    def save(self, *, now: bool = False) -> None:
        self._unsaved += 1
        if not now and self._unsaved < PROGRESS_FILES and time.monotonic() - self._saved_at < PROGRESS_SECONDS:
            return
        Ingest.objects.filter(pk=self.ingest.pk).update(
            files_read=self.files_read,
            images_made=self.images_made,
            series_made=self.series_made,
            refused=self.refused,
            updated=timezone.now(),
        )  # `held` only at the end of a run: a run cut short has held nothing yet
        self._saved_at, self._unsaved = time.monotonic(), 0

    def refuse(self, source: _Source, reason: str) -> None:
        note(self.refused, source.label, reason)


def note(groups: list[dict], label: str, reason: str) -> None:
    """Count a file under its reason: [{"reason": …, "count": n, "files": ["4", "9", "17"]}]. Bounded whatever
    comes in (a zip of a million junk files): at most LISTED numbers in all and REASONS reasons are kept, the
    rest only counted, so the row stays small to write and the page to draw every second."""
    group = next((group for group in groups if group["reason"] == reason), None)
    if group is None and len(groups) >= REASONS:
        reason = OTHER_REASONS
        group = next((group for group in groups if group["reason"] == reason), None)
    if group is None:
        group = {"reason": reason, "count": 0, "files": []}
        groups.append(group)
    group["count"] += 1
    if sum(len(group["files"]) for group in groups) < LISTED:
        group["files"].append(label)


def confirm(ingest: Ingest) -> bool:
    """The educator checked the files a finished run held: queue their import (one conditional UPDATE, so a
    double click confirms once). False if the import was not waiting for a confirmation."""
    return bool(
        Ingest.objects.filter(pk=ingest.pk, status=Ingest.Status.HELD).update(
            status=Ingest.Status.QUEUED, confirmed=True, updated=timezone.now()
        )
    )


def run(ingest: Ingest, *, confirmed: bool = False) -> Ingest:
    """Import a staged ingest that waits (QUEUED) or failed; returns it, refreshed. Once the educator confirmed
    (`ingest.confirmed`), only the files the first run held are imported, the rest being in already; otherwise
    every file, and `confirmed` (the command's --confirmed) imports the kinds that would be held at once."""
    claimed = Ingest.objects.filter(pk=ingest.pk, status__in=[Ingest.Status.QUEUED, Ingest.Status.FAILED]).update(
        status=Ingest.Status.RUNNING, updated=timezone.now()
    )  # one worker per import: a second task for it (a retry of a lost one) finds it taken
    ingest.refresh_from_db()
    if not claimed:
        return ingest
    held_only = ingest.confirmed
    confirmed = confirmed or held_only
    # What an interrupted or failed run left behind goes first.
    Series.with_unfinished.filter(ingest=ingest, ready=False).delete()
    before = {"images_made": ingest.images_made, "series_made": ingest.series_made, "refused": ingest.refused}
    progress = _Progress(ingest)
    if held_only:
        progress.images_made, progress.series_made = ingest.images_made, ingest.series_made
        progress.refused = list(ingest.refused)
    Ingest.objects.filter(pk=ingest.pk).update(
        files_read=0, images_made=progress.images_made,
        series_made=progress.series_made, refused=progress.refused, held=[] if not held_only else ingest.held,
        message="", updated=timezone.now(),
    )  # fmt: skip
    reader = _Reader()
    try:
        _import(ingest, reader, progress, confirmed=confirmed, held_only=held_only)
    except Exception as error:  # noqa: BLE001 - whatever happened, nothing half-made may stay
        reader.close()
        # The type and the frames only: an exception's text could quote a header value.
        logger.error(
            "DICOM import %s failed: %s\n%s",
            ingest.pk,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        Series.with_unfinished.filter(ingest=ingest, ready=False).delete()
        restore = before if held_only else {"images_made": 0, "series_made": 0, "held": []}
        Ingest.objects.filter(pk=ingest.pk).update(
            status=Ingest.Status.FAILED,
            message="The import stopped on an unexpected error and kept nothing of this run. The uploaded files "
            "are kept: run it again, or discard it.",
            updated=timezone.now(),
            **restore,
        )
    finally:
        reader.close()
    ingest.refresh_from_db()
    return ingest


def _import(ingest: Ingest, reader: _Reader, progress: _Progress, *, confirmed: bool, held_only: bool) -> None:
    case = ingest.case
    sources = _list_sources(ingest, reader, progress, record=not held_only)
    Ingest.objects.filter(pk=ingest.pk).update(files_total=len(sources) + progress.files_read)

    # Pass 1: headers only, file by file.
    groups: dict[tuple[str, str], list[_Item]] = {}
    held_files = set()  # the staged files (or archives) that hold what is held
    images = set()  # the images met so far (their instance keys): a study zipped twice over gives each once
    for source in sources:
        try:
            with reader.open(source, count=True) as file:
                header = dicom.read_header(file)
        except dicom.Refused as refusal:
            if not held_only:  # a held-only run read these files before and reported them then
                progress.refuse(source, str(refusal))
            progress.files_read += 1
            progress.save()
            continue
        if header.instance_key in images:
            if not held_only:
                progress.refuse(source, "is a second copy of an image already in this upload")
            progress.files_read += 1
            progress.save()
            continue
        if header.instance_key:
            images.add(header.instance_key)
        if held_only and not header.held:
            progress.files_read += 1  # imported by the first run
        elif header.held and not confirmed:
            note(progress.held, source.label, f"{header.held}. {dicom.HELD_TEXT}")
            held_files.add(source.staged)
            progress.files_read += 1
        else:
            groups.setdefault((header.series_key, header.modality), []).append(_Item(source, header))
        progress.save()
    progress.save(now=True)

    # Pass 2: the pixels, series by series, in stack order.
    order = (Series.with_unfinished.filter(case=case).aggregate(Max("order"))["order__max"] or 0) + 1
    for items in groups.values():
        if _make_series(case, ingest, reader, progress, items, order):
            order += 1
    progress.save(now=True)

    with transaction.atomic():
        Series.with_unfinished.filter(ingest=ingest, ready=False).update(ready=True)
        Case.objects.filter(pk=case.pk).update(updated=timezone.now())  # the viewer's cache moves on

    message = summary(progress.images_made, progress.series_made, counted(progress.refused), counted(progress.held))
    if progress.held:
        status = Ingest.Status.HELD
        # Only what is held waits, headers and all, for the educator: the rest is imported or refused.
        for name in _staged_names(ingest.source):
            if f"{ingest.source}/{name}" not in held_files:
                default_storage.delete(f"{ingest.source}/{name}")
    else:
        status = Ingest.Status.DONE
        delete_staged(ingest.source)
    Ingest.objects.filter(pk=ingest.pk).update(
        status=status, message=message, files_read=progress.files_read, images_made=progress.images_made,
        series_made=progress.series_made, refused=progress.refused, held=progress.held, updated=timezone.now(),
    )  # fmt: skip


def _list_sources(ingest: Ingest, reader: _Reader, progress: _Progress, *, record: bool) -> list[_Source]:
    """Every file to read, in upload order (staged files by number; an archive's members in its order)."""
    sources = []
    for name in _staged_names(ingest.source):
        staged = f"{ingest.source}/{name}"
        number = int(name) if name.isdigit() else 0
        with default_storage.open(staged, "rb") as file:
            # A zip cut short has lost the directory at its end, but still begins as a zip does.
            is_zip = zipfile.is_zipfile(file) or (file.seek(0) == 0 and file.read(4) == b"PK\x03\x04")
        if not is_zip:
            sources.append(_Source(str(number), staged))
            continue
        try:
            members = [info for info in reader.archive(staged).infolist() if not info.is_dir()]
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            if record:
                progress.refuse(_Source(str(number), staged), "is a damaged zip archive")
            progress.files_read += 1
            continue
        for index, info in enumerate(members, 1):
            parts = info.filename.replace("\\", "/").split("/")
            if "__MACOSX" in parts or _CLUTTER.match(base_name(info.filename)):
                continue
            source = _Source(f"{index} in archive {number}", staged, info)
            if problem := zips.member_problem(info):
                if record:
                    progress.refuse(source, problem)
                progress.files_read += 1
                continue
            sources.append(source)
    if len(sources) > settings.DICOM_MAX_FILES:
        for source in sources[settings.DICOM_MAX_FILES :]:
            if record:
                progress.refuse(source, f"is past the {settings.DICOM_MAX_FILES:,} files one import may hold")
            progress.files_read += 1
        sources = sources[: settings.DICOM_MAX_FILES]
    return sources


def _make_series(case: Case, ingest: Ingest, reader: _Reader, progress: _Progress, items: list[_Item], order: int):
    """One hidden series with its slices; None if no file of it could be decoded."""
    items = [items[i] for i in dicom.stack_order([item.header for item in items])]
    headers = [item.header for item in items]
    first = headers[0]
    colour = any(h.colour for h in headers)
    offset = images.SIGNED_OFFSET if first.modality == "ct" or any(h.signed_values for h in headers) else 0
    window = first.window
    if window is None and not colour:
        window = _automatic_window(reader, items)
    total = sum(h.frames for h in headers)
    series = Series(
        case=case,
        ingest=ingest,
        ready=False,
        order=order,
        modality=first.modality,
        plane=first.plane,
        sequence=first.sequence,
        window_width=window[0] if window else None,
        window_center=window[1] if window else None,
        rescale_slope=None if colour else 1.0,
        rescale_intercept=None if colour else float(-offset),
        row_spacing=first.spacing[0] if first.spacing else None,
        column_spacing=first.spacing[1] if first.spacing else None,
        slice_spacing=dicom.slice_spacing(headers),
        orientation=list(first.orientation) if first.orientation else None,
    )
    # Made by the worker, not in a request: the case's history names who uploaded it, and how it came.
    series._history_user, series._change_reason = ingest.created_by, "DICOM import"
    series.save()
    presets = {"bone": images.BONE_WINDOW, "soft_tissue": images.SOFT_TISSUE_WINDOW}
    windows = presets if first.modality == "ct" and not colour else None
    position = 0
    for item in items:
        made = 0
        try:
            with reader.open(item.source) as file:
                for values in dicom.iter_values(file):
                    if values.ndim == 3 and not colour:
                        raise dicom.Refused("holds colour frames in a greyscale series")
                    processed = images.process_values(values, window=window or (1.0, 0.5), windows=windows,
                                                      offset=offset)  # fmt: skip
                    Slice.create_from_upload(
                        series, processed, position=position, alt_text=alt_text(series, case, position, total)
                    )
                    position += 1
                    made += 1
                    progress.images_made += 1
        except dicom.Refused as refusal:
            progress.refuse(item.source, str(refusal) + (f" (after {made} of its frames)" if made else ""))
        progress.files_read += 1
        progress.save()
    if position == 0:
        series.delete()
        return None
    if position != total:  # some files were refused on the way: "image 3 of 9" must still add up
        slices = list(Slice.objects.filter(series=series))
        for slice_ in slices:
            slice_.alt_text = alt_text(series, case, slice_.position, position)
        Slice.objects.bulk_update(slices, ["alt_text"])
    progress.series_made += 1
    return series


def _automatic_window(reader: _Reader, items: list[_Item]) -> tuple[float, float] | None:
    """The 1st–99th percentiles of the middle image, as (width, level); None if nothing decodes."""
    middle = len(items) // 2
    for item in items[middle:] + items[:middle][::-1]:
        try:
            with reader.open(item.source) as file:
                frames = dicom.iter_values(file)
                values = next(frames, None)
                frames.close()
        except dicom.Refused:
            continue
        if values is None or values.ndim == 3:
            continue
        low, high = np.percentile(values, [1, 99])
        width, level = max(float(high - low), 1.0), float(low + high) / 2
        # Whole numbers, as a window is written, unless the values span too little for them (a fraction's scale).
        return (round(width), round(level)) if width >= 10 else (width, level)
    return None


def alt_text(series: Series, case: Case, position: int, total: int) -> str:
    """As the admin's upload writes it ("Axial CT of the thoracic spine, image 3 of 9"), so it renumbers too."""
    region = case.get_region_display().lower()
    place = f" of the {region} spine" if region else ""
    return f"{series.label}{place}, image {position + 1} of {total}"


def summary(images_made: int, series_made: int, refused: int = 0, held: int = 0) -> str:
    """ "Imported 212 images in 3 series. Refused 2 files." """
    if not images_made and not held:
        reasons = f": {count(refused, 'file')} refused, each with its reason" if refused else ""
        return f"Nothing was imported{reasons}."
    text = f"Imported {count(images_made, 'image')} in {series_made} series."
    if refused:
        text += f" Refused {count(refused, 'file')}."
    if held:
        they = "it may show" if held == 1 else "they may show"
        text += f" Holding {count(held, 'file')} for your confirmation: {they} burned-in text."
    return text


def count(n: int, noun: str) -> str:
    """ "1 file", "1,204 files" """
    return f"{n:,} {noun}{pluralize(n)}"


def discard(ingest: Ingest) -> bool:
    """Give up on a held, failed, interrupted or long-waiting import: delete its staged files and what it left
    unfinished. One conditional UPDATE decides, so a Confirm or a worker that moved the row first wins; False
    then. An import that made nothing shown leaves no record; one that did (held files) is DONE, and says so."""
    item = Ingest.objects.filter(pk=ingest.pk).first()
    if item is None:
        return False
    made = Series.objects.filter(ingest=item).exists()
    message = summary(item.images_made, item.series_made, counted(item.refused))
    if item.held:
        held = counted(item.held)
        message += f" Discarded {count(held, 'held file')} without importing {'it' if held == 1 else 'them'}."
    rows = Ingest.objects.filter(Ingest.discardable(), pk=item.pk, status=item.status, updated=item.updated)
    if not rows.update(status=Ingest.Status.DONE, message=message, updated=timezone.now()):
        return False
    Series.with_unfinished.filter(ingest=item, ready=False).delete()
    delete_staged(item.source)
    if not made:
        Ingest.objects.filter(pk=item.pk).delete()
    return True


def expire() -> int:
    """Discard the imports left waiting (held, failed, interrupted, never taken) for more than DICOM_KEEP_DAYS
    days, with their staged uploads; returns how many. The worker runs it before each import, and
    `manage.py expire_dicom_imports` (daily, from a timer) where no import comes in."""
    old = timezone.now() - timedelta(days=settings.DICOM_KEEP_DAYS)
    return sum(discard(item) for item in Ingest.objects.filter(Ingest.discardable(), updated__lt=old))
