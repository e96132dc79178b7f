"""`manage.py import_cases IN.zip`: the cases of a case archive, checked whole before anything is written."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases import archive


class Command(BaseCommand):
    help = (
        "Import the cases of a case archive made by export_cases. Everything is checked before anything is written; "
        "a case whose slug is taken here comes in as a new draft, never over the existing case."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="IN.zip", help="The case archive.")
        parser.add_argument(
            "--as-drafts",
            action="store_true",
            help="Import every case as a draft, even those published in the archive.",
        )

    def handle(self, *args, path: str, as_drafts: bool, **options):
        try:
            with open(path, "rb") as file:
                # On the server, with no request to time out: a whole library, within a DICOM import's budget.
                report = archive.import_archive(file, as_drafts=as_drafts, max_total=settings.DICOM_MAX_TOTAL_BYTES)
        except OSError as error:
            raise CommandError(f"Could not read {path}: {error.strerror or error}.") from None
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
        for line in report.lines():
            self.stdout.write(line)
