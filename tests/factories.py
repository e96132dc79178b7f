"""factory-boy factories for the whole suite. Images are drawn in memory and go through the real pipeline."""

import importlib
import io
import random

import factory
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from cases import images
from cases.models import Case, ReferenceReading, Series, Slice
from sinsquiz import roles


def ensure_roles() -> None:
    """Put back what the data migrations made (the groups and the educators' permissions) if a flush
    after a test on a committed database (browsers, threads) has emptied it; cheap when nothing is missing."""
    complete = (
        Group.objects.filter(name=roles.TRAINEES).exists()
        and Group.objects.filter(name=roles.EDUCATORS, permissions__codename="change_cohort").exists()
        and Group.objects.filter(name=roles.EDUCATORS, permissions__codename="change_assignment").exists()
        and Group.objects.filter(name=roles.EDUCATORS, permissions__codename="change_problemreport").exists()
    )
    if complete:
        return
    importlib.import_module("sinsquiz.migrations.0001_groups").create_groups(apps, None)
    importlib.import_module("cases.migrations.0002_educator_permissions").grant(apps, None)
    importlib.import_module("sinsquiz.migrations.0003_progress").grant(apps, None, app_label="progress")
    importlib.import_module("sinsquiz.sets.migrations.0002_educator_permissions").grant(apps, None)
    importlib.import_module("sinsquiz.problems.migrations.0002_educator_permissions").grant(apps, None)


def png_upload(name="slice.png", size=(96, 128), mode="L", shade=128, format="PNG") -> SimpleUploadedFile:
    """A small real image file, as a browser would upload it."""
    grey = mode in {"L", "I;16"}
    image = Image.new(mode, size, shade if grey else (shade, shade, shade))
    white = 255 if grey else (255, 255, 255)
    ImageDraw.Draw(image).rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=white)
    buffer = io.BytesIO()
    image.save(buffer, format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{format.lower()}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("a-long-test-password")


class TraineeFactory(UserFactory):
    username = factory.Sequence(lambda n: f"resident{n}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=roles.TRAINEES))


class EducatorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"educator{n}")
    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=roles.EDUCATORS))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    title = factory.Sequence(lambda n: f"Case {n}")
    slug = factory.Sequence(lambda n: f"case-{n}")
    status = Case.Status.PUBLISHED
    age = 64
    sex = Case.Sex.FEMALE
    primary_tumour = "Breast carcinoma"
    presentation = "Back pain for six weeks."
    pain_statement = "The pain is worse on standing and eases when she lies down."
    index_level = "T7"
    region = Case.Region.THORACIC


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    case = factory.SubFactory(CaseFactory)
    modality = Series.Modality.MRI
    plane = Series.Plane.SAGITTAL
    sequence = "T2"
    order = factory.Sequence(lambda n: n)


class SliceFactory(factory.django.DjangoModelFactory):
    """A slice made the way every upload is: through images.process and the storage API."""

    class Meta:
        model = Slice

    series = factory.SubFactory(SeriesFactory)
    alt_text = factory.Sequence(lambda n: f"Test image {n}")
    position = factory.Sequence(lambda n: n)

    @classmethod
    def _create(cls, model_class, series, alt_text, position, upload=None, **kwargs):
        processed = images.process(upload or png_upload(shade=(position * 37) % 200 + 30))
        return model_class.create_from_upload(series, processed, alt_text=alt_text, position=position)


class ReferenceReadingFactory(factory.django.DjangoModelFactory):
    """A complete primary reading of a T7 case: total 9, potentially unstable."""

    class Meta:
        model = ReferenceReading

    case = factory.SubFactory(CaseFactory)
    reader_name = "Dr A. Expert"
    is_primary = True
    level = "T7"
    location = "semirigid"
    pain = "mechanical"
    bone_lesion = "lytic"
    alignment = "normal"
    collapse = "lt50"
    posterolateral = "unilateral"
    absent_pedicle = "present"
    tomita = 2
    escc = ""


def published_case(*, series=2, slices=3, **case_fields) -> Case:
    """A published case with its images and a primary reading, ready for a trainee."""
    case = CaseFactory(**case_fields)
    for n in range(series):
        series_ = SeriesFactory(case=case, order=n)
        for position in range(slices):
            SliceFactory(series=series_, position=position)
    ReferenceReadingFactory(case=case, level=case.index_level, location=_location(case.index_level))
    return case


def _location(level: str) -> str:
    from sinsquiz import sins

    return sins.location_for_level(level)


# A complete reading that agrees with the reference of published_case(): T7, total 9, potentially unstable.
ANSWER = {
    "level": "T7",
    "location": "semirigid",
    "pain": "mechanical",
    "bone_lesion": "lytic",
    "alignment": "normal",
    "collapse": "lt50",
    "posterolateral": "unilateral",
    "absent_pedicle": "present",
    "tomita": 2,
}


def commit(client, case, **changes):
    """Open the case as the client's user and commit ANSWER with `changes`; return the attempt."""
    from sinsquiz.training.models import Attempt

    attempt_id = client.get(f"/cases/{case.slug}/").context["attempt_id"]
    client.post(f"/attempts/{attempt_id}/commit/", {**ANSWER, **changes})
    return Attempt.objects.get(pk=attempt_id)


def bulk_attempts(trainee, cases, count, seed=1):
    """`count` submitted attempts spread over `cases`, written in bulk (the figures are not the point here)."""
    from sinsquiz import sins
    from sinsquiz.training.models import Attempt

    rng = random.Random(seed)
    attempts = []
    for n in range(count):
        case = cases[n % len(cases)]
        answer = {**ANSWER, "collapse": rng.choice(sins.COLLAPSE.codes), "pain": rng.choice(sins.PAIN.codes)}
        reading = sins.Reading(**answer)
        score = reading.score
        attempts.append(
            Attempt(
                trainee=trainee, case=case, state=Attempt.State.SUBMITTED, submitted=case.created,
                first_try=n < len(cases), total=score.total, category=score.category, reference_total=9,
                reference_category="potentially_unstable", components_right=4,
                **answer, **{f"reference_{item}": value for item, value in ANSWER.items()},
                **{f"{item}_correct": answer[item] == ANSWER[item] for item in ANSWER},
            )
        )  # fmt: skip
    Attempt.objects.bulk_create(attempts, batch_size=2000)
