"""Bulk data for the benchmarks: cases that share one set of image files, users, and attempts in bulk."""

import io
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases import images
from cases.models import Case, ReferenceReading, Series, Slice
from sinsquiz import sins

# The app's models, imported here only: the benchmarks import them from this module.
from sinsquiz.progress.models import Cohort
from sinsquiz.training.models import Attempt

HALF_HOUR = timedelta(minutes=30)
PASSWORD = "bench-password-123"  # every benchmark user's
REFERENCE = {
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


def make_user(username: str, group: str = "Trainees", **fields) -> User:
    user = User.objects.create_user(username, password=PASSWORD, **fields)
    user.groups.add(Group.objects.get(name=group))
    return user


def make_cases(count: int, series: int = 1, slices: int = 1, prefix: str = "bench") -> list[Case]:
    """Published cases whose slices all point at one stored set of files (rows may share image files)."""
    buffer = io.BytesIO()
    Image.new("L", (384, 512), 90).save(buffer, "PNG")
    template = Slice.create_from_upload(
        Series.objects.create(case=_case(f"{prefix}-template"), modality="mri", plane="sagittal"),
        images.process(SimpleUploadedFile("t.png", buffer.getvalue())),
        alt_text="Benchmark image",
    )
    cases = Case.objects.bulk_create([_case(f"{prefix}-{n}", save=False) for n in range(count)])
    all_series = Series.objects.bulk_create(
        [
            Series(case=case, modality="mri", plane="sagittal", sequence="T2", order=n)
            for case in cases
            for n in range(series)
        ]  # fmt: skip
    )
    Slice.objects.bulk_create(
        [
            Slice(
                series=s,
                position=p,
                image=template.image.name,
                web=template.web.name,
                thumbnail=template.thumbnail.name,
                width=384,
                height=512,
                alt_text=f"Image {p + 1}",
            )
            for s in all_series
            for p in range(slices)
        ],  # fmt: skip
        batch_size=5000,
    )
    score = sins.Reading(**REFERENCE).score
    ReferenceReading.objects.bulk_create(
        [
            ReferenceReading(
                case=case,
                reader_name="Bench expert",
                is_primary=True,
                total=score.total,
                category=score.category,
                **REFERENCE,
            )
            for case in cases
        ]  # fmt: skip
    )
    return cases


def _case(slug: str, save: bool = True) -> Case:
    case = Case(title=slug, slug=slug, status=Case.Status.PUBLISHED, index_level="T7", region="thoracic",
                pain_statement="Pain on standing.", presentation="Back pain.")  # fmt: skip
    if save:
        case.save()
    return case


SNAPSHOT = {
    "escc_asked": False,
    "prior_treatment": "none",
    "teaching": {"points": "Mechanical pain and a lytic lesion drive this score.", "discussion": ""},
    "primary": {"reader": "Bench expert", "reading": {**REFERENCE, "escc": None}, "rationales": {}, "key_slices": {}},
    "others": [],
}


def bulk_attempts(trainee: User, cases: list[Case], count: int, rng) -> None:
    """`count` submitted attempts by `trainee`, cycling through `cases`, with random misreadings, one every
    half hour up to now: a history, not thousands of commits in the same instant."""
    now = timezone.now()
    attempts = [
        _submitted(trainee, cases[n % len(cases)], n < len(cases), now - HALF_HOUR * (count - n), rng)
        for n in range(count)
    ]
    Attempt.objects.bulk_create(attempts, batch_size=2000)


def bulk_histories(histories: dict[User, int], cases: list[Case], rng) -> None:
    """Many trainees' histories in one bulk insert: for each trainee, that many submitted attempts at distinct
    cases drawn from `cases`, one every half hour up to now."""
    now = timezone.now()
    attempts = [
        _submitted(trainee, case, True, now - HALF_HOUR * (count - n), rng)
        for trainee, count in histories.items()
        for n, case in enumerate(rng.sample(cases, count))
    ]
    Attempt.objects.bulk_create(attempts, batch_size=2000)


def _submitted(trainee: User, case: Case, first_try: bool, when, rng) -> Attempt:
    """A submitted, graded attempt at a case whose reference is REFERENCE, with random misreadings."""
    answer = {**REFERENCE}
    for component in ("pain", "bone_lesion", "collapse", "posterolateral"):
        if rng.random() < 0.3:
            answer[component] = rng.choice(sins.COMPONENTS_BY_NAME[component].codes)
    score = sins.Reading(**answer).score
    right = sum(answer[c.name] == REFERENCE[c.name] for c in sins.COMPONENTS)
    return Attempt(
        trainee=trainee, case=case, state=Attempt.State.SUBMITTED, first_try=first_try,
        submitted=when, total=score.total, category=score.category, reference_total=9,
        reference_category="potentially_unstable", components_right=right,
        consultation="agree" if score.total >= 7 else "under_triage", reference=SNAPSHOT,
        **answer, **{f"reference_{item}": value for item, value in REFERENCE.items()},
        **{f"{item}_correct": answer[item] == REFERENCE[item] for item in REFERENCE},
    )  # fmt: skip


def make_trainees(count: int, prefix: str = "trainee") -> list[User]:
    """Many trainees at once, sharing one password hash (hashing is deliberately slow)."""
    template = make_user(f"{prefix}-0")
    users = User.objects.bulk_create(
        [User(username=f"{prefix}-{n}", password=template.password) for n in range(1, count)]
    )
    group = Group.objects.get(name="Trainees")
    group.user_set.add(*users)
    return [template, *users]


def make_cohorts(trainees: list[User], educator: User, count: int, prefix: str = "Bench cohort") -> list:
    cohorts = []
    size = -(-len(trainees) // count)
    for n in range(count):
        cohort = Cohort.objects.create(name=f"{prefix} {n + 1}")
        cohort.trainees.set(trainees[n * size : (n + 1) * size])
        cohort.educators.add(educator)
        cohorts.append(cohort)
    return cohorts


def make_sessions(users: list[User], days: int = 30) -> dict[int, str]:
    """A signed-in session for each user, written in bulk: what logging in leaves in the database, valid for
    `days`. Works with the database and the cached_db session engines (a session missing from the cache is
    read from the database). Returns the session key of each user's id."""
    from django.conf import settings
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    encoder, expires = SessionStore(), timezone.now() + timedelta(days=days)
    backend = "django.contrib.auth.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    keys, rows = {}, []
    for user in users:
        keys[user.pk] = key = get_random_string(32, VALID_KEY_CHARS)
        data = {"_auth_user_id": str(user.pk), "_auth_user_backend": backend,
                "_auth_user_hash": user.get_session_auth_hash()}  # fmt: skip
        rows.append(Session(session_key=key, session_data=encoder.encode(data), expire_date=expires))
    Session.objects.bulk_create(rows, batch_size=2000)
    return keys
