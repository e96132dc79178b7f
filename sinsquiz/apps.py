from django.apps import AppConfig


class SinsQuizConfig(AppConfig):
    """The project itself: site templates and static files, the roles, and the migrations that made the
    first tables (the models have since moved to the training and progress apps)."""

    name = "sinsquiz"
    verbose_name = "SINS Quiz"
