"""DICOM import at scale: a 1,000-slice 512 × 512 16-bit CT series through the worker's import, beside pydicom.

Run (from the checkout; a few minutes, most of it writing the files):

    .venv/bin/python bench/dicom.py            # the goals below, PASS or FAIL
    .venv/bin/python bench/dicom.py --smoke    # CI: 30 slices, no goals

What it does. In a throw-away folder (SQLite, media) it writes a synthetic CT series as DICOM files, one per slice
(cases/demo/dicom.py: values in Hounsfield units, uncompressed Explicit VR Little Endian as most PACS exports are,
fake patient details), stages them as an upload is staged, and then, each in a fresh process of its own:

- pydicom: reads every file and decodes its pixels (`dcmread`, `pixel_array`, rescale to HU). This is the
  baseline rate, slices per second.
- import: `cases.ingest.run` on the staged files, as the db_worker runs it: headers, order, decode, the 16-bit
  original and the study, bone and soft-tissue derivatives and the thumbnail, stored, one row per slice.
  Throughput goal: >= 0.5 × the pydicom rate. Peak memory goal (the process's maximum resident set, from the
  kernel): <= 300 MB. The same import of a quarter of the series is run too, to show that memory does not grow
  with the series' length.

The exit status is 0 when every goal is met (for --smoke: when the import made every image). The last line
starting with RESULT: is the verdict that bench/run.py collects.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLICES, SMOKE_SLICES, SIZE = 1000, 30, 512
RATE_RATIO_GOAL, MEMORY_GOAL_MB = 0.5, 300


def write_series(folder: Path, slices: int) -> list[Path]:
    """A CT volume of a body with a spine in it: fat, muscle, marrow and cortex, with noise, in HU."""
    import numpy as np

    from cases.demo import dicom

    rng = np.random.default_rng(18)
    y, x = np.mgrid[0:SIZE, 0:SIZE] - SIZE / 2
    body = (x / 220) ** 2 + (y / 170) ** 2 <= 1
    paths = []
    for index in range(slices):
        vertebra = (x / 60) ** 2 + ((y - 40 - 10 * np.sin(index / 40)) / 50) ** 2
        hu = np.full((SIZE, SIZE), -1000.0)
        hu[body] = -90
        hu[(x / 200) ** 2 + (y / 150) ** 2 <= 1] = 50
        hu[vertebra <= 1] = 250
        hu[(vertebra > 0.8) & (vertebra <= 1)] = 1100
        hu += rng.normal(0, 12, hu.shape)
        paths += dicom.write_ct_series(
            folder, [hu.round().astype(np.int16)], prefix=f"IM{index:04d}-", series_uid="1.2.826.0.1.3680043.8.498.18"
        )
    return paths


def pydicom_rate(folder: Path) -> None:
    """Child process: read and decode every file as pydicom does; print the seconds taken."""
    import pydicom
    from pydicom.pixels import apply_rescale

    started = time.perf_counter()
    for path in sorted(folder.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        apply_rescale(ds.pixel_array, ds)
    print(time.perf_counter() - started, peak_mb())


def import_staged(ingest_pk: int) -> None:
    """Child process: run one staged import, as the worker does; print the seconds taken."""
    import django

    django.setup()
    from cases import ingest
    from cases.models import Ingest

    started = time.perf_counter()
    done = ingest.run(Ingest.objects.get(pk=ingest_pk))
    print(time.perf_counter() - started, done.status, done.images_made, peak_mb())


def peak_mb() -> float:
    """This process's maximum resident set so far, as the kernel counts it (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(*args: str) -> list[str]:
    """Run this script in a fresh process; return the words it printed."""
    command = [sys.executable, __file__, *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ).stdout.split()


def stage(name: str, paths: list[Path]) -> int:
    """Stage the files as an upload is staged, for a case of their own; return the Ingest's pk."""
    from cases import ingest
    from cases.models import Case

    case = Case.objects.create(slug=f"bench-{name}", title="Import benchmark")
    return ingest.stage(case, ingest.opened(paths)).pk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="30 slices, no goals (CI)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--pydicom", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--import-staged", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pydicom:
        pydicom_rate(args.pydicom)
        return 0
    if args.import_staged:
        import_staged(args.import_staged)
        return 0

    slices = SMOKE_SLICES if args.smoke else SLICES
    work = Path(tempfile.mkdtemp(prefix="sinsquiz-dicom-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="sinsquiz.settings", DATABASE_URL=f"sqlite:///{work / 'dicom.sqlite3'}",
        REDIS_URL="", MEDIA_ROOT=str(work / "media"),
    )  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        started = time.monotonic()
        series = work / "series"
        paths = write_series(series, slices)
        megabytes = sum(path.stat().st_size for path in paths) / 1e6
        print(f"wrote {slices} slices of {SIZE} × {SIZE} (16-bit CT, {megabytes:.0f} MB) in "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip

        seconds, _ = child("--pydicom", str(series))
        pydicom_rate_ = slices / float(seconds)
        print(f"pydicom read and decode: {float(seconds):.1f} s, {pydicom_rate_:.0f} slices/s")

        quarter = paths[: max(1, slices // 4)]
        seconds_q, status_q, made_q, peak_q = child("--import-staged", str(stage("quarter", quarter)))
        seconds_all, status, made, peak = child("--import-staged", str(stage("all", paths)))
        peak_q, peak = float(peak_q), float(peak)
        import_rate = slices / float(seconds_all)
        ratio = import_rate / pydicom_rate_
        print(f"import of {len(quarter)} slices: {float(seconds_q):.1f} s, {status_q}, {made_q} images, "
              f"peak memory {peak_q:.0f} MB")  # fmt: skip
        print(f"import of {slices} slices: {float(seconds_all):.1f} s, {status}, {made} images, "
              f"{import_rate:.0f} slices/s, peak memory {peak:.0f} MB")  # fmt: skip

        complete = status == "done" and int(made) == slices
        if args.smoke:
            verdict = "PASS" if complete else "FAIL"
            print(f"RESULT: smoke run, {made} of {slices} images imported: {verdict}")
            return 0 if complete else 1
        goals = [
            (f"throughput {ratio:.2f} × pydicom (goal >= {RATE_RATIO_GOAL})", ratio >= RATE_RATIO_GOAL),
            (f"peak memory {peak:.0f} MB (goal <= {MEMORY_GOAL_MB})", peak <= MEMORY_GOAL_MB),
            (f"{made} of {slices} images", complete),
        ]
        for text, met in goals:
            print(f"  {'PASS' if met else 'FAIL'}  {text}")
        passed = all(met for _, met in goals)
        print(f"RESULT: {'; '.join(text for text, _ in goals)}: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
