"""Hostile files through the real authoring form: the series change page with its multi-file `add_images`.

Each hostile file is uploaded together with a good one, as part of a stack. A refused file must be named on the
page the educator saved, with a reason, and nothing of it is stored: no Slice row, no file under MEDIA_ROOT. The
good file of the batch is kept.
"""

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from cases.models import Slice
from tests.admin_forms import admin_post_data
from tests.factories import CaseFactory, EducatorFactory, SeriesFactory, png_upload

pytestmark = pytest.mark.django_db

UNSUPPORTED = "is not an image we accept. Upload JPEG, PNG or WebP files"
DAMAGED = "could not be read completely: it looks truncated or damaged"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width × height black pixels: about 20 kB that decode to 400 megapixels."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def image_bytes(format: str, size=(64, 48), **options) -> bytes:
    image = Image.new("L", size, 90)
    image.paste(200, (8, 8, size[0] // 2, size[1] // 2))
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def noise_png(size=(700, 700)) -> bytes:
    """Random pixels, which PNG cannot compress: a file of about 1.5 MB."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    return image_bytes("PNG", pnginfo=info)


SCRIPT = b"<script>alert(document.cookie)</script>"

# name: (content, what the page must say about it); the content is made lazily (the bomb takes a moment).
REFUSED = {
    "bomb.png": (decompression_bomb, "bomb.png is too large; images may have at most 40 megapixels."),
    "polyglot.png": (lambda: image_bytes("PNG")[:33] + b"<html>" + SCRIPT + b"</html>", None),
    "drawing.svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + SCRIPT + b"</svg>",
        f"drawing.svg {UNSUPPORTED}",
    ),
    "page.png": (lambda: b"<!doctype html><html><body>" + SCRIPT + b"</body></html>", f"page.png {UNSUPPORTED}"),
    "cut.jpg": (lambda: (whole := image_bytes("JPEG", size=(400, 400)))[: len(whole) // 2], f"cut.jpg {DAMAGED}"),
    "moving.gif": (lambda: image_bytes("GIF"), f"moving.gif {UNSUPPORTED}"),
    "scan.tiff": (lambda: image_bytes("TIFF"), f"scan.tiff {UNSUPPORTED}"),
    "report.pdf": (
        lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        f"report.pdf {UNSUPPORTED}",
    ),
    "noise.png": (noise_png, "MB; images may be at most 1 MB."),
    "sliver.png": (
        lambda: image_bytes("PNG", size=(1, 30_000)),
        "sliver.png is 1 × 30000 pixels: too narrow to be an image of the spine",
    ),
}


@pytest.fixture
def series():
    return SeriesFactory(case=CaseFactory(index_level="T7"), modality="mri", plane="sagittal", sequence="T2")


@pytest.fixture
def educator(client):
    client.force_login(EducatorFactory())
    return client


def upload_stack(client, series, files):
    page = client.get(f"/admin/cases/series/{series.pk}/change/")
    url = f"/admin/cases/series/{series.pk}/change/"
    return client.post(url, admin_post_data(page, add_images=files, _save="Save"), follow=True)


def files_under(root) -> list[Path]:
    root = Path(root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_refused(response, settings, name: str, message: str | None, *, kept: int):
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/change/")  # back where the educator saved
    assert f"{name} is " in html or f"{name} could not" in html
    if message:
        assert message in html
    else:
        assert f"{name} {UNSUPPORTED}" in html or f"{name} {DAMAGED}" in html
    assert Slice.objects.count() == kept
    assert len(files_under(settings.MEDIA_ROOT)) == 3 * kept  # the kept images' original, web copy and thumbnail


@pytest.mark.parametrize("name", REFUSED)
def test_a_hostile_file_in_a_stack_is_refused_by_name_and_nothing_is_stored(educator, series, settings, name):
    settings.MAX_UPLOAD_BYTES = 1_000_000  # the noise file is 1.5 MB; every other file is far below
    make, message = REFUSED[name]

    response = upload_stack(educator, series, [png_upload("good.png"), SimpleUploadedFile(name, make())])

    assert_refused(response, settings, name, message, kept=1)


def test_an_image_just_over_the_pixel_limit_is_refused_and_one_at_the_limit_is_accepted(educator, series, settings):
    settings.MAX_IMAGE_PIXELS = 10_000

    response = upload_stack(educator, series, [png_upload("wide.png", size=(101, 100))])

    assert_refused(response, settings, "wide.png", "wide.png is too large (101 × 100 pixels)", kept=0)

    response = upload_stack(educator, series, [png_upload("square.png", size=(100, 100))])

    assert response.redirect_chain[-1][0] == "/admin/cases/series/"
    assert Slice.objects.get().width == 100


def test_an_empty_file_in_a_stack_is_refused_by_name(educator, series, settings):
    response = upload_stack(educator, series, [png_upload("good.png"), SimpleUploadedFile("empty.png", b"")])

    assert_refused(response, settings, "empty.png", "empty.png is empty.", kept=1)
