"""The image pipeline against ordinary and hostile files."""

import io
import struct
import tracemalloc
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from cases import images
from tests.factories import png_upload


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored(content_file) -> Image.Image:
    content_file.seek(0)
    image = Image.open(io.BytesIO(content_file.read()))
    image.load()
    return image


def jpeg_with_metadata(size=(120, 80), orientation=1) -> bytes:
    image = Image.new("RGB", size, (90, 90, 90))
    exif = Image.Exif()
    exif[0x010F] = "ScannerMaker"  # Make
    exif[0x0112] = orientation
    exif[0x9003] = "2026:01:02 03:04:05"  # DateTimeOriginal
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"Patient: DOE^JANE MRN 123456")
    return buffer.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image: a pixel flood if anyone decodes it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64)  # far too little data, but decoding would try to allocate it all
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_png_becomes_a_clean_png_with_a_web_derivative_and_a_thumbnail():
    result = images.process(png_upload(size=(2048, 1536)))

    original, web, thumb = stored(result.original), stored(result.web), stored(result.thumbnail)
    assert (original.format, original.size, original.mode) == ("PNG", (2048, 1536), "L")
    assert (web.format, web.size, web.mode) == ("JPEG", (1024, 768), "L")
    assert max(thumb.size) == 256 and thumb.mode == "L"
    assert (result.width, result.height) == (2048, 1536)


def test_small_images_are_not_enlarged():
    result = images.process(png_upload(size=(200, 100)))

    assert stored(result.web).size == (200, 100)
    assert stored(result.thumbnail).size == (200, 100)


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted_whatever_their_name(format):
    result = images.process(png_upload(name="scan.dat", format=format))

    assert stored(result.original).format == "PNG"


def test_sixteen_bit_greyscale_stays_sixteen_bit_and_its_derivative_uses_the_full_range():
    image = Image.new("I;16", (64, 64))
    image.putdata([(i * 7) % 4096 for i in range(64 * 64)])  # a 12-bit CT-like range
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    result = images.process(upload("ct.png", buffer.getvalue()))

    original = stored(result.original)
    assert original.mode == "I;16" and original.getextrema() == (0, 4095)
    web = stored(result.web)
    assert web.mode == "L" and web.getextrema()[0] <= 2 and web.getextrema()[1] >= 250


def test_rgb_pictures_that_are_really_grey_become_greyscale():
    result = images.process(png_upload(mode="RGB"))

    assert stored(result.original).mode == "L"


def test_colour_stays_colour_and_transparency_is_flattened():
    image = Image.new("RGBA", (40, 40), (200, 30, 30, 128))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")

    original = stored(images.process(upload("overlay.png", buffer.getvalue())).original)

    assert original.mode == "RGB"


def test_exif_gps_dates_and_comments_do_not_survive():
    result = images.process(upload("IMG_0001.jpg", jpeg_with_metadata()))

    for content in (result.original, result.web, result.thumbnail):
        image = stored(content)
        assert not image.getexif()
        assert not {"exif", "comment", "xmp", "XML:com.adobe.xmp", "icc_profile"} & set(image.info)
    for content in (result.original, result.web, result.thumbnail):
        content.seek(0)
        raw = content.read()
        assert b"DOE^JANE" not in raw and b"ScannerMaker" not in raw and b"2026:01:02" not in raw


def test_png_text_chunks_do_not_survive():
    info = PngImagePlugin.PngInfo()
    info.add_text("PatientName", "DOE^JANE")
    info.add_itxt("Comment", "MRN 123456")
    buffer = io.BytesIO()
    Image.new("L", (32, 32), 100).save(buffer, "PNG", pnginfo=info)

    result = images.process(upload("scan.png", buffer.getvalue()))

    result.original.seek(0)
    assert b"DOE^JANE" not in result.original.read()
    assert not set(stored(result.original).info) - {"dpi"}


def test_the_exif_orientation_is_applied_before_the_metadata_is_dropped():
    result = images.process(upload("phone.jpg", jpeg_with_metadata(size=(120, 80), orientation=6)))

    assert stored(result.original).size == (80, 120)
    assert (result.width, result.height) == (80, 120)


HOSTILE = {
    "page.png": b"<!doctype html><html><script>alert(1)</script></html>",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "notes.png": b"Patient notes, not an image at all.\n",
    "report.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_files_that_are_not_images_are_refused_with_what_is_accepted(name):
    with pytest.raises(ValidationError) as error:
        images.process(upload(name, HOSTILE[name]))

    assert f"{name} is not an image we accept. Upload JPEG, PNG or WebP files" in error.value.messages[0]


def test_a_gif_is_refused_even_though_pillow_could_read_it():
    with pytest.raises(ValidationError, match="not an image we accept"):
        images.process(png_upload(name="anim.gif", format="GIF"))


def test_a_png_header_with_an_html_body_is_refused():
    polyglot = png_upload().read()[:33] + b"<html><script>alert(1)</script></html>"

    with pytest.raises(ValidationError, match="polyglot.png (is not an image we accept|could not be read)"):
        images.process(upload("polyglot.png", polyglot))


def test_a_truncated_jpeg_is_refused():
    whole = png_upload(name="x.jpg", format="JPEG", size=(400, 400)).read()

    with pytest.raises(ValidationError, match="truncated or damaged"):
        images.process(upload("cut.jpg", whole[: len(whole) // 2]))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        images.process(upload("empty.png", b""))


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(settings):
    settings.MAX_UPLOAD_BYTES = 1000

    with pytest.raises(ValidationError, match="images may be at most"):
        images.process(upload("big.png", b"\x89PNG" + b"0" * 2000))


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding_it():
    bomb = png_header_claiming(20_000, 20_000)  # 400 megapixels in a few hundred bytes

    tracemalloc.start()
    with pytest.raises(ValidationError, match="bomb.png is too large; images may have at most 40 megapixels"):
        images.process(upload("bomb.png", bomb))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert peak < 5_000_000


def test_the_pixel_limit_is_a_setting_and_the_message_gives_the_size(settings):
    settings.MAX_IMAGE_PIXELS = 2_000_000

    with pytest.raises(ValidationError, match=r"wide.png is too large \(2001 × 1000 pixels\)"):
        images.process(png_upload(name="wide.png", size=(2001, 1000)))
    assert images.process(png_upload(size=(2000, 1000))).width == 2000
