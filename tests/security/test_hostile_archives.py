"""Hostile case archives: each is refused whole, with a message that says what is wrong, and nothing is written —
no row of any kind an import makes, no file in storage.

Each archive starts from a real export of a small case that the database does not have (so the good archive
imports) and is then tampered with the way an attacker or a damaged download would.
"""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings

from tests.archives import (
    exported,
    files_of,
    imported,
    library_state,
    manifest_of,
    named_by_content,
    rezipped,
    teaching_case,
)
from tests.security.test_hostile_uploads import decompression_bomb, image_bytes, png_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def good(django_db_setup, django_db_blocker, tmp_path_factory) -> bytes:
    """A good archive of a case that the database does not have (made once, then rolled back)."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        data = exported(teaching_case(slug="spine-case"))
        transaction.set_rollback(True)
    return data


def zip_of(members: dict[str, bytes], **info) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, body in members.items():
            member = zipfile.ZipInfo(name)
            for key, value in info.items():
                setattr(member, key, value)
            zipped.writestr(member, body)
    return buffer.getvalue()


def with_members(data: bytes, extra: dict[str, bytes], **info) -> bytes:
    """The archive with `extra` members added, each given `info` in the archive's directory (which is what a
    reader lists, and where zipfile would not let us set the encryption flag before writing)."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as zipped:
        for name, body in extra.items():
            member = zipfile.ZipInfo(name)
            zipped.writestr(member, body)
            for key, value in info.items():
                setattr(member, key, value)
    return buffer.getvalue()


def tampered(data: bytes, change) -> bytes:
    manifest = manifest_of(data)
    change(manifest)
    return rezipped(data, manifest=manifest)


def first_image(manifest: dict) -> dict:
    return manifest["cases"][0]["series"][0]["images"][0]


def refused(data: bytes) -> str:
    before = library_state()
    with pytest.raises(ValidationError) as error:
        imported(data)
    assert library_state() == before, "an import that was refused wrote something"
    return " ".join(error.value.messages)


def test_the_good_archive_imports(good):
    assert imported(good).summary == "Imported 1 case, 6 images."


def test_a_file_that_is_not_a_zip_is_refused():
    assert "the file is not a zip archive, or it is damaged" in refused(b"PK\x03\x04 not really a zip")


def test_a_zip_bomb_is_refused_without_being_unpacked():
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped,
        zipped.open("manifest.json", "w", force_zip64=True) as member,
    ):
        member.write(b"[" + b" " * (70 * 1024 * 1024))  # 70 MB of spaces pack into about 70 kB
    assert "“manifest.json” is compressed suspiciously well (a zip bomb?)" in refused(buffer.getvalue())


def test_an_image_file_that_unpacks_past_what_its_pixels_allow_is_refused(good, settings):
    settings.MAX_IMAGE_PIXELS = 20_000  # the originals have 96 × 128; a stored file, at most 145,736 bytes
    padded = image_bytes("PNG") + bytes(200_000)
    assert "unpacks to more than 145,736 bytes (a zip bomb?)" in refused(swapped(good, padded))


def test_an_archive_that_unpacks_past_the_archive_budget_is_refused(good, settings):
    with zipfile.ZipFile(io.BytesIO(good)) as zipped:
        manifest = zipped.getinfo("manifest.json").file_size
    settings.ARCHIVE_MAX_TOTAL_BYTES = manifest + 1000  # the manifest and an image or two, not all twelve files

    assert f"the archive unpacks to more than {manifest + 1000:,} bytes in all" in refused(good)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../outside.png", "has an unsafe name in the archive (outside its folder)"),
        ("/etc/cron.d/evil", "has an unsafe name in the archive (outside its folder)"),
        ("C:\\Windows\\evil.png", "has an unsafe name in the archive (outside its folder)"),
        ("images/../../evil.png", "has an unsafe name in the archive (outside its folder)"),
        ("notes.txt", "is not a file this format has (only manifest.json and images/)"),
    ],
)
def test_a_member_with_a_name_outside_the_format_is_refused(good, name, why):
    assert why in refused(with_members(good, {name: b"x"}))


def test_a_symbolic_link_is_refused(good):
    link = with_members(good, {"images/" + "0" * 64 + ".png": b"/etc/passwd"}, external_attr=0o120777 << 16)
    assert "is a link in the archive, not a file" in refused(link)


def test_an_encrypted_member_is_refused(good):
    assert "is encrypted in the archive" in refused(with_members(good, {"images/x.png": b"x"}, flag_bits=0x1))


def test_a_member_twice_is_refused(good):
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = with_members(good, {"manifest.json": b"{}"})
    assert "“manifest.json” is in the archive twice" in refused(twice)


def test_an_archive_without_a_manifest_is_refused():
    assert "the archive has no manifest.json" in refused(zip_of({"images/": b""}))


@pytest.mark.parametrize(
    ("manifest", "why"),
    [
        (b'{"format": "sinsquiz-case-archive", "version": 1, "cases": [', "manifest.json is not valid JSON (Expecting"),
        (b"\xff\xfe{}", "manifest.json is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "manifest.json is not valid JSON"),
        (b'{"format": "sinsquiz-case-archive", "version": 1, "cases": [NaN]}', "manifest.json is not valid JSON"),
        (b'{"format": "something else", "version": 1}', "this is not a SINS Quiz case archive"),
        (b'{"format": "sinsquiz-case-archive", "version": "1"}', "manifest.json gives no format version"),
        (
            b'{"format": "sinsquiz-case-archive", "version": 1, "cases": {}}',
            "its “cases”: must be a list, not an object",
        ),
    ],
)
def test_a_malformed_manifest_is_refused(manifest, why):
    assert why in refused(zip_of({"manifest.json": manifest}))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            lambda m: m["cases"][0].update(age="64"),
            "Case 0 (“spine-case”): “age” must be a whole number or null, not text",
        ),
        (lambda m: m["cases"][0].update(asks_escc=1), "“asks_escc” must be true or false, not a whole number"),
        (lambda m: m["cases"][0].pop("title"), "Case 0 (“spine-case”): lacks “title”"),
        (lambda m: m["cases"][0].update(author="admin"), "has fields this format does not know: “author”"),
        (lambda m: m["cases"][0].update(slug="no spaces/allowed"), "“slug”: Enter a valid “slug”"),
        (
            lambda m: m["cases"][0]["series"][0].update(modality="pet"),
            "series 0: “modality”: Value 'pet' is not a valid",
        ),
        (lambda m: m["cases"][0]["series"][0].update(orientation=[1, 0]), "“orientation” must be six numbers or null"),
        (
            lambda m: m["cases"][0]["series"][0].update(window_width=10**400),
            "“window_width” must be a number or null, not a number too large",
        ),
        (
            lambda m: m["cases"][0]["readings"][0].update(is_primary="yes"),
            "“is_primary” must be true or false, not text",
        ),
        (lambda m: m["cases"][0]["readings"][1].update(is_primary=True), "has more than one primary expert reading"),
        (lambda m: m["cases"].append(m["cases"][0]), "names two cases by the same slug"),
    ],
)
def test_a_manifest_with_wrong_types_or_fields_is_refused(good, change, why):
    assert why in refused(tampered(good, change))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda r: r.update(pain="excruciating"), "reading 0: “pain”: Value 'excruciating' is not a valid choice."),
        (lambda r: r.update(tomita=8), "“tomita”: Value 8 is not a valid choice."),
        (lambda r: r.update(level="T13"), "reading 0: “level”:"),
        (
            lambda r: r.update(location="junctional"),
            "“location”: T7 lies in T3–T10: semirigid, 1 point, so the location must be",
        ),
        (lambda r: r["key_images"].update(pain={"series": 5, "image": 0}), "points to series 5, image 0, which"),
        (lambda r: r["key_images"].update(pain={"series": 0, "image": "1"}), "points to series 0, image 1, which"),
        (lambda r: r["rationales"].update(pain=3), "“pain” must be text"),
        (lambda r: r["annotations"][0].update(x1=1.5), "annotation 0: “x1”:"),
        (lambda r: r["annotations"][0].update(y1=float("inf")), "manifest.json is not valid JSON"),
        (lambda r: r["annotations"][0].update(kind="laser"), "annotation 0: “kind”: Value 'laser' is not a valid"),
        (lambda r: r["annotations"].extend([r["annotations"][0]] * 12), "has more than 12 shapes for “level”"),
    ],
)
def test_a_reading_with_impossible_codes_or_references_is_refused(good, change, why):
    assert why in refused(tampered(good, lambda m: change(m["cases"][0]["readings"][0])))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda c: c.update(title="Lytic\x00T7"), "Case 0 (“spine-case”): “title” holds a NUL character"),
        (lambda c: c["series"][0].update(description="\x00"), "series 0: “description” holds a NUL character"),
        (lambda c: c["series"][0]["images"][0].update(alt_text="a\x00"), "image 0: “alt_text” holds a NUL"),
        (lambda c: c["readings"][0].update(reader_name="Dr\x00"), "reading 0: “reader_name” holds a NUL"),
        (
            lambda c: c["readings"][0]["rationales"].update(pain="Worse\x00lying"),
            "reading 0, its rationales: “pain” holds a NUL character (\\u0000), which text may not contain",
        ),
        (lambda c: c["readings"][0]["annotations"][0].update(label="T\x007"), "annotation 0: “label” holds a NUL"),
    ],
)
def test_text_with_a_nul_character_is_refused_saying_where(good, change, why):
    # PostgreSQL cannot store it: refused here with where it is, never the database's error after writing began.
    assert why in refused(tampered(good, lambda m: change(m["cases"][0])))


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "images/../manifest.json", "https://example.org/x.png", "images/x.png", 7],
)
def test_a_manifest_that_points_outside_the_archive_is_refused(good, name):
    why = refused(tampered(good, lambda m: first_image(m)["files"].update(web=name)))
    assert "the web file" in why and "is not a file name of this archive" in why


def test_a_manifest_that_names_a_file_the_archive_lacks_is_refused(good):
    missing = "images/" + "a" * 64 + ".jpg"
    why = refused(tampered(good, lambda m: first_image(m)["files"].update(web=missing)))
    assert f"names 1 image file the archive does not hold, such as “{missing}”" in why


def test_an_image_file_the_manifest_does_not_name_is_refused(good):
    extra = image_bytes("PNG")
    assert "holds 1 file the manifest does not name" in refused(rezipped(good, files={named_by_content(extra): extra}))


def test_an_image_whose_bytes_are_not_those_its_name_promises_is_refused(good):
    name = next(iter(files_of(good)))
    why = refused(rezipped(good, files={name: image_bytes("PNG", size=(96, 128))}))
    assert "does not hold the bytes its name promises" in why


def swapped(good: bytes, body: bytes, extension: str = "png", key: str = "original") -> bytes:
    """The archive with its first image's `key` file replaced by `body`, named by its content as an export would."""
    old = first_image(manifest_of(good))["files"][key]
    name = named_by_content(body, extension)
    manifest = manifest_of(good)
    for case in manifest["cases"]:
        for series in case["series"]:
            for image in series["images"]:
                image["files"] = {k: name if v == old else v for k, v in image["files"].items()}
    return rezipped(good, manifest=manifest, files={old: None, name: body})


@pytest.mark.parametrize(
    ("body", "extension", "why"),
    [
        (png_with_text("Patient: Jane Doe"), "png", "carries more than its pixels (metadata such as EXIF"),
        (image_bytes("JPEG", exif=b"Exif\x00\x00MM\x00*"), "jpg", "carries more than its pixels"),
        (image_bytes("JPEG", comment=b"MRN 12345"), "jpg", "carries more than its pixels"),
        (image_bytes("PNG") + b"<script>", "png", "carries more than its pixels"),
        (image_bytes("WEBP"), "png", "is not a PNG or JPEG as SINS Quiz stores them"),
        (b"GIF89a" + bytes(64), "png", "is not an image we accept"),
        (image_bytes("PNG")[:60], "png", "could not be read completely"),
        (decompression_bomb(), "png", "is too large; images may have at most 40 megapixels"),
    ],
)
def test_an_image_that_would_fail_an_upload_or_carries_metadata_is_refused(good, body, extension, why):
    assert why in refused(swapped(good, body, extension))


def test_an_image_under_another_formats_name_is_refused(good):
    assert "is a JPEG file under another format's name" in refused(swapped(good, image_bytes("JPEG"), "png"))


def test_an_original_of_another_size_than_the_manifest_says_is_refused(good):
    assert "is 64 × 48 pixels, but the manifest says 96 × 128" in refused(swapped(good, image_bytes("PNG")))


@pytest.mark.parametrize(
    ("key", "size", "why"),
    [
        ("web", (1536, 2048), "is 1536 × 2048 pixels, more than a web file may be (1024 on its longer side)"),
        ("thumbnail", (192, 256), None),  # the original's shape (96 × 128), as large as a thumbnail may be
        ("thumbnail", (384, 512), "is 384 × 512 pixels, more than a thumbnail file may be (256 on its longer side)"),
        ("web", (128, 96), "is 128 × 96 pixels, not the shape of its original (96 × 128), as a web file must be"),
        ("thumbnail", (48, 60), "is 48 × 60 pixels, not the shape of its original (96 × 128)"),
        ("thumbnail", (49, 64), None),  # 48 × 64 to a pixel of rounding
    ],
)
def test_a_derivative_larger_than_its_limit_or_of_another_shape_than_its_original_is_refused(good, key, size, why):
    changed = swapped(good, image_bytes("JPEG", size=size), "jpg", key=key)
    if why is None:
        assert imported(changed).summary == "Imported 1 case, 6 images."
    else:
        assert why in refused(changed)


def test_nothing_is_written_when_the_last_case_of_an_archive_is_bad(good):
    manifest = manifest_of(good)
    second = json.loads(json.dumps(manifest["cases"][0]))
    second.update(slug="second-case", difficulty=7)
    manifest["cases"].append(second)
    assert "Case 1 (“second-case”): “difficulty”: Value 7 is not a valid choice." in refused(
        rezipped(good, manifest=manifest)
    )
