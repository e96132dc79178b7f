"""Reading DICOM headers into our own codes (cases/dicom.py): nothing of a header's text comes through."""

import io

import pytest
from pydicom import dcmread
from pydicom.uid import DeflatedExplicitVRLittleEndian, generate_uid

from cases import dicom
from cases.demo.dicom import ORIENTATIONS, ct_slice
from tests.cases.test_ingest import encoded, slab


def header(**changes) -> dicom.Header:
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3")
    for name, value in changes.items():
        if value is None:
            delattr(ds, name)
        else:
            setattr(ds, name, value)
    return dicom.read_header(io.BytesIO(encoded(ds)))


def refusal(**changes) -> str:
    with pytest.raises(dicom.Refused) as refused:
        header(**changes)
    return str(refused.value)


@pytest.mark.parametrize(
    ("modality", "expected"),
    [("CT", "ct"), ("MR", "mri"), ("CR", "radiograph"), ("DX", "radiograph"), ("XA", "radiograph"), ("US", "us")],
)
def test_the_modality_maps_to_ours(modality, expected):
    assert header(Modality=modality).modality == expected


@pytest.mark.parametrize(
    ("description", "sequence"),
    [
        ("Sag T2 TSE", "T2"),
        ("t1_tse_sag_fs_post Dr JONES protocol", "T1 C+ fat-sat"),
        ("AX STIR", "STIR"),
        ("T2W_FLAIR", "T2 FLAIR"),
        ("ep2d_diff DWI b800", "DWI"),
        ("Patient DOE^JANE 1961", ""),
    ],
)
def test_an_mr_sequence_is_built_from_our_vocabulary_only(description, sequence):
    assert header(Modality="MR", SeriesDescription=description).sequence == sequence


def test_a_ct_kernel_is_named_in_our_words():
    assert header(SeriesDescription="SPINE BONE 1.0 J70h").sequence == "bone kernel"
    assert header(SeriesDescription="Soft tissue 3mm").sequence == "soft-tissue kernel"
    assert header(SeriesDescription="St Mary's spine").sequence == ""


@pytest.mark.parametrize("plane", ["axial", "sagittal", "coronal"])
def test_the_plane_follows_the_normal_of_the_orientation(plane):
    assert header(ImageOrientationPatient=list(ORIENTATIONS[plane][0])).plane == plane


def test_an_oblique_orientation_takes_the_dominant_axis():
    assert header(ImageOrientationPatient=[1, 0, 0, 0, 0.94, -0.34]).plane == "axial"


@pytest.mark.parametrize(("view", "plane"), [("LL", "lateral"), ("AP", "ap"), ("PA", "ap"), ("", "ap")])
def test_a_radiograph_is_ap_or_lateral_by_its_view(view, plane):
    assert header(Modality="DX", ViewPosition=view, ImageOrientationPatient=None).plane == plane


def test_the_series_is_known_by_a_hash_not_its_uid():
    uid = generate_uid()
    key = header(SeriesInstanceUID=uid).series_key
    assert uid not in key and key == header(SeriesInstanceUID=uid).series_key


def test_burned_in_annotation_yes_is_refused():
    assert "burned-in annotation" in refusal(BurnedInAnnotation="YES")


def test_an_unsupported_modality_is_refused_without_naming_it():
    reason = refusal(Modality="NM")
    assert "not a kind of image we import" in reason and "NM" not in reason


def test_a_sliver_of_an_image_is_refused_with_its_size():
    assert refusal(Rows=3000, Columns=1) == "its images are 1 × 3000 pixels: too narrow to be an image of the spine"


def test_a_dataset_without_pixels_is_refused():
    assert "holds no image" in refusal(Rows=None)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"Modality": "US"}, "ultrasound"),
        ({"ImageType": ["DERIVED", "SECONDARY", "SCREEN SAVE"]}, "a derived screenshot"),
        ({"Modality": "OT"}, "a secondary capture (other)"),
    ],
)
def test_kinds_that_often_carry_burned_in_text_are_held(changes, reason):
    assert reason in header(**changes).held


def test_a_ct_reformat_is_not_held():
    assert header(ImageType=["DERIVED", "SECONDARY", "REFORMATTED"]).held is None


def test_the_stack_is_ordered_along_the_normal_whatever_the_file_order():
    headers = [header(ImagePositionPatient=[0, 0, z], InstanceNumber=n) for n, z in enumerate([-3, 0, -9, -6])]
    # Axial stacks read from head (+z) to feet.
    assert dicom.stack_order(headers) == [1, 0, 3, 2]
    assert dicom.slice_spacing([headers[i] for i in [1, 0, 3, 2]]) == 3


def test_without_positions_the_stack_follows_instance_numbers_then_file_order():
    numbered = [header(ImagePositionPatient=None, InstanceNumber=n) for n in (3, 1, 2)]
    assert dicom.stack_order(numbered) == [1, 2, 0]
    unnumbered = [header(ImagePositionPatient=None, InstanceNumber=None) for _ in range(3)]
    assert dicom.stack_order(unnumbered) == [0, 1, 2]


def test_monochrome1_is_turned_into_the_monochrome2_sense():
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3", rescale=(1.0, 0.0))
    ds.Modality = "DX"
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.BitsStored, ds.HighBit = 12, 11
    ds.PixelData = bytes(2 * 32 * 32)  # all stored zeros: the brightest value in MONOCHROME1

    (values,) = dicom.iter_values(io.BytesIO(encoded(ds)))

    assert values.min() == values.max() == 4095


def test_a_monochrome1_headers_window_is_turned_with_its_values():
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3", rescale=(1.0, 0.0))
    ds.Modality, ds.PhotometricInterpretation = "DX", "MONOCHROME1"
    ds.BitsStored, ds.HighBit = 12, 11
    ds.WindowCenter, ds.WindowWidth = 1200, 1000  # stored values 700–1700: mirrored, 2395–3395

    assert dicom.read_header(io.BytesIO(encoded(ds))).window == (1000, 4095 - 1200)


def test_a_deflated_file_is_refused_from_its_file_meta_before_anything_is_inflated():
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3")
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    whole = encoded(ds)
    meta_end = 132 + 12 + int.from_bytes(whole[140:144], "little")  # preamble, "DICM", then the meta group
    not_inflatable = whole[:meta_end] + b"\xff" * 64  # what a bomb's header read would have to inflate first

    with pytest.raises(dicom.Refused, match="^Deflate: a whole-file compression not read here"):
        dicom.read_header(io.BytesIO(not_inflatable))


def test_no_warning_quotes_an_odd_header_value(recwarn):
    ds = dcmread(io.BytesIO(encoded(ct_slice(slab(0), index=0, series_uid="1.2.3"))))
    ds.PatientBirthDate = "DOE-NOT-A-DATE"
    dicom.read_header(io.BytesIO(encoded(ds)))
    assert not [w for w in recwarn if "DOE" in str(w.message)]


def damaged(ds, tag: int, text: str) -> bytes:
    """The file with a number's element holding text (as a broken export writes it): its VR says text."""
    ds.add_new(tag, "LO", text)
    return encoded(ds)


def test_a_number_that_is_text_in_the_header_refuses_the_file_without_quoting_it():
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3")
    with pytest.raises(dicom.Refused) as refused:
        dicom.read_header(io.BytesIO(damaged(ds, 0x00280008, "ZQ^SMI")))  # NumberOfFrames
    assert str(refused.value) == "has a damaged header"


@pytest.mark.parametrize(
    "changes", [{"RescaleSlope": "NaN"}, {"RescaleSlope": "inf"}, {"RescaleSlope": "0"}, {"RescaleIntercept": "NaN"}]
)
def test_a_rescale_that_gives_no_usable_values_is_refused_rather_than_imported_blank(changes):
    assert refusal(**changes) == "has a damaged header: its rescale slope or intercept is not a usable number"


def test_a_rescale_that_is_text_refuses_the_file_when_its_pixels_are_read():
    ds = ct_slice(slab(0), index=0, series_uid="1.2.3")
    file = io.BytesIO(damaged(ds, 0x00281053, "ZQ^SMI"))  # RescaleSlope
    with pytest.raises(dicom.Refused) as refused:
        dicom.read_header(file)
        list(dicom.iter_values(file))
    assert "ZQ" not in str(refused.value) and "damaged" in str(refused.value)
