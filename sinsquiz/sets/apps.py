from django.apps import AppConfig


class SetsConfig(AppConfig):
    name = "sinsquiz.sets"
    label = "sets"
    verbose_name = "Case sets"
