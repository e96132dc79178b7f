"""The DICOM import (cases/ingest.py) on synthetic studies written by pydicom, and on pydicom's own test files."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import (
    MPEG4HP41,
    DeflatedExplicitVRLittleEndian,
    RLELossless,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from cases import images, ingest
from cases.demo.dicom import ct_slice
from cases.models import Ingest, Series, Slice
from tests.factories import CaseFactory, EducatorFactory, SeriesFactory, SliceFactory

pytestmark = pytest.mark.django_db


def slab(hu: float, shape=(32, 32)) -> np.ndarray:
    return np.full(shape, hu, dtype=np.int16)


def encoded(ds) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def ct_files(values, *, plane="axial", series_uid=None, prefix="IM", **options) -> list[tuple[str, bytes]]:
    """One CT series, a file per slice, each slice a constant HU value (so its place can be read back)."""
    series_uid = series_uid or generate_uid()
    return [
        (f"{prefix}{index + 1:04d}.dcm", encoded(ct_slice(slab(hu), index=index, plane=plane, series_uid=series_uid,
                                                         **options)))
        for index, hu in enumerate(values)
    ]  # fmt: skip


def zipped(files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


def imported(case, files, **options) -> Ingest:
    staged = ingest.stage(case, [(name, io.BytesIO(content)) for name, content in files])
    return ingest.run(staged, **options)


def units(slice_: Slice, series: Series) -> np.ndarray:
    """The slice's 16-bit original, turned back into the modality's units with the series' rescale."""
    with default_storage.open(slice_.image.name) as file:
        stored = np.asarray(Image.open(file), dtype=np.float64)
    return stored * series.rescale_slope + series.rescale_intercept


def stack_values(series: Series) -> list[float]:
    return [float(units(s, series).mean()) for s in series.slices.order_by("position")]


def grey(content_name: str, x: int, y: int) -> int:
    with default_storage.open(content_name) as file:
        return Image.open(file).convert("L").getpixel((x, y))


@pytest.fixture
def case():
    return CaseFactory(region="thoracic")


# --- Series, planes and order ---------------------------------------------------------------------------


@pytest.mark.parametrize("plane", ["axial", "sagittal", "coronal"])
def test_each_orientation_gives_its_plane_and_the_stack_its_reading_order(case, plane):
    result = imported(case, ct_files([0, 10, 20, 30], plane=plane))

    series = Series.objects.get(case=case)
    assert (series.modality, series.plane) == ("ct", plane)
    assert stack_values(series) == [0, 10, 20, 30]
    assert series.slice_spacing == 3.0
    assert result.status == Ingest.Status.DONE


def test_files_written_in_reverse_gantry_order_are_put_back_in_order_by_position(case):
    files = ct_files([0, 10, 20, 30, 40])
    # Names now say the opposite of the positions: the position along the normal decides.
    renamed = [(f"X{index:02d}.dcm", content) for index, (_, content) in enumerate(reversed(files))]

    imported(case, renamed)

    assert stack_values(Series.objects.get(case=case)) == [0, 10, 20, 30, 40]


def test_without_positions_the_instance_numbers_give_the_order(case):
    files = []
    for index, hu in enumerate([0, 10, 20]):
        ds = ct_slice(slab(hu), index=index, series_uid="1.2.3.4")
        del ds.ImagePositionPatient
        files.append((f"Z{9 - index}.dcm", encoded(ds)))  # names in reverse order

    imported(case, files)

    assert stack_values(Series.objects.get(case=case)) == [0, 10, 20]


def test_two_series_in_one_zip_become_two_series_after_the_existing_ones(case):
    SeriesFactory(case=case, order=4)
    archive = zipped(
        [(f"a/{name}", content) for name, content in ct_files([0, 10, 20], description="Bone 1.0")]
        + [(f"b/{name}", content) for name, content in ct_files([100, 110], plane="sagittal", description="Soft")]
    )

    result = imported(case, [("study.zip", archive)])

    made = list(Series.objects.filter(case=case, ingest=result))
    assert [(s.plane, s.sequence, s.order, s.slices.count()) for s in made] == [
        ("axial", "bone kernel", 5, 3),
        ("sagittal", "soft-tissue kernel", 6, 2),
    ]
    assert result.message == "Imported 5 images in 2 series."
    assert made[0].slices.first().alt_text == "Axial CT bone kernel of the thoracic spine, image 1 of 3"


def test_an_imported_series_is_in_the_cases_history_as_added_by_the_educator_who_uploaded_it(case, client):
    educator = EducatorFactory(first_name="Grace", last_name="Hopper")
    staged = ingest.stage(case, [(name, io.BytesIO(content)) for name, content in ct_files([0, 10])], user=educator)
    ingest.run(staged)
    client.force_login(educator)

    record = Series.history.get(case_id=case.pk)
    page = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()

    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", educator, "DICOM import")
    assert "Grace Hopper" in page and "DICOM import" in page


def test_the_series_keeps_the_technical_fields_and_no_description(case):
    imported(case, ct_files([0, 10], spacing=0.7, window=(350, 45), description="Dr Who's spine protocol"))

    series = Series.objects.get(case=case)
    assert (series.window_width, series.window_center) == (350, 45)
    assert (series.row_spacing, series.column_spacing, series.slice_spacing) == (0.7, 0.7, 3.0)
    assert series.orientation == [1, 0, 0, 0, 1, 0]
    assert (series.rescale_slope, series.rescale_intercept) == (1, -32768)
    assert (series.description, series.sequence) == ("", "")


def test_a_series_without_a_window_gets_one_from_its_middle_image(case):
    imported(case, ct_files([0, 100, 200], window=None))

    series = Series.objects.get(case=case)
    assert series.window_center == 100 and series.window_width >= 1


def test_a_window_worked_out_from_the_values_is_in_whole_numbers(case):
    ramp = np.arange(32 * 32, dtype=np.int16).reshape(32, 32) - 300  # its percentiles fall between values
    imported(case, [("ramp.dcm", encoded(ct_slice(ramp, index=0, series_uid="1.2.3", window=None)))])

    series = Series.objects.get(case=case)
    assert (series.window_width, series.window_center) == (1003, 212)  # 1st–99th percentiles: -289.77, 712.77


def test_each_frame_of_a_multi_frame_file_becomes_a_slice_in_frame_order(case):
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3")
    frames = np.stack([np.full((32, 32), 1024 + hu, dtype=np.uint16) for hu in (5, 15, 25)])
    ds.NumberOfFrames = 3
    ds.PixelData = frames.tobytes()

    imported(case, [("multi.dcm", encoded(ds))])

    assert stack_values(Series.objects.get(case=case)) == [5, 15, 25]


# --- The pixels: HU, windows, derivatives --------------------------------------------------------------


def phantom() -> np.ndarray:
    """Four regions of constant HU: air, soft tissue, marrow-ish bone, cortex."""
    hu = np.zeros((64, 64), dtype=np.int16)
    hu[:32, :32], hu[:32, 32:], hu[32:, :32], hu[32:, 32:] = -1000, 40, 500, 1500
    return hu


def test_ct_keeps_hounsfield_units_and_gets_bone_soft_tissue_and_study_windows(case):
    ds = ct_slice(phantom(), index=0, series_uid="1.2.3", window=(1000, 0), rescale=(2.0, -2048.0))

    imported(case, [("phantom.dcm", encoded(ds))])

    series = Series.objects.get(case=case)
    slice_ = series.slices.get()
    assert np.array_equal(units(slice_, series), phantom())  # the 16-bit original round-trips exactly
    centres = {"air": (16, 16), "soft": (48, 16), "bone": (16, 48), "cortex": (48, 48)}
    expected = {
        # bone W 2000 / L 500: −500 black … 1500 white; soft tissue W 400 / L 40: −160 … 240; study W 1000 / L 0
        "bone": {"air": 0, "soft": 69, "bone": 128, "cortex": 255},
        "soft_tissue": {"air": 0, "soft": 128, "bone": 255, "cortex": 255},
        "web": {"air": 0, "soft": 138, "bone": 255, "cortex": 255},
    }
    for field, greys in expected.items():
        name = getattr(slice_, field).name
        assert name.startswith("cases/web/") and name.endswith(".jpg")
        for region, value in greys.items():
            assert abs(grey(name, *centres[region]) - value) <= 3, (field, region)


def test_process_values_windows_linearly_and_stores_the_offset_values():
    values = np.array([[-1000.0, -160.0, 40.0, 240.0]]).repeat(8, axis=0).repeat(8, axis=1)

    result = images.process_values(values, window=(400, 40), windows={"bone": images.BONE_WINDOW})

    stored = np.asarray(Image.open(io.BytesIO(result.original.read())))
    assert stored.dtype == np.uint16 and stored[0, 0] == 32768 - 1000
    web = np.asarray(Image.open(io.BytesIO(result.web.read())))
    assert [int(web[4, 4 + 8 * i]) for i in range(4)] == pytest.approx([0, 0, 128, 255], abs=3)
    assert result.bone is not None and result.soft_tissue is None


def test_mr_is_stored_without_an_offset_and_windowed_from_its_header(case):
    mr = get_testdata_file("MR_small.dcm")
    imported(case, [("mr.dcm", Path(mr).read_bytes())])

    series = Series.objects.get(case=case)
    slice_ = series.slices.get()
    assert series.modality == "mri" and not slice_.bone and not slice_.soft_tissue
    original = units(slice_, series)
    assert np.array_equal(original, dcmread(mr).pixel_array.astype(np.float64))


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
def test_pydicoms_own_small_files_import(case, name):
    result = imported(case, [(name, Path(get_testdata_file(name)).read_bytes())])

    assert (result.status, result.images_made, result.series_made, result.refused) == ("done", 1, 1, [])


# --- Encodings ---------------------------------------------------------------------------------------------


def test_a_compressed_transfer_syntax_is_decoded(case):
    files = []
    for name, content in ct_files([0, 10]):
        ds = dcmread(io.BytesIO(content))
        ds.compress(RLELossless)
        files.append((name, encoded(ds)))

    result = imported(case, files)

    assert result.refused == []
    assert stack_values(Series.objects.get(case=case)) == [0, 10]


def test_jpeg_ls_decodes_with_the_installed_plugins(case):
    result = imported(case, [("ls.dcm", Path(get_testdata_file("MR_small_jpeg_ls_lossless.dcm")).read_bytes())])

    assert (result.images_made, result.refused) == (1, [])


def test_the_same_image_uploaded_twice_becomes_one_slice_and_the_copy_is_named_as_such(case):
    files = ct_files([0, 10, 20])

    result = imported(case, [*files, *((f"copy-{name}", content) for name, content in files)])

    assert (result.images_made, result.series_made) == (3, 1)
    assert result.refused == [
        {"reason": "is a second copy of an image already in this upload", "count": 3, "files": ["4", "5", "6"]}
    ]


def test_a_zip_cut_short_in_its_download_is_called_a_damaged_archive_not_a_non_dicom_file(case):
    whole = zipped(ct_files([0, 10, 20]))

    result = imported(case, [("study.zip", whole[: len(whole) // 2])])

    assert [group["reason"] for group in result.refused] == ["is a damaged zip archive"]


def test_a_jpeg_whose_frames_pydicom_reads_only_whole_still_imports(case):
    """pydicom's own SC_rgb_jpeg.dcm lacks the item that a frame-by-frame read needs; a single frame is read whole."""
    result = imported(case, [("sc.dcm", Path(get_testdata_file("SC_rgb_jpeg.dcm")).read_bytes())], confirmed=True)

    assert (result.status, result.images_made, result.refused) == ("done", 1, [])


def test_a_deflated_file_is_refused_with_that_reason_not_as_damaged(case):
    ds = dcmread(io.BytesIO(ct_files([0])[0][1]))
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)

    result = imported(case, [("deflated.dcm", buffer.getvalue())])

    assert [group["reason"] for group in result.refused] == [
        "Deflate: a whole-file compression not read here; export the study uncompressed, or with JPEG, JPEG 2000 or RLE"
    ]


def test_a_file_nothing_here_can_decode_is_refused_with_its_reason_and_the_rest_imports(case):
    ds = dcmread(get_testdata_file("MR_small_jpeg_ls_lossless.dcm"))
    ds.file_meta.TransferSyntaxUID = MPEG4HP41  # video: no decoder exists in pydicom

    result = imported(case, [("video.dcm", encoded(ds)), *ct_files([0])])

    assert result.refused == [{"reason": "MPEG video: no decoder exists for it here", "count": 1, "files": ["1"]}]
    assert result.images_made == 1


# --- Refusals ------------------------------------------------------------------------------------------


def test_an_upload_of_which_every_file_is_refused_says_nothing_was_imported(case):
    result = imported(case, [("a.dcm", b"not dicom"), ("b.dcm", b"nor this")])

    assert result.status == Ingest.Status.DONE and result.images_made == 0
    assert result.message == "Nothing was imported: 2 files refused, each with its reason."


def test_damaged_and_foreign_files_are_refused_by_number_and_the_rest_imports(case):
    good = ct_files([0, 10, 20])
    truncated = good[1][1][: len(good[1][1]) - 700]
    files = [good[0], ("IM0002.dcm", truncated), good[2], ("notes.dcm", b"Patient notes, not an image\n" * 20)]

    result = imported(case, files)

    assert result.refused == [
        {"reason": "not a DICOM file", "count": 1, "files": ["4"]},
        {
            "reason": "its image data could not be decoded (frame 1): it looks truncated or damaged",
            "count": 1,
            "files": ["2"],
        },
    ]
    assert result.images_made == 2
    assert result.message == "Imported 2 images in 1 series. Refused 2 files."
    assert Series.objects.get(case=case).slices.last().alt_text.endswith("image 2 of 2")


def test_images_that_declare_burned_in_annotation_are_refused(case):
    files = ct_files([0, 10])
    ds = dcmread(io.BytesIO(files[1][1]))
    ds.BurnedInAnnotation = "YES"

    result = imported(case, [files[0], ("IM0002.dcm", encoded(ds))])

    assert [r["files"] for r in result.refused] == [["2"]]
    assert "burned-in annotation" in result.refused[0]["reason"]
    assert result.images_made == 1


def test_a_path_traversal_member_is_refused_and_nothing_is_written_outside(case, settings):
    archive = zipped([("../../evil.dcm", ct_files([0])[0][1]), *ct_files([5])])

    result = imported(case, [("study.zip", archive)])

    assert result.refused == [
        {"reason": "has an unsafe name in the archive (outside its folder)", "count": 1, "files": ["1 in archive 1"]}
    ]
    assert result.images_made == 1
    assert not list(Path(settings.MEDIA_ROOT).parent.rglob("evil.dcm"))


def test_a_symbolic_link_in_an_archive_is_refused(case):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link.dcm")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("IM0001.dcm", ct_files([0])[0][1])

    result = imported(case, [("study.zip", buffer.getvalue())])

    assert result.refused == [
        {"reason": "is a link in the archive, not a file", "count": 1, "files": ["1 in archive 1"]}
    ]
    assert result.images_made == 1


def test_a_zip_bomb_member_is_refused_without_being_unpacked_whole(case):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.dcm", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(64):  # 64 MB of zeros packs into about 64 KB
                member.write(zeros)
        archive.writestr("IM0001.dcm", ct_files([0])[0][1])

    result = imported(case, [("study.zip", buffer.getvalue())])

    assert result.refused == [
        {"reason": "is compressed suspiciously well (a zip bomb?)", "count": 1, "files": ["1 in archive 1"]}
    ]
    assert result.images_made == 1


def test_a_member_larger_than_the_limit_is_refused(case, settings):
    settings.DICOM_MAX_FILE_BYTES = 100_000
    archive = zipped([("big.dcm", bytes(300_000)), *ct_files([0])])

    result = imported(case, [("study.zip", archive)])

    assert result.refused == [
        {"reason": "unpacks to more than 100,000 bytes (a zip bomb?)", "count": 1, "files": ["1 in archive 1"]}
    ]


def test_an_archive_that_unpacks_to_too_much_in_all_is_cut_off(case, settings):
    files = ct_files([0, 10, 20])
    settings.DICOM_MAX_TOTAL_BYTES = len(files[0][1]) * 2 + 10

    result = imported(case, [("study.zip", zipped(files))])

    assert result.images_made == 2
    assert [r["files"] for r in result.refused] == [["3 in archive 1"]]


# --- Held kinds ------------------------------------------------------------------------------------


def secondary_capture() -> bytes:
    ds = ct_slice(slab(40), index=0, series_uid="1.2.9")
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.Modality = "OT"
    return encoded(ds)


def test_a_secondary_capture_is_held_until_the_educator_confirms_it(case):
    result = imported(case, [("capture.dcm", secondary_capture()), *ct_files([0, 10])])

    assert result.status == Ingest.Status.HELD
    assert [h["files"] for h in result.held] == [["1"]]
    assert "burned-in text" in result.held[0]["reason"]
    assert result.message.endswith("Holding 1 file for your confirmation: it may show burned-in text.")
    assert len(default_storage.listdir(result.source)[1]) == 1  # the imported files' headers do not wait with it
    assert [s.modality for s in Series.objects.filter(case=case)] == ["ct"]

    assert ingest.confirm(result)
    result = ingest.run(result)

    assert result.status == Ingest.Status.DONE
    assert [s.modality for s in Series.objects.filter(case=case)] == ["ct", "other"]
    assert (result.images_made, result.series_made, result.held) == (3, 2, [])
    assert not default_storage.exists(result.source) or default_storage.listdir(result.source) == ([], [])


def test_running_a_held_ingest_without_confirmation_changes_nothing(case):
    result = imported(case, [("capture.dcm", secondary_capture())])

    assert ingest.run(result).status == Ingest.Status.HELD
    assert Series.with_unfinished.filter(case=case).count() == 0


def test_discarding_a_held_ingest_deletes_its_files_and_imports_nothing_more(case):
    result = imported(case, [("capture.dcm", secondary_capture()), *ct_files([0])])

    assert ingest.discard(result)

    result.refresh_from_db()
    assert result.status == Ingest.Status.DONE
    assert "Discarded 1 held file" in result.message
    assert default_storage.listdir(result.source) == ([], []) if default_storage.exists(result.source) else True
    assert Series.objects.filter(case=case).count() == 1


def test_a_confirmed_import_takes_the_held_kinds_at_once(case):
    result = imported(case, [("capture.dcm", secondary_capture())], confirmed=True)

    assert (result.status, result.images_made) == ("done", 1)


# --- Staging, progress, failure and retry --------------------------------------------------------------


def test_files_are_staged_outside_the_served_media_under_their_numbers_not_their_names(case):
    staged = ingest.stage(
        case,
        [
            ("C:\\exports\\PATIENT DOE\\IM1.dcm", io.BytesIO(b"x")),
            ("a/.DS_Store", io.BytesIO(b"clutter")),
            ("a/b/1.2.840.113619.2.55.dcm", io.BytesIO(b"y")),
        ],
    )

    assert staged.status == Ingest.Status.QUEUED and staged.files_total == 0
    assert staged.source.startswith("ingest/")
    assert sorted(default_storage.listdir(staged.source)[1]) == ["0001", "0003"]


def test_progress_fields_end_with_the_counts_and_the_staged_files_are_gone(case):
    archive = zipped([*ct_files([0, 10, 20]), ("readme.dcm", b"not dicom")])

    result = imported(case, [("study.zip", archive), *ct_files([5], prefix="X")])

    assert (result.files_total, result.files_read, result.images_made, result.series_made) == (5, 5, 4, 2)
    assert len(result.refused) == 1
    assert not default_storage.exists(result.source) or default_storage.listdir(result.source) == ([], [])
    assert Series.objects.filter(ingest=result, ready=True).count() == 2


def test_a_failed_run_leaves_no_series_keeps_its_files_and_a_retry_succeeds(case, settings):
    # The disk refuses the thumbnails: a file stands where their folder should be.
    blocker = Path(settings.MEDIA_ROOT) / "cases" / "thumbs"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    staged = ingest.stage(case, [(name, io.BytesIO(content)) for name, content in ct_files([0, 10, 20])])

    failed = ingest.run(staged)

    assert failed.status == Ingest.Status.FAILED
    assert "unexpected error" in failed.message
    assert Series.with_unfinished.filter(case=case).count() == 0
    assert Slice.objects.count() == 0
    assert len(default_storage.listdir(failed.source)[1]) == 3

    blocker.unlink()
    retried = ingest.run(failed)

    assert (retried.status, retried.images_made, retried.series_made) == ("done", 3, 1)
    assert Series.objects.filter(case=case).count() == 1


def test_unfinished_series_are_hidden_from_the_app(case):
    SeriesFactory(case=case, ready=False)

    assert Series.objects.filter(case=case).count() == 0
    assert Series.with_unfinished.filter(case=case).count() == 1


def test_a_confirmed_run_that_fails_is_retried_for_the_held_files_only(case, settings):
    result = imported(case, [("capture.dcm", secondary_capture()), *ct_files([0, 10])])
    assert ingest.confirm(result)
    blocker = Path(settings.MEDIA_ROOT) / "cases" / "thumbs"
    for path in blocker.iterdir():
        path.unlink()
    blocker.rmdir()
    blocker.write_text("in the way")  # the thumbnails cannot be written: the run fails

    failed = ingest.run(result)

    assert (failed.status, failed.confirmed, failed.images_made, len(failed.held)) == ("failed", True, 2, 1)
    blocker.unlink()
    retried = ingest.run(failed)
    assert (retried.status, retried.images_made, retried.series_made) == ("done", 3, 2)
    assert [s.modality for s in Series.objects.filter(case=case)] == ["ct", "other"]


def test_a_file_with_a_damaged_number_in_its_header_is_refused_and_the_rest_imports(case):
    files = ct_files([0, 10, 20])
    frames = dcmread(io.BytesIO(files[0][1]))
    frames.add_new(0x00280008, "LO", "ZQ^SMI")  # NumberOfFrames as text
    slope = dcmread(io.BytesIO(files[1][1]))
    slope.add_new(0x00281053, "LO", "ZQ^SMI")  # RescaleSlope as text

    result = imported(case, [("a.dcm", encoded(frames)), ("b.dcm", encoded(slope)), files[2]])

    assert result.status == Ingest.Status.DONE and result.images_made == 1
    assert len(result.refused) == 2 and all("damaged" in row["reason"] for row in result.refused)
    assert "ZQ" not in repr(result.refused) + result.message


# --- Staged files never stay ---------------------------------------------------------------------------


def test_deleting_a_case_deletes_its_imports_staged_files(case, django_capture_on_commit_callbacks):
    staged = ingest.stage(case, [("IM1.dcm", io.BytesIO(b"x"))])
    assert default_storage.exists(staged.source)

    with django_capture_on_commit_callbacks(execute=True):
        case.delete()

    assert not Ingest.objects.exists()
    assert not default_storage.exists(staged.source)


def test_imports_left_waiting_for_days_expire_with_their_files(case, settings):
    settings.DICOM_KEEP_DAYS = 7
    old = imported(case, [("capture.dcm", secondary_capture()), *ct_files([0])])
    lost = ingest.stage(case, [("IM1.dcm", io.BytesIO(b"x"))])
    Ingest.objects.update(updated=timezone.now() - timedelta(days=8))
    recent = imported(case, [("capture.dcm", secondary_capture())])

    out = io.StringIO()
    call_command("expire_dicom_imports", stdout=out)

    assert out.getvalue() == "Discarded 2 DICOM imports left waiting for more than 7 days.\n"
    old.refresh_from_db()
    assert old.status == Ingest.Status.DONE and "Discarded 1 held file" in old.message
    assert not Ingest.objects.filter(pk=lost.pk).exists()
    assert not default_storage.exists(old.source) and not default_storage.exists(lost.source)
    assert Ingest.objects.get(pk=recent.pk).status == Ingest.Status.HELD


def test_a_case_whose_only_images_belong_to_a_running_import_has_no_images(case):
    SliceFactory(series=SeriesFactory(case=case, ready=False))

    assert not case.has_images()


def test_a_zip_of_many_junk_files_keeps_two_hundred_numbers_and_counts_the_rest(case, client):
    junk = [(f"junk{n}.dcm", b"junk") for n in range(250)]
    frames = [(f"f{n}.dcm", ct_files([0])[0][1][: -n - 1]) for n in range(3)]  # another reason, past the 200

    result = imported(case, [("study.zip", zipped(junk + frames)), *ct_files([0])])

    assert result.refused_count == 253 and result.images_made == 1
    assert sum(len(group["files"]) for group in result.refused + result.held) <= 200
    [junk_group, *others] = result.refused
    assert (junk_group["reason"], junk_group["count"], len(junk_group["files"])) == ("not a DICOM file", 250, 200)
    assert [(group["count"], group["files"]) for group in others] == [(3, [])]
    client.force_login(EducatorFactory())
    html = client.get(f"/admin/cases/case/{case.pk}/dicom/progress/").content.decode()
    assert "250 files: not a DICOM file (files 1 in archive 1, 2 in archive 1" in html
    assert "200 in archive 1 and 50 more)" in html
    assert f"3 files: {others[0]['reason']}</li>" in html  # counted, past the 200 numbers


def test_past_fifty_reasons_the_rest_are_counted_together():
    groups = []
    for n in range(60):
        ingest.note(groups, str(n + 1), f"reason {n}")

    assert len(groups) == 51 and groups[-1] == {
        "reason": "for other reasons",
        "count": 10,
        "files": [str(n) for n in range(51, 61)],
    }
