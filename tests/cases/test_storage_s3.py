"""Uploaded images on S3-compatible storage (django-storages), against a local moto server on loopback."""

import socket
import urllib.request

import boto3
import pytest
from django.core.exceptions import ValidationError
from moto.server import ThreadedMotoServer

from cases import images
from cases.models import Slice
from tests.factories import SeriesFactory, png_upload

BUCKET = "sinsquiz-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(settings, s3_endpoint, monkeypatch):
    """The storage settings that AWS_STORAGE_BUCKET_NAME and AWS_S3_ENDPOINT_URL produce, on a fresh bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "region_name": "us-east-1",
                        "location": "media", "signature_version": "s3v4", "addressing_style": "path",
                        "file_overwrite": False, "default_acl": None, "querystring_auth": True},
        },
    }  # fmt: skip
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.mark.django_db
def test_an_upload_and_its_derivatives_are_stored_in_the_bucket(s3):
    slice_ = Slice.create_from_upload(SeriesFactory(), images.process(png_upload(size=(2048, 1024))), alt_text="x")

    assert keys(s3) == {f"media/{f.name}" for f in (slice_.image, slice_.web, slice_.thumbnail)}
    web = s3.get_object(Bucket=BUCKET, Key=f"media/{slice_.web.name}")["Body"].read()
    assert web[:3] == b"\xff\xd8\xff"


@pytest.mark.django_db
def test_images_are_private_and_reached_through_signed_urls(s3, s3_endpoint):
    slice_ = Slice.create_from_upload(SeriesFactory(), images.process(png_upload()), alt_text="x")

    url = slice_.thumbnail.url

    assert url.startswith(f"{s3_endpoint}/{BUCKET}/media/cases/thumbs/") and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read()[:3] == b"\xff\xd8\xff"
    acl = s3.get_object_acl(Bucket=BUCKET, Key=f"media/{slice_.thumbnail.name}")
    assert not [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_slice_removes_its_objects(s3, migration_data):
    slice_ = Slice.create_from_upload(SeriesFactory(), images.process(png_upload()), alt_text="x")
    assert len(keys(s3)) == 3

    slice_.delete()

    assert keys(s3) == set()


@pytest.mark.django_db
def test_a_refused_upload_writes_nothing_to_the_bucket(s3):
    with pytest.raises(ValidationError):
        images.process(png_upload(name="x.png", format="GIF"))

    assert keys(s3) == set()
