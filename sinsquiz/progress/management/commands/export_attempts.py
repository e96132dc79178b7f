from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from sinsquiz.progress import exports
from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt


class Command(BaseCommand):
    help = "Write every submitted attempt, with both readings item by item, as CSV (for research and backups)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="A file to write; standard output when left out.")
        parser.add_argument("--cohort", help="Only the attempts of this cohort's trainees (its name).")

    def handle(self, *args, output=None, cohort=None, **options):
        attempts = Attempt.objects.all()
        if cohort:
            if not Cohort.objects.filter(name=cohort).exists():
                raise CommandError(f"There is no cohort called {cohort!r}.")
            attempts = attempts.filter(trainee__cohorts__name=cohort)
        lines = exports.csv_lines(exports.attempt_rows(attempts))
        count = -1  # the header row is not an attempt
        if output:
            with Path(output).open("w", encoding="utf-8", newline="") as stream:
                for line in lines:
                    stream.write(line)
                    count += 1
        else:
            for line in lines:
                self.stdout.write(line, ending="")
                count += 1
        self.stderr.write(f"Exported {count} attempt{pluralize(count)}{f' to {output}' if output else ''}.")
