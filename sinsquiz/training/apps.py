from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "sinsquiz.training"
    label = "training"
    verbose_name = "Training"
