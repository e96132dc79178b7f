from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "sinsquiz.problems"
    label = "problems"
    verbose_name = "Problem reports"
