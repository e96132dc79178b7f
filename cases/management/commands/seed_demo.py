import os

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from cases import demo
from cases.models import Case


class Command(BaseCommand):
    help = "Create the demo library and the demo users. Safe to run again: what exists is left alone."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        if not settings.DEBUG and password == demo.DEFAULT_PASSWORD:
            raise CommandError(
                "DEBUG is off: refusing to create demo users with the published default password. "
                "Set DEMO_PASSWORD to a password of your own."
            )
        created_users = demo.create_users(password)
        author = User.objects.filter(username="educator").first()
        existing = set(Case.objects.filter(slug__in=[c.slug for c in demo.CASES]).values_list("slug", flat=True))
        missing = [c for c in demo.CASES if c.slug not in existing]
        for done, case in enumerate(missing, start=1):
            demo.create_case(case, author)
            self._progress(done, len(missing), case.title)
        if missing:
            self.stdout.write("")
        history = demo.create_history(password)
        self.stdout.write(
            f"Demo library: {len(demo.CASES)} cases ({len(missing)} new); {len(created_users)} new demo user(s); "
            f"{history} new practice attempt(s) in the cohort “{demo.DEMO_COHORT}”."
        )
        shown = password if password == demo.DEFAULT_PASSWORD else "the DEMO_PASSWORD you set"
        self.stdout.write(self.style.SUCCESS("Demo logins (password: " + shown + "):"))
        for username, group, _ in demo.DEMO_USERS:
            self.stdout.write(f"  {username:<10} {group[:-1].lower()}")
        self.stdout.write(f"  {', '.join(demo.PRACTISING)}: trainees with a practice history (resident2 the longest)")

    def _progress(self, done: int, total: int, title: str) -> None:
        width = 30
        filled = width * done // total
        bar = "█" * filled + "·" * (width - filled)
        self.stdout.write(f"\r  [{bar}] {done}/{total} {title[:40]:<40}", ending="")
        self.stdout.flush()
