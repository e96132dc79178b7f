"""Settings for SINS Quiz: one module, driven by environment variables.

The defaults are for development, so a fresh clone runs with nothing set. Production differs only by
environment (see the README): DEBUG=0 plus SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def envlist(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    missing = [name for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS)) if not value]
    if missing:
        raise ImproperlyConfigured(
            f"DEBUG is off, so {' and '.join(missing)} must be set in the environment "
            "(SECRET_KEY: a long random string; ALLOWED_HOSTS: comma-separated host names). See the README."
        )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "sinsquiz",
    "cases",
    "sinsquiz.training",
    "sinsquiz.progress",
    "sinsquiz.sets",
    "sinsquiz.problems",
    # After the apps, so that cases/templates/admin/base_site.html themes the authoring pages.
    "django.contrib.admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses the response last, after every middleware below has written it (Django's BREACH padding on).
    "sinsquiz.http.PageGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the CSP (its 400 page has the headers too), before the session is read (a NUL in its cookie would
    # reach PostgreSQL).
    "sinsquiz.http.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless it is marked @login_not_required.
    "sinsquiz.http.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sinsquiz.http.MethodNotAllowedPageMiddleware",
    # Records the signed-in user as the author of each change a request makes to a case (its history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sinsquiz.urls"
WSGI_APPLICATION = "sinsquiz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sinsquiz.context_processors.sins_numbers",
                "sinsquiz.context_processors.nav",
                "sinsquiz.sets.context_processors.sitting_bar",
            ],
            # Same partial syntax as Django 6.0 core, without {% load %}: the upgrade deletes this line.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# SQLite in the checkout unless DATABASE_URL says otherwise (PostgreSQL in production and CI).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file too (not Django's shared in-memory database), so that concurrent commits from
    # several threads meet the same locking as in production.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"sinsquiz-test-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so a busy database makes writers wait up to the
        # timeout instead of failing at once when a read transaction tries to upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets readers and the single writer work at the same time.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Background work (DICOM imports) is queued in the database and run by `manage.py db_worker`: `make run` starts one,
# production runs it as its own process. On Django 6 this becomes django.tasks, an import change.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


if REDIS_URL := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # The cache holds markup and data as one release drew them: give each release its own keys by
            # setting RELEASE (a version or commit id) when deploying. The local memory cache starts empty.
            "KEY_PREFIX": os.environ.get("RELEASE", ""),
        }
    }
    # Sessions read from Redis and survive a Redis restart in the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: a username from one address is locked after repeated failures, for a while, never for
# good (a permanent lock would let anyone lock a colleague out); other addresses and users are unaffected.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a try while locked must not make the lock last longer
AXES_USERNAME_CALLABLE = "sinsquiz.http.client_username"
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# Behind a reverse proxy, the client address comes from X-Forwarded-For (set TRUSTED_PROXY_COUNT).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "sinsquiz.http.client_address"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Image uploads (cases/images.py): limits checked before an image is decoded.
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_MB", 20) * 1_000_000
MAX_IMAGE_PIXELS = envint("MAX_IMAGE_MEGAPIXELS", 40) * 1_000_000
# A stack is uploaded in one go, and so is a study's folder of DICOM files, one file per slice: a thin-slice CT
# runs to 1,000 slices, and a study to a few series. Above this the upload is refused with a message that says to
# zip the folder (a .zip counts as one file). The DICOM upload streams every file to a temporary file on disk
# (cases/admin_ingest.py), so the count costs file handles, not memory; the image stack keeps its small files in
# memory, at most FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) each.
DATA_UPLOAD_MAX_NUMBER_FILES = envint("MAX_UPLOAD_FILES", 2000)
# One DICOM upload in the admin, read from Content-Length before the body is: 1,000 uncompressed 512x512 CT slices
# are 525 MB. A proxy in front must allow as much (nginx: client_max_body_size). In binary megabytes, as the page
# and the refusal show sizes (filesizeformat): 1,024 shows as 1.0 GB, not 976.6 MB.
DICOM_UPLOAD_MAX_BYTES = envint("DICOM_UPLOAD_MAX_MB", 1024) * 1024 * 1024
# What one DICOM import may unpack and read (cases/ingest.py, cases/dicom.py): a file, an archive in all, the files
# one import holds, how much better than DICOM_MAX_RATIO a large member may be compressed (a zip bomb), frames.
DICOM_MAX_FILE_BYTES = 512 * 1024 * 1024
DICOM_MAX_TOTAL_BYTES = 16 * 1024 * 1024 * 1024
DICOM_MAX_FILES = 20_000
DICOM_MAX_RATIO = 200
DICOM_MAX_FRAMES = 3000
# What a case archive imported from the admin may unpack to in all (cases/archive.py): the import runs inside the
# web request, so it must end well within gunicorn's timeout (60 s). The demo library's 72 MB import in about 5 s
# on a 2-core machine with local media, so 500 MB take about half a minute; `manage.py import_cases` on the server
# takes larger libraries. In binary megabytes, like the DICOM budget, so that a refusal names the same figure.
ARCHIVE_MAX_TOTAL_BYTES = envint("ARCHIVE_MAX_TOTAL_MB", 500) * 1024 * 1024
# A held, failed or interrupted DICOM import keeps its uploads (whole headers) this long, then is discarded.
DICOM_KEEP_DAYS = envint("DICOM_KEEP_DAYS", 7)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded images on S3-compatible storage when a bucket is named (local files in MEDIA_ROOT otherwise).
# Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which boto3 reads itself.
MEDIA_ORIGINS: list[str] = []
if AWS_STORAGE_BUCKET_NAME := os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    region = os.environ.get("AWS_S3_REGION_NAME") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": endpoint,
            "region_name": region,
            "location": os.environ.get("AWS_LOCATION", "media"),
            "signature_version": "s3v4",
            "addressing_style": "path" if endpoint else "auto",
            "file_overwrite": False,
            # Private objects, served through short-lived signed URLs: the images are for logged-in users.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": envint("AWS_QUERYSTRING_EXPIRE", 3600),
        },
    }
    if endpoint:
        MEDIA_ORIGINS = [f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}"]
    else:
        MEDIA_ORIGINS = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
        if region:
            MEDIA_ORIGINS.append(f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{region}.amazonaws.com")
MEDIA_ORIGINS += envlist("MEDIA_ORIGINS")

# Content-Security-Policy (django-csp): only the app's own scripts, styles and images, nothing inline, no
# plugins, no framing, no foreign <base>. htmx's inline indicator styles are switched off in base.html.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if DEBUG:
    # Django's own error pages style themselves inline; the tests run with the strict policy above.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] = [SELF, "'unsafe-inline'"]
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] = [SELF, "'unsafe-inline'"]

SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # HTTPS only. Behind a proxy that terminates TLS, set BEHIND_HTTPS_PROXY=1 so Django trusts its
    # X-Forwarded-Proto header (and only then).
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if envbool("BEHIND_HTTPS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A login lasts a working day (drafts are saved as they are written, so an expired session loses nothing).
SESSION_COOKIE_AGE = envint("SESSION_HOURS", 12) * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes reports every successful login at INFO; lock-outs are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
