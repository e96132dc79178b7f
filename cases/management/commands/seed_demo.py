import os

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from cases.demo import assignments, library, retest, reviews
from cases.models import Case
from sinsquiz.training import reviews as training_reviews

# Who to log in as, to see what.
LOGINS = (
    ("educator", "educator: authoring, the cohort's pages, case-set results"),
    ("resident1", "trainee, new: nothing answered yet, a practice set open"),
    ("resident2", "trainee with weeks of practice and cases due for review"),
    (f"{library.PRACTISING[1]} … {library.PRACTISING[-1]}", "trainees of the demo cohort, with a practice history"),
)


class Command(BaseCommand):
    help = "Create the demo library and the demo users. Safe to run again: what exists is left alone."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or library.DEFAULT_PASSWORD
        if not settings.DEBUG and password == library.DEFAULT_PASSWORD:
            raise CommandError(
                "DEBUG is off: refusing to create demo users with the published default password. "
                "Set DEMO_PASSWORD to a password of your own."
            )
        users_before = User.objects.count()
        library.create_users(password)
        author = User.objects.filter(username="educator").first()
        existing = set(Case.objects.filter(slug__in=[c.slug for c in library.CASES]).values_list("slug", flat=True))
        missing = [c for c in library.CASES if c.slug not in existing]
        for done, case in enumerate(missing, start=1):
            library.create_case(case, author)
            self._progress(done, len(missing), case.title)
        if missing:
            self.stdout.write("")
        history = library.create_history(password)
        answered = assignments.create_assignments()
        retested = retest.create_retest_pair()
        if history or answered or retested:
            library.mark_first_tries(User.objects.filter(username__in=library.PRACTISING))
        if history:
            # The history is dated back after it is committed: schedule the reviews from those dates.
            for trainee in User.objects.filter(username__in=library.PRACTISING):
                reviews.create_review_queue(trainee)
        new_users = User.objects.count() - users_before
        self.stdout.write(
            f"Demo library: {len(library.CASES)} cases ({len(missing)} new); {new_users} new demo "
            f"user{pluralize(new_users)}; {history} new practice attempt{pluralize(history)} in the cohort "
            f"“{library.DEMO_COHORT}”."
        )
        resident2 = User.objects.filter(username="resident2").first()
        due = len(training_reviews.due_for(resident2)) if resident2 else 0
        self.stdout.write(
            "Case sets: an assessment that closed last week with the cohort's results, a practice set open for "
            "resident1, and a baseline with its retest (the test–retest report); "
            f"resident2 has {due} case{pluralize(due)} due for review today."
        )
        educator = User.objects.get(username="educator")
        if not educator.check_password(password):  # made by an earlier run, with another password
            shown = "the one they were made with; DEMO_PASSWORD sets only new ones"
        else:
            shown = password if password == library.DEFAULT_PASSWORD else "the DEMO_PASSWORD you set"
        self.stdout.write(self.style.SUCCESS("Demo logins (password: " + shown + "):"))
        for username, who in LOGINS:
            self.stdout.write(f"  {username:<21} {who}")

    def _progress(self, done: int, total: int, title: str) -> None:
        width = 30
        filled = width * done // total
        bar = "█" * filled + "·" * (width - filled)
        self.stdout.write(f"\r  [{bar}] {done}/{total} {title[:40]:<40}", ending="")
        self.stdout.flush()
