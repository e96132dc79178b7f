from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "sinsquiz.progress"
    label = "progress"
    verbose_name = "Progress"
