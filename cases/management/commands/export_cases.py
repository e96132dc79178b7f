"""`manage.py export_cases OUT.zip [--slug SLUG …]`: cases, their images and expert readings, as one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from cases import archive
from cases.models import Case


class Command(BaseCommand):
    help = (
        "Write teaching cases (all of them, or those named with --slug) with their series, images, expert readings, "
        "key images and annotations to a case archive (.zip) that import_cases reads on any SINS Quiz site."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "out", metavar="OUT.zip", help="The archive to write, e.g. cases.zip (replaced if it exists)."
        )
        parser.add_argument("--slug", action="append", default=[], help="A case to export; repeat for several.")

    def handle(self, *args, out, slug, **options):
        cases = Case.objects.all()
        if slug:
            unknown = sorted(set(slug) - set(Case.objects.filter(slug__in=slug).values_list("slug", flat=True)))
            if unknown:
                raise CommandError("No case has the slug " + ", ".join(f"“{s}”" for s in unknown) + ".")
            cases = cases.filter(slug__in=slug)
        path = Path(out)
        try:
            with path.open("wb") as file:
                done = archive.export(cases, file)
        except archive.ExportError as error:
            path.unlink(missing_ok=True)  # half an archive is no archive
            raise CommandError(str(error)) from None
        except OSError as error:
            path.unlink(missing_ok=True)
            raise CommandError(f"Could not write {out}: {error.strerror or error}.") from None
        self.stdout.write(f"Exported {done.cases} case{pluralize(done.cases)}, {done.images} image"
                          f"{pluralize(done.images)} ({done.files} file{pluralize(done.files)}) to {out}.")  # fmt: skip
