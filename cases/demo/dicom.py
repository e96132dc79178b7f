"""Synthetic DICOM studies: the demo's CT phantoms in Hounsfield units, written as DICOM files by pydicom.

They exercise the import exactly as a PACS export would: one file per slice, a real header with positions,
orientation, rescale and window, and obviously fake patient details that the import must strip. Tests and the
import benchmark build their studies with the same functions (with other identities, orders and encodings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom import Dataset, FileMetaDataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, CTImageStorage, ExplicitVRLittleEndian, generate_uid

from cases.demo import phantoms

# Grey level of the phantom's CT bone-window drawing → Hounsfield units, piecewise linear through the tissues
# (air, lung, fat, soft tissue and fluid, disc, marrow, sclerotic bone, cortex), so blur and noise stay smooth.
_GREY_TO_HU = ((0, -1000), (10, -850), (42, -100), (60, 5), (80, 60), (92, 90), (130, 260), (226, 950), (255, 1500))

# Direction cosines of the rows and columns, and the direction the stack advances, per plane (patient axes).
ORIENTATIONS = {
    "axial": ((1, 0, 0, 0, 1, 0), (0, 0, -1)),  # head to feet
    "sagittal": ((0, 1, 0, 0, 0, -1), (1, 0, 0)),  # right to left
    "coronal": ((1, 0, 0, 0, 0, -1), (0, 1, 0)),  # front to back
}


@dataclass(frozen=True)
class Identity:
    """What a PACS export says about the patient and the visit: the import must keep none of it."""

    patient_name: str = "PHANTOM^DEMO"
    patient_id: str = "DEMO-0000"
    birth_date: str = "19000101"
    study_date: str = "20000101"
    study_time: str = "120000"
    accession: str = "DEMO-ACC-0"
    institution: str = "Demo Phantom Hospital"
    physician: str = "REFERRER^DEMO"
    operator: str = "OPERATOR^DEMO"
    station: str = "DEMO-CT-1"
    study_uid: str = field(default_factory=generate_uid)


def ct_volume(findings: phantoms.Findings, kind: str, seed: int = 0, slices: int | None = None) -> list[np.ndarray]:
    """The phantom's CT series as int16 arrays in Hounsfield units, with no text burned in."""
    grey, hu = zip(*_GREY_TO_HU, strict=True)
    images = phantoms.render_series(findings, kind, seed=seed, slices=slices, labels=False)
    return [np.interp(np.asarray(image, dtype=np.float32), grey, hu).round().astype(np.int16) for image in images]


def ct_slice(
    hu: np.ndarray,
    *,
    index: int,
    plane: str = "axial",
    series_uid: str,
    identity: Identity = Identity(),
    spacing: float = 1.0,
    thickness: float = 3.0,
    description: str = "Bone 1.0",
    window: tuple[float, float] | None = (2000, 500),
    rescale: tuple[float, float] = (1.0, -1024.0),
) -> Dataset:
    """One CT Image Storage dataset holding `hu`, stored as unsigned values with the given (slope, intercept)."""
    slope, intercept = rescale
    stored = np.clip(np.rint((hu.astype(np.float64) - intercept) / slope), 0, 65535).astype(np.uint16)
    cosines, normal = ORIENTATIONS[plane]
    position = [round(thickness * index * n, 3) for n in normal]

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID

    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = identity.study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = generate_uid()
    ds.Modality = "CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PatientName = identity.patient_name
    ds.PatientID = identity.patient_id
    ds.PatientBirthDate = identity.birth_date
    ds.PatientSex = "O"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = identity.study_date
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = identity.study_time
    ds.AccessionNumber = identity.accession
    ds.InstitutionName = identity.institution
    ds.ReferringPhysicianName = identity.physician
    ds.OperatorsName = identity.operator
    ds.StationName = identity.station
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = index + 1
    ds.SeriesDescription = description
    ds.BurnedInAnnotation = "NO"
    ds.ImageOrientationPatient = list(cosines)
    ds.ImagePositionPatient = position
    ds.SliceThickness = thickness
    ds.PixelSpacing = [spacing, spacing]
    ds.RescaleSlope = slope
    ds.RescaleIntercept = intercept
    ds.RescaleType = "HU"
    if window:
        ds.WindowWidth, ds.WindowCenter = window
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = stored.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 12 if stored.max() < 4096 else 16
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 0
    ds.PixelData = stored.tobytes()
    return ds


def write_ct_series(
    folder: Path, volume: list[np.ndarray], *, plane: str = "axial", prefix: str = "IM", **options
) -> list[Path]:
    """Write `volume` as one CT series, a file per slice (IM0001.dcm …) in `folder`; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = options.pop("series_uid", None) or generate_uid()
    paths = []
    for index, hu in enumerate(volume):
        path = folder / f"{prefix}{index + 1:04d}.dcm"
        ct_slice(hu, index=index, plane=plane, series_uid=series_uid, **options).save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
