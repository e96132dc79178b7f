"""`manage.py import_dicom PATH --case SLUG`: a folder's DICOM files (recursively) or a .zip, into a case's series."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases import ingest as ingests
from cases.models import Case, Ingest


class Command(BaseCommand):
    help = (
        "Import a DICOM study into a case: PATH is a folder (all its files, recursively), a .zip or one DICOM "
        "file. Headers are not kept; images that declare burned-in annotation are refused, and kinds that often "
        "carry burned-in text (secondary captures, screenshots, ultrasound) wait for confirmation unless "
        "--confirmed is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder of DICOM files, a .zip of them or one DICOM file.")
        parser.add_argument("--case", required=True, help="The slug of the case that receives the series.")
        parser.add_argument(
            "--confirmed",
            action="store_true",
            help="You checked every image for burned-in identifiers: import the kinds that are otherwise held.",
        )

    def handle(self, *args, path, case, confirmed, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"No such file or folder: {path}")
        target = Case.objects.filter(slug=case).first()
        if target is None:
            raise CommandError(f"No case has the slug “{case}”.")
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        if not files:
            raise CommandError(f"Nothing to import: {path} holds no files.")

        ingest = ingests.run(ingests.stage(target, ingests.opened(files)), confirmed=confirmed)
        # The import names files by number; the terminal may have their paths (they are never stored).
        for groups, kind in ((ingest.refused, ""), (ingest.held, " (held)")):
            for group in groups:
                for label in group["files"]:
                    self.stderr.write(f"{where(files, label)}{kind}: {group['reason']}")
                if more := group["count"] - len(group["files"]):
                    self.stderr.write(f"and {ingests.count(more, 'more file')}{kind}: {group['reason']}")
        if ingest.status == Ingest.Status.FAILED:
            raise CommandError(ingest.message)
        if ingest.images_made == 0 and not ingest.held:
            raise CommandError(f"Nothing importable in {path}: {ingests.count(ingest.refused_count, 'file')} refused.")
        self.stdout.write(ingest.message)  # ingest.summary, as the admin shows it
        if ingest.held:
            self.stdout.write("Check them and confirm them under Import DICOM on the case's page in the admin.")


def where(files: list[Path], label: str) -> str:
    """ "17" → the 17th file's path; "5 in archive 2" → the 2nd file's path, and which of its files."""
    number, _, archive = label.partition(" in archive ")
    if archive:
        return f"{files[int(archive) - 1]}, file {number} in the archive"
    return str(files[int(number) - 1])
