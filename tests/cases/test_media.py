"""The library as trainees see it: the case list, the case page, and the images behind them."""

import pytest

from cases.models import Case
from tests.factories import (
    EducatorFactory,
    SeriesFactory,
    SliceFactory,
    TraineeFactory,
    published_case,
)

pytestmark = pytest.mark.django_db


def test_images_need_a_login_and_are_served_safely(client):
    slice_ = SliceFactory()

    assert client.get(slice_.web.url).status_code == 302

    client.force_login(TraineeFactory())
    response = client.get(slice_.web.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("path", ["/media/../sinsquiz/settings.py", "/media/cases/../../pyproject.toml",
                                  "/media/cases/slices/missing.png", "/media/other/file.png"])  # fmt: skip
def test_only_stored_case_images_can_be_fetched(trainee_client, path):
    assert trainee_client.get(path).status_code == 404


def test_images_of_a_draft_case_are_not_served_to_trainees(client):
    draft = published_case(status=Case.Status.DRAFT)
    web = draft.series.first().slices.first().web.url

    client.force_login(TraineeFactory())
    assert client.get(web).status_code == 404
    client.force_login(EducatorFactory())
    response = client.get(web)
    assert response.status_code == 200
    response.close()


def test_deleting_a_case_removes_its_files_unless_a_copy_shares_them(settings, django_capture_on_commit_callbacks):
    kept, removed = published_case(series=1, slices=1), published_case(series=1, slices=1)
    shared = kept.series.get().slices.get()
    own = removed.series.get().slices.get()
    copy = SliceFactory.build(series=SeriesFactory(), image=shared.image.name, web=shared.web.name,
                              thumbnail=shared.thumbnail.name, width=1, height=1)  # fmt: skip
    copy.save()

    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.filter(pk__in=[kept.pk, removed.pk]).delete()

    storage = own.image.storage
    assert not storage.exists(own.image.name) and not storage.exists(own.web.name)
    assert storage.exists(shared.image.name)  # still used by the copy
