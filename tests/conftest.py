import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # For speed: password hashing is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploads go to a fresh folder per test, never to the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"
