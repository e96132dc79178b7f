from django.apps import AppConfig


class SetsConfig(AppConfig):
    name = "sinsquiz.sets"
    label = "sets"
    verbose_name = "Case sets"

    def ready(self):
        from sinsquiz.sets import sittings
        from sinsquiz.training import drafts, next_case

        # Training sends, sets answer: training never imports sets.
        drafts.committed.connect(sittings.record_commit, dispatch_uid="sets.record_commit")
        next_case.held_back.connect(sittings.held_back, dispatch_uid="sets.held_back")
