from django.apps import AppConfig


class SetsConfig(AppConfig):
    name = "sinsquiz.sets"
    label = "sets"
    verbose_name = "Case sets"

    def ready(self):
        from cases.models import unpublished
        from sinsquiz.sets import sittings
        from sinsquiz.training import access, drafts, next_case

        # Training and the library send, sets answer: neither imports sets.
        drafts.committed.connect(sittings.record_commit, dispatch_uid="sets.record_commit")
        next_case.held_back.connect(sittings.held_back, dispatch_uid="sets.held_back")
        access.feedback_kept.connect(sittings.feedback_kept, dispatch_uid="sets.feedback_kept")
        unpublished.connect(sittings.unpublished, dispatch_uid="sets.unpublished")
