import importlib

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # For speed: password hashing is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploads go to a fresh folder per test, never to the project's media/.
    settings.MEDIA_ROOT = tmp_path / "media"
    # The production policy, whatever DEBUG the settings were imported with: no inline script or style.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "script-src": ["'self'"], "style-src": ["'self'"]}}


@pytest.fixture
def migration_data(transactional_db):
    """Tests on a committed database (browsers, threads) are followed by a flush that also empties the
    groups the data migrations create; run those migrations' own functions again."""
    importlib.import_module("sinsquiz.migrations.0001_groups").create_groups(apps, None)
    importlib.import_module("cases.migrations.0002_educator_permissions").grant(apps, None)
    importlib.import_module("sinsquiz.migrations.0003_progress").grant(apps, None)
