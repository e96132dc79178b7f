from django.apps import AppConfig


class SinsQuizConfig(AppConfig):
    name = "sinsquiz"
    verbose_name = "Training"
