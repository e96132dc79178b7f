"""The image pipeline: every picture that enters the library passes through `process()`.

Teaching images may come from patient imaging, so an upload is recognised by its content (never its name),
checked against size and pixel limits before it is decoded, decoded completely, turned upright by its EXIF
orientation, and re-encoded from its pixels alone: no EXIF, comments, XMP or text chunks survive. The web
derivative and the thumbnail are made here too; the model stores all three through the storage API.
"""

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPTED_TEXT = "JPEG, PNG or WebP"
WEB_MAX_SIDE = 1024
THUMBNAIL_MAX_SIDE = 256
SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
# The long side at most this many times the short one: no slice or radiograph is a sliver, and one would shrink to
# a thumbnail less than a pixel wide.
MAX_ASPECT = 20


def too_narrow(width: int, height: int) -> str | None:
    """Why an image of this size is refused ("1 × 3000 pixels: too narrow…"), or None when it is not."""
    if max(width, height) <= MAX_ASPECT * min(width, height):
        return None
    return f"{width} × {height} pixels: too narrow to be an image of the spine"


@dataclass(frozen=True)
class ProcessedImage:
    original: ContentFile  # lossless PNG of the upright pixels, nothing else
    web: ContentFile  # 8-bit JPEG, at most WEB_MAX_SIDE on the long side
    thumbnail: ContentFile  # 8-bit JPEG, at most THUMBNAIL_MAX_SIDE on the long side
    width: int
    height: int
    extension: str = "png"
    # CT from DICOM only: the bone and soft-tissue windows (8-bit JPEG, like `web`, which is the study's window).
    bone: ContentFile | None = None
    soft_tissue: ContentFile | None = None


# CT presets (width, level) in Hounsfield units: the derivatives made here, and the viewer's windows
# (cases.models.BONE_WINDOW, SOFT_TISSUE_WINDOW).
BONE_WINDOW = (2000, 500)
SOFT_TISSUE_WINDOW = (400, 40)
# A 16-bit original holds round(value) + OFFSET, so original × 1 − OFFSET = the value in the modality's units.
SIGNED_OFFSET = 32768


def process(upload) -> ProcessedImage:
    """Validate and normalise one uploaded file; raise ValidationError with a message for the uploader."""
    name = PurePath(getattr(upload, "name", "") or "The file").name
    image = _open_checked(upload, name)
    image = _pixels_only(_normalise_mode(ImageOps.exif_transpose(image)))
    eight_bit = to_8bit(image)
    return ProcessedImage(
        original=ContentFile(_encode(image, "PNG")),
        web=ContentFile(_encode(_shrunk(eight_bit, WEB_MAX_SIDE), "JPEG", quality=88)),
        thumbnail=ContentFile(_encode(_shrunk(eight_bit, THUMBNAIL_MAX_SIDE), "JPEG", quality=80)),
        width=image.width,
        height=image.height,
    )


def process_values(
    values: np.ndarray,
    *,
    window: tuple[float, float],
    windows: dict[str, tuple[float, float]] | None = None,
    offset: int = SIGNED_OFFSET,
) -> ProcessedImage:
    """One DICOM frame in the modality's units (HU for CT) → a ProcessedImage.

    The original is a lossless 16-bit greyscale PNG of round(values) + `offset` (so the series records slope 1
    and intercept −offset); `web` and the thumbnail show `window` = (width, level); `windows` may add "bone"
    and "soft_tissue" derivatives, each with its own (width, level). Windowing is plain linear: values at or
    below level − width/2 are black, at or above level + width/2 white, linear between (not DICOM's
    "c − 0.5, w − 1" variant: at these widths the difference is below one grey level). A colour frame
    (uint8 RGB, allowed only for held kinds the educator confirmed) is stored as it is, without windows.
    """
    height, width = values.shape[:2]
    if values.ndim == 3:
        image = Image.fromarray(np.ascontiguousarray(values, dtype=np.uint8), "RGB")
        return ProcessedImage(
            original=ContentFile(_encode(image, "PNG", compress_level=1)),
            web=ContentFile(_encode(_shrunk(image, WEB_MAX_SIDE), "JPEG", quality=88)),
            thumbnail=ContentFile(_encode(_shrunk(image, THUMBNAIL_MAX_SIDE), "JPEG", quality=80)),
            width=width,
            height=height,
        )
    stored = np.clip(np.rint(values) + offset, 0, 65535).astype(np.uint16)
    # Low zlib effort: the PNG stays lossless, and the import keeps pace with reading the files.
    original = _encode(Image.fromarray(stored), "PNG", compress_level=1)
    web = _quickly_shrunk(windowed(values, *window), WEB_MAX_SIDE)
    extra = {
        name: ContentFile(_encode(_quickly_shrunk(windowed(values, *preset), WEB_MAX_SIDE), "JPEG", quality=88))
        for name, preset in (windows or {}).items()
    }
    return ProcessedImage(
        original=ContentFile(original),
        web=ContentFile(_encode(web, "JPEG", quality=88)),
        thumbnail=ContentFile(_encode(_quickly_shrunk(web, THUMBNAIL_MAX_SIDE), "JPEG", quality=80)),
        width=width,
        height=height,
        **extra,
    )


def _quickly_shrunk(image: Image.Image, max_side: int) -> Image.Image:
    """Like _shrunk, a few times faster (a box reduction first): a stack of hundreds of slices is waiting."""
    if max(image.size) <= max_side:
        return image
    size = ImageOps.contain(Image.new("1", image.size), (max_side, max_side)).size
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def windowed(values: np.ndarray, width: float, level: float) -> Image.Image:
    """An 8-bit greyscale picture of `values` through the linear window (width, level)."""
    low = level - width / 2
    scale = np.float32(255.0 / max(width, 1e-6))
    grey = (values - np.float32(low)) * scale
    np.clip(grey, 0, 255, out=grey)
    grey += 0.5
    return Image.fromarray(grey.astype(np.uint8), "L")


def stored_max_bytes() -> int:
    """The most bytes a file the pipeline stores may have: its originals are PNGs of at most MAX_IMAGE_PIXELS,
    which from DICOM or a well-compressed upload can be larger than any upload may be. Per pixel: 3 bytes (8-bit
    RGB; 16-bit grey takes 2) and at most 1 for its row's filter byte; then 1 % and 64 KiB for zlib's and the
    chunks' framing."""
    pixels = settings.MAX_IMAGE_PIXELS
    return pixels * 4 + pixels // 100 + 64 * 1024


def _open_checked(upload, name: str, limit: int | None = None) -> Image.Image:
    size = getattr(upload, "size", None)
    limit = limit or settings.MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise ValidationError(
            f"{name} is {size / 1_000_000:.1f} MB; images may be at most {limit / 1_000_000:.0f} MB.",
            code="too_large",
        )
    if size == 0:
        raise ValidationError(f"{name} is empty.", code="empty")
    max_pixels = settings.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            # We apply our own, lower limit below; Pillow's warning would only add noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=ACCEPTED_FORMATS) as header:
                # Only the header has been read so far: refuse pixel floods before decoding anything.
                if header.width * header.height > max_pixels:
                    raise _too_many_pixels(name, header.width, header.height, max_pixels)
                if narrow := too_narrow(header.width, header.height):
                    raise ValidationError(
                        f"{name} is {narrow} (its long side may be at most {MAX_ASPECT} times its short side).",
                        code="too_narrow",
                    )
                header.verify()
            upload.seek(0)
            image = Image.open(upload, formats=ACCEPTED_FORMATS)
            image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, None, None, max_pixels) from None
    except UnidentifiedImageError:
        raise ValidationError(
            f"{name} is not an image we accept. Upload {ACCEPTED_TEXT} files (recognised by their content, "
            "not their name).",
            code="unsupported",
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            f"{name} could not be read completely: it looks truncated or damaged ({error}).", code="damaged"
        ) from None
    return image


def check_stored(file, name: str) -> Image.Image:
    """An image file as the pipeline stores it, from elsewhere (a case archive), kept byte for byte: the upload's
    checks (recognised format, size and pixel limits, a complete decode) and nothing but pixels in it. Returns
    the decoded image; raises ValidationError with a message for the educator. Its size is capped by the pixel
    limit (stored_max_bytes), not the upload's: the site must read back what it stored."""
    image = _open_checked(file, name, stored_max_bytes())
    file.seek(0)
    data = file.read()
    clean = {"PNG": _png_is_pixels_only, "JPEG": _jpeg_is_pixels_only}.get(image.format)
    if clean is None or not clean(data):
        raise ValidationError(
            f"{name} carries more than its pixels (metadata such as EXIF, a comment or text, or data after the "
            "image), or is not a PNG or JPEG as SINS Quiz stores them.",
            code="metadata",
        )
    return image


# What _encode writes and nothing else: a PNG of IHDR, IDAT and IEND chunks; a JPEG of its JFIF header, tables,
# frame and scans. No text, EXIF, XMP, ICC profile or comment, and no bytes after the image's end.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHUNKS = {b"IHDR", b"IDAT", b"IEND"}
_JPEG_SEGMENTS = {0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA}  # APP0 (JFIF), DQT, SOF0–2, DHT, DRI, SOS


def _png_is_pixels_only(data: bytes) -> bool:
    position = len(_PNG_SIGNATURE)
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind not in _PNG_CHUNKS:
            return False
        position += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return position == len(data)
    return False


def _jpeg_is_pixels_only(data: bytes) -> bool:
    position = 2  # after SOI
    while position + 2 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xD9:  # EOI
            return position + 2 == len(data)
        if marker not in _JPEG_SEGMENTS or position + 4 > len(data):
            return False
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker == 0xE0 and data[position + 4 : position + 9] != b"JFIF\x00":
            return False
        position += 2 + length
        if marker == 0xDA:
            # Entropy-coded data: a 0xFF in it is followed by 0x00 (stuffing) or a restart marker; any other
            # 0xFF starts the next marker.
            while (position := data.find(b"\xff", position)) != -1 and position + 1 < len(data):
                if data[position + 1] != 0x00 and not 0xD0 <= data[position + 1] <= 0xD7:
                    break
                position += 2
            if position == -1:
                return False
    return False


def _too_many_pixels(name: str, width, height, max_pixels: int) -> ValidationError:
    size = f" ({width} × {height} pixels)" if width else ""
    return ValidationError(
        f"{name} is too large{size}; images may have at most {max_pixels / 1_000_000:.0f} megapixels.",
        code="too_many_pixels",
    )


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Greyscale stays greyscale (8 or 16 bit); everything else becomes RGB without transparency."""
    if image.mode in SIXTEEN_BIT_MODES:
        return image if image.mode == "I;16" else image.convert("I;16")
    if image.mode in {"1", "L", "LA", "La"}:
        return image.convert("L")
    if image.mode in {"P", "PA", "RGBA", "RGBa"} or "transparency" in image.info:
        background = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    rgb = image.convert("RGB")
    return rgb.convert("L") if _is_grey(rgb) else rgb


def _is_grey(rgb: Image.Image) -> bool:
    """True when the three channels are identical, as in many exported greyscale screenshots."""
    red, green, blue = rgb.split()
    return not ImageChops.difference(red, green).getbbox() and not ImageChops.difference(red, blue).getbbox()


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image built from the pixels alone, so that no metadata can travel with it."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def to_8bit(image: Image.Image) -> Image.Image:
    """An 8-bit copy for browsers; 16-bit greyscale is stretched over its own range of values."""
    if image.mode not in SIXTEEN_BIT_MODES:
        return image
    wide = image.convert("I")
    low, high = wide.getextrema()
    scale = 255 / (high - low) if high > low else 0
    return wide.point(lambda v: (v - low) * scale).convert("L")


def _shrunk(image: Image.Image, max_side: int) -> Image.Image:
    if max(image.size) <= max_side:
        return image
    return ImageOps.contain(image, (max_side, max_side), Image.Resampling.LANCZOS)


def _encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()
