"""`manage.py expire_dicom_imports`: discard DICOM imports left waiting for more than DICOM_KEEP_DAYS days."""

from django.conf import settings
from django.core.management.base import BaseCommand

from cases import ingest
from cases.ingest import count


class Command(BaseCommand):
    help = (
        "Discard the DICOM imports held, failed, interrupted or never taken for more than DICOM_KEEP_DAYS days, "
        "with their uploaded files. The worker does it before each import; run this daily where none comes in."
    )

    def handle(self, *args, **options):
        discarded = ingest.expire()
        self.stdout.write(
            f"Discarded {count(discarded, 'DICOM import')} left waiting for more than {settings.DICOM_KEEP_DAYS} days."
        )
