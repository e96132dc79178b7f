import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def start_django(**env):
    """Import the settings in a fresh interpreter, as a server would on start-up."""
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    environment |= {"DJANGO_SETTINGS_MODULE": "sinsquiz.settings", **env}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            # Loading the URL configuration as well catches what only breaks at start-up in production
            # (such as a static file looked up in a manifest that collectstatic has not written yet).
            "import django; django.setup(); from django.urls import get_resolver; get_resolver().url_patterns; "
            "print('started')",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = start_django(DEBUG="0", ALLOWED_HOSTS="sins.example.org")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = start_django(DEBUG="0", SECRET_KEY="x" * 60)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_starts_with_both():
    result = start_django(DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="sins.example.org")

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_starts_with_nothing_set():
    assert start_django().returncode == 0


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_is_set_up_for_concurrent_use():
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_sqlite_file_database_uses_the_wal_journal(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    code = (
        "import django; django.setup(); from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sinsquiz.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "wal", result.stderr


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_postgresql_keeps_connections_with_health_checks():
    assert connection.settings_dict["CONN_MAX_AGE"] == 600
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_an_s3_bucket_switches_the_media_storage_and_its_origin_joins_the_image_policy():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STORAGES['default']['BACKEND']); "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"DJANGO_SETTINGS_MODULE": "sinsquiz.settings", "AWS_STORAGE_BUCKET_NAME": "teaching",
            "AWS_S3_ENDPOINT_URL": "https://minio.example.org:9000/"}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)

    backend, sources = result.stdout.splitlines()
    assert backend == "storages.backends.s3.S3Storage"
    assert "https://minio.example.org:9000" in sources


def test_with_redis_the_cache_keys_belong_to_the_release_named_in_the_environment():
    code = "import django; django.setup(); from django.core.cache import cache; print(cache.make_key('page'))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sinsquiz.settings", "REDIS_URL": "redis://127.0.0.1:6379/9"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "RELEASE": "2026.12-a1b2c3"},
                            capture_output=True, text=True)  # fmt: skip

    assert result.stdout.strip() == "2026.12-a1b2c3:1:page"
