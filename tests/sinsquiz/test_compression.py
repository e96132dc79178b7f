"""Pages travel gzipped to browsers that accept it; images, compressed already, travel as they are."""

import gzip

import pytest

from tests.factories import TraineeFactory, published_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee(client):
    client.force_login(TraineeFactory())
    return client


def test_a_case_page_is_gzipped_for_a_browser_that_accepts_it(trainee):
    case = published_case(series=1, slices=40)

    response = trainee.get(case.get_absolute_url(), headers={"accept-encoding": "gzip, deflate, br"})

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content).decode()
    assert case.title in page
    assert len(response.content) < len(page) / 3


def test_a_client_that_does_not_accept_gzip_gets_the_page_plain(trainee):
    case = published_case(series=1, slices=3)

    response = trainee.get(case.get_absolute_url())

    assert not response.has_header("Content-Encoding")
    assert case.title in response.content.decode()


def test_images_are_not_compressed_again(trainee):
    web = published_case(series=1, slices=1).series.get().slices.get().web

    response = trainee.get(web.url, headers={"accept-encoding": "gzip"})

    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
