"""Reading DICOM files for the import (cases/ingest.py): headers, order, and pixels in the modality's units.

De-identification by construction: nothing here returns a header's text. A file's header becomes a `Header` of
numbers and of codes from our own vocabulary (modality, plane, sequence tokens); the series it belongs to is
known only by an opaque hash of its UID. Refusals and holds give reasons in our own words. pydicom's warnings
(which can quote values) are silenced while we read, and its reading validation is off for the same reason.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pydicom
from django.conf import settings
from pydicom import config as pydicom_config
from pydicom import uid as dicom_uid
from pydicom.errors import InvalidDicomError
from pydicom.filereader import _read_file_meta_info, read_preamble
from pydicom.pixels import apply_rescale, get_decoder, iter_pixels

from cases import images

# Never let pydicom warn about a value it finds odd: such warnings quote the value (a name, a date…).
pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE
# pydicom logs a decoder's failure with its traceback; our refusal says what the educator needs, in our words.
logging.getLogger("pydicom").setLevel(logging.CRITICAL)


class Refused(Exception):
    """A file the import leaves out; the message is the reason, in our words, for the educator."""


# Modality codes → Series.Modality values. Kinds in HELD_MODALITIES wait for the educator's confirmation.
MODALITIES = {
    "CT": "ct",
    "MR": "mri",
    "CR": "radiograph",
    "DX": "radiograph",
    "DR": "radiograph",
    "RF": "radiograph",
    "XA": "radiograph",
    "US": "us",
    "OT": "other",
    "SC": "other",
}
HELD_MODALITIES = {"US": "ultrasound, which often shows text in the image", "OT": "a secondary capture (other)",
                   "SC": "a secondary capture"}  # fmt: skip
SECONDARY_CAPTURE_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture Image Storage
    "1.2.840.10008.5.1.4.1.1.7.1",  # Multi-frame Single Bit SC
    "1.2.840.10008.5.1.4.1.1.7.2",  # Multi-frame Grayscale Byte SC
    "1.2.840.10008.5.1.4.1.1.7.3",  # Multi-frame Grayscale Word SC
    "1.2.840.10008.5.1.4.1.1.7.4",  # Multi-frame True Color SC
}
# CT and MR image classes: in these, DERIVED\SECONDARY marks a reformat computed from the volume (an MPR), not a
# screenshot, so it is imported at once (a SCREEN SAVE still waits for confirmation).
RECONSTRUCTIONS = {
    "1.2.840.10008.5.1.4.1.1.2",  # CT Image Storage
    "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT
    "1.2.840.10008.5.1.4.1.1.2.2",  # Legacy Converted Enhanced CT
    "1.2.840.10008.5.1.4.1.1.4",  # MR Image Storage
    "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR
    "1.2.840.10008.5.1.4.1.1.4.4",  # Legacy Converted Enhanced MR
}
HELD_TEXT = "It may show burned-in text that identifies the patient: check it, then confirm."

# Compression families, named in our words (never the UID a file declares).
_FAMILIES = (
    ("1.2.840.10008.1.2.4.8", "JPEG-LS"),
    ("1.2.840.10008.1.2.4.9", "JPEG 2000"),
    ("1.2.840.10008.1.2.4.20", "HTJ2K"),
    ("1.2.840.10008.1.2.4.10", "MPEG video"),
    ("1.2.840.10008.1.2.4.11", "JPEG XL"),
    ("1.2.840.10008.1.2.4.", "JPEG"),
    ("1.2.840.10008.1.2.5", "RLE"),
)

# Our vocabulary for the sequence or window: (label, pattern over one upper-case token of the header's text).
_MR_TOKENS = (
    ("T1", r"T1(W|WI)?"),
    ("T2", r"T2(W|WI)?"),
    ("PD", r"PD(W|WI)?"),
    ("STIR", r"STIR"),
    ("FLAIR", r"FLAIR"),
    ("DWI", r"DWI|DIFFUSION"),
    ("ADC", r"ADC"),
)
_CONTRAST = r"C\+|\+C|POST|GAD|GD|\+GD|CONTRAST|CE"
_FAT_SAT = r"FS|FATSAT|SPAIR|SPIR|FATSUPP|FS\+C"
_CT_KERNELS = (("bone kernel", r"BONE\w*|B[67]\d[FS]?"), ("soft-tissue kernel", r"SOFT\w*|STD|STANDARD|B[234]\d[FS]?"))


@dataclass(frozen=True)
class Header:
    """What the import keeps of one file's header: numbers and our own codes, nothing a person wrote."""

    series_key: str  # an opaque hash of the SeriesInstanceUID
    instance_key: str | None  # an opaque hash of the SOPInstanceUID: the same image twice has the same one
    modality: str  # a Series.Modality value
    plane: str  # a Series.Plane value
    sequence: str  # built from our vocabulary only
    frames: int
    rows: int
    columns: int
    position: tuple[float, float, float] | None
    orientation: tuple[float, ...] | None  # six direction cosines
    instance: int | None
    window: tuple[float, float] | None  # (width, center) of the header's first window, as images.py takes it
    spacing: tuple[float, float] | None  # (row, column) in mm
    colour: bool
    signed_values: bool  # values below zero are possible (after rescale)
    held: str | None  # why the educator must confirm it, or None

    @property
    def normal(self) -> tuple[float, float, float] | None:
        return _normal(self.orientation) if self.orientation else None


@contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def read_header(file: BinaryIO) -> Header:
    """The header of one file (pixels not read); raise Refused with the reason when it cannot be imported."""
    file.seek(0)
    try:
        with _quiet():
            # What pydicom's read_file_meta_info does, which opens a path itself and not a file it is given.
            read_preamble(file, False)
            meta = _read_file_meta_info(file)
    except Exception:  # noqa: BLE001 - no file meta: dcmread below says what the file is
        meta = None
    if meta is not None and meta.get("TransferSyntaxUID") == dicom_uid.DeflatedExplicitVRLittleEndian:
        # Refused before dcmread, which would inflate the whole dataset (a deflate bomb) just to read its header.
        raise Refused("Deflate: a whole-file compression not read here; export the study uncompressed, or with JPEG, "
                      "JPEG 2000 or RLE")  # fmt: skip
    file.seek(0)
    try:
        with _quiet():
            ds = pydicom.dcmread(file, stop_before_pixels=True)
    except InvalidDicomError:
        raise Refused("not a DICOM file") from None
    except Exception:  # noqa: BLE001 - whatever pydicom raises on a damaged file, the reason is the same
        raise Refused("could not be read: it looks truncated or damaged") from None
    try:
        with _quiet():
            return _header(ds)
    except Refused:
        raise
    except Exception:  # noqa: BLE001 - a number that is text ("ZQ^SMI" frames): the error's text quotes it
        raise Refused("has a damaged header") from None


def _header(ds) -> Header:
    if "Rows" not in ds or "Columns" not in ds:
        raise Refused("holds no image (a directory, report or other non-image object)")
    if str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES":
        raise Refused("declares burned-in annotation: text in the image may identify the patient")
    code = str(ds.get("Modality", "")).strip().upper()
    sop_class = str(ds.get("SOPClassUID", "") or getattr(ds.get("file_meta"), "MediaStorageSOPClassUID", ""))
    secondary = sop_class in SECONDARY_CAPTURE_CLASSES
    if code not in MODALITIES and not secondary:
        raise Refused("not a kind of image we import (CT, MR, radiographs, ultrasound and secondary captures)")
    syntax = getattr(ds.get("file_meta"), "TransferSyntaxUID", None) or dicom_uid.ImplicitVRLittleEndian
    _check_decodable(syntax)
    rows, columns, frames = int(ds.Rows), int(ds.Columns), int(ds.get("NumberOfFrames") or 1)
    if rows <= 0 or columns <= 0 or frames <= 0:
        raise Refused("declares an empty image")
    if rows * columns > settings.MAX_IMAGE_PIXELS:
        raise Refused(f"its images are too large; they may have at most {settings.MAX_IMAGE_PIXELS // 1_000_000} "
                      "megapixels")  # fmt: skip
    if narrow := images.too_narrow(columns, rows):
        raise Refused(f"its images are {narrow}")
    if frames > settings.DICOM_MAX_FRAMES:
        raise Refused(f"holds more than {settings.DICOM_MAX_FRAMES} frames")
    samples = int(ds.get("SamplesPerPixel") or 1)
    if samples not in (1, 3):
        raise Refused("has an image layout we do not read")
    # A slope of 0 or not a number, or an intercept not a number, would import every pixel the same: a blank image.
    if ("RescaleSlope" in ds and not _first(ds.get("RescaleSlope"))) or (
        "RescaleIntercept" in ds and _first(ds.get("RescaleIntercept")) is None
    ):
        raise Refused("has a damaged header: its rescale slope or intercept is not a usable number")

    image_type = {str(value).strip().upper() for value in (ds.get("ImageType") or [])}
    held = None
    if secondary:
        held = "a secondary capture"
    elif "SCREEN SAVE" in image_type or ({"DERIVED", "SECONDARY"} <= image_type and sop_class not in RECONSTRUCTIONS):
        held = "a derived screenshot"
    elif code in HELD_MODALITIES:
        held = HELD_MODALITIES[code]
    if samples == 3 and not held:
        held = "a colour image"
    modality = MODALITIES.get(code, "other")  # a secondary capture of an unlisted kind: "other imaging"

    orientation = _floats(ds.get("ImageOrientationPatient"), 6)
    position = _floats(ds.get("ImagePositionPatient"), 3)
    if orientation and not _normal(orientation):
        orientation = None
    window = _window(ds)
    spacing = _floats(ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing"), 2)
    return Header(
        series_key=hashlib.sha256(str(ds.get("SeriesInstanceUID", "")).encode()).hexdigest()[:24],
        instance_key=_uid_key(ds.get("SOPInstanceUID")),
        modality=modality,
        plane=_plane(modality, orientation, str(ds.get("ViewPosition", "")).strip().upper()),
        sequence=_sequence(modality, ds),
        frames=frames,
        rows=rows,
        columns=columns,
        position=position,
        orientation=orientation,
        instance=_int(ds.get("InstanceNumber")),
        window=window,
        spacing=spacing if spacing and all(v > 0 for v in spacing) else None,
        colour=samples == 3,
        signed_values=_signed(ds),
        held=held,
    )


def _uid_key(uid) -> str | None:
    return hashlib.sha256(str(uid).encode()).hexdigest()[:24] if uid else None


def _check_decodable(syntax) -> None:
    if not dicom_uid.UID(syntax).is_transfer_syntax:
        raise Refused("declares an encoding of its pixels we do not know")
    family = next((name for prefix, name in _FAMILIES if str(syntax).startswith(prefix)), "this compression")
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise Refused(f"{family}: no decoder exists for it here") from None
    if not decoder.is_available:
        raise Refused(f"{family}: no decoder installed")


def _floats(value, count: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count and all(map(math.isfinite, numbers)) else None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _first(value) -> float | None:
    if value is None:
        return None
    try:
        value = value[0] if isinstance(value, pydicom.multival.MultiValue) else value
        number = float(value)
    except (TypeError, ValueError, IndexError):
        return None
    return number if math.isfinite(number) else None


def _window(ds) -> tuple[float, float] | None:
    center, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
    if center is None or width is None or width <= 0:
        return None
    # Our windows are in the modality's units; a header's window is too unless a VOI LUT says otherwise. Inverted
    # greyscale is mirrored on the way in (_in_units): its window is mirrored with it.
    mirror = _mirror(ds)
    return width, (center if mirror is None else mirror - center)


def _mirror(ds) -> float | None:
    """For inverted greyscale (MONOCHROME1, the highest value black): the sum that mirrors a value within the
    stored range, in the modality's units; None for any other image."""
    if str(ds.get("PhotometricInterpretation", "")).strip().upper() != "MONOCHROME1":
        return None
    bits = int(ds.get("BitsStored") or 16)
    signed = int(ds.get("PixelRepresentation") or 0) == 1
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    with _quiet():
        bounds = apply_rescale(np.array([low, high], dtype=np.float64), ds)
    return float(bounds.min()) + float(bounds.max())


def _signed(ds) -> bool:
    if int(ds.get("PixelRepresentation") or 0) == 1:
        return True
    intercept = _first(ds.get("RescaleIntercept")) or 0.0
    slope = _first(ds.get("RescaleSlope"))
    return intercept < 0 or (slope is not None and slope < 0)


def _normal(cosines) -> tuple[float, float, float] | None:
    row, column = cosines[:3], cosines[3:]
    normal = (
        row[1] * column[2] - row[2] * column[1],
        row[2] * column[0] - row[0] * column[2],
        row[0] * column[1] - row[1] * column[0],
    )
    length = math.sqrt(sum(n * n for n in normal))
    return tuple(n / length for n in normal) if length > 1e-6 else None


def _dominant_axis(normal) -> int:
    return max(range(3), key=lambda axis: abs(normal[axis]))


def _plane(modality: str, orientation, view: str) -> str:
    normal = _normal(orientation) if orientation else None
    if modality == "radiograph":
        if view in ("LL", "RL", "LAT", "LATERAL", "LLD", "RLD"):
            return "lateral"
        if view in ("AP", "PA"):
            return "ap"
        return "lateral" if normal and _dominant_axis(normal) == 0 else "ap"
    if normal is None:
        return "axial"
    return ("sagittal", "coronal", "axial")[_dominant_axis(normal)]


def _tokens(ds) -> list[str]:
    text = " ".join(
        " ".join(map(str, value)) if isinstance(value, pydicom.multival.MultiValue) else str(value)
        for value in (ds.get(name) for name in ("SeriesDescription", "SequenceName", "ScanningSequence"))
        if value is not None
    )
    return [token for token in re.split(r"[^A-Z0-9+*]+", text.upper()) if token]


def _sequence(modality: str, ds) -> str:
    """The sequence or window, built only from our vocabulary: no text of the header is ever copied."""
    tokens = _tokens(ds)

    def found(pattern: str) -> bool:
        return any(re.fullmatch(pattern, token) for token in tokens)

    if modality == "mri":
        words = [label for label, pattern in _MR_TOKENS if found(pattern)]
        if found(_CONTRAST) or any(t.endswith("+C") or t.startswith("C+") for t in tokens):
            words.append("C+")
        if found(_FAT_SAT):
            words.append("fat-sat")
        return " ".join(words)
    if modality == "ct":
        return next((label for label, pattern in _CT_KERNELS if found(pattern)), "")
    return ""


# --- Order ------------------------------------------------------------------------------------------

# The direction a stack is read in, per plane (patient axes, +x left, +y back, +z head): axial from head to
# feet, sagittal from right to left, coronal from front to back, as the demo's phantoms and most viewers do.
_READING_DIRECTION = {0: 1.0, 1: 1.0, 2: -1.0}


def stack_order(headers: list[Header]) -> list[int]:
    """Indices of `headers` (one series, in file order) in stack order: by position along the slice normal;
    else by InstanceNumber; else as the files came."""
    if not headers:
        return []
    normal = headers[0].normal
    if normal and all(h.position for h in headers):
        axis = _dominant_axis(normal)
        sign = math.copysign(1.0, normal[axis]) * _READING_DIRECTION[axis]
        key = [sign * sum(p * n for p, n in zip(h.position, normal, strict=True)) for h in headers]
        return sorted(range(len(headers)), key=lambda i: (key[i], headers[i].instance or 0, i))
    if all(h.instance is not None for h in headers):
        return sorted(range(len(headers)), key=lambda i: (headers[i].instance, i))
    return list(range(len(headers)))


def slice_spacing(headers: list[Header]) -> float | None:
    """The median distance between neighbouring positions along the normal (headers in stack order)."""
    normal = headers[0].normal if headers else None
    if not normal or len(headers) < 2 or not all(h.position for h in headers):
        return None
    along = [sum(p * n for p, n in zip(h.position, normal, strict=True)) for h in headers]
    gaps = sorted(abs(b - a) for a, b in zip(along, along[1:], strict=False))
    gap = gaps[len(gaps) // 2]
    return round(gap, 4) if gap > 1e-6 else None


# --- Pixels -----------------------------------------------------------------------------------------


def iter_values(file: BinaryIO) -> Iterator[np.ndarray]:
    """The file's frames one by one, in the modality's units (float32; CT in HU after RescaleSlope/Intercept,
    MONOCHROME1 turned to the MONOCHROME2 sense); colour frames as uint8 RGB. Only one frame is decoded at a
    time. Raise Refused when the pixels cannot be decoded."""
    file.seek(0)
    ds = pydicom.Dataset()
    frames = iter_pixels(file, ds_out=ds)
    index = 0
    while True:
        try:
            with _quiet():
                frame = next(frames)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001 - a damaged or short pixel stream, whatever the decoder raises
            if index == 0 and (whole := _single_frame_read_whole(file)) is not None:
                yield whole
                return
            raise Refused(f"its image data could not be decoded (frame {index + 1}): it looks truncated or "
                          "damaged") from None  # fmt: skip
        index += 1
        try:
            values = _in_units(frame, ds)
        except Exception:  # noqa: BLE001 - a rescale or bit depth that is not a number; the error would quote it
            frames.close()  # now, while its file is open
            raise Refused("has a damaged header: its pixels cannot be put in the modality's units") from None
        yield values


def _single_frame_read_whole(file: BinaryIO) -> np.ndarray | None:
    """A one-frame image whose pixel stream a frame-by-frame read rejects (an encapsulated frame without the
    offset table's item, which some writers leave out) but pydicom reads whole; None if it cannot, or if the file is
    larger than one frame could be."""
    try:
        file.seek(0)
        with _quiet():
            head = pydicom.dcmread(file, stop_before_pixels=True)
            frame_bytes = int(head.Rows) * int(head.Columns) * int(head.get("SamplesPerPixel") or 1) * 2
            size = file.seek(0, os.SEEK_END)
            # Read whole only what is no larger than one decoded frame (and its header): memory stays flat.
            if int(head.get("NumberOfFrames") or 1) != 1 or size > frame_bytes + 1024 * 1024:
                return None
            file.seek(0)
            ds = pydicom.dcmread(file)
            return _in_units(ds.pixel_array, ds)
    except Exception:  # noqa: BLE001 - damaged after all: the caller refuses it
        return None


def _in_units(frame: np.ndarray, ds) -> np.ndarray:
    if frame.ndim == 3:
        if frame.dtype != np.uint8:
            top = float(frame.max()) or 1.0
            frame = (frame.astype(np.float32) * (255.0 / top)).clip(0, 255).astype(np.uint8)
        return frame
    with _quiet():
        values = apply_rescale(frame, ds).astype(np.float32, copy=False)
    if (mirror := _mirror(ds)) is not None:
        values = mirror - values
    return values
