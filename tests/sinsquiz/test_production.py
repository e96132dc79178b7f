"""The production path, run for real: collectstatic, migrate, gunicorn, and Django's deployment checks."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def production_env(tmp_path, **extra) -> dict:
    # A clean production environment: nothing the test run itself set (such as DJANGO_ALLOW_ASYNC_UNSAFE).
    drop = {"DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return env | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BEHIND_HTTPS_PROXY": "1",
        **extra,
    }


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_the_deployment_checks_pass_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: object
    body: str


def fetch(url, headers=None) -> Response:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return Response(response.status, response.headers, response.read().decode(errors="replace"))


@pytest.fixture(scope="module")
def redis_url():
    """Production keeps its sessions and cache in Redis: these tests use the machine's, and skip without one
    (CI starts it)."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379: start redis-server to run the production tests")
    return "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory, redis_url):
    tmp_path = tmp_path_factory.mktemp("prod")
    env = production_env(tmp_path, REDIS_URL=redis_url, WEB_CONCURRENCY="2")
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = manage(env, *command)
        assert result.returncode == 0, result.stderr
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", "python:sinsquiz.gunicorn", "--bind", f"127.0.0.1:{port}", "sinsquiz.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/calculator/", timeout=1).close()
        except urllib.error.HTTPError as error:
            error.close()
            break  # it answers (with a redirect to HTTPS, as it should)
        except OSError:
            time.sleep(0.1)
    yield base, tmp_path
    server.terminate()
    output = server.communicate(timeout=10)[0].decode()
    assert "Traceback" not in output, output


HTTPS = {"X-Forwarded-Proto": "https"}


def test_gunicorn_serves_pages_over_https_only(gunicorn):
    base, _ = gunicorn

    plain = fetch(f"{base}/login/")
    secure = fetch(f"{base}/login/", HTTPS)

    assert (
        plain.status == 301
        and plain.headers["Location"] == "https://127.0.0.1" + base.split("127.0.0.1")[1] + "/login/"
    )
    assert secure.status == 200
    assert "Log in" in secure.body


def test_the_security_headers_are_sent(gunicorn):
    headers = fetch(f"{gunicorn[0]}/login/", HTTPS).headers

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]


def test_static_files_are_compressed_hashed_and_cached_for_good(gunicorn):
    base, _ = gunicorn
    html = fetch(f"{base}/login/", HTTPS).body
    script = re.search(r'src="(/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js)"', html).group(1)

    response = fetch(f"{base}{script}", {**HTTPS, "Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]


def test_a_session_cookie_is_secure_http_only_and_lax(gunicorn):
    base, _ = gunicorn
    cookies = fetch(f"{base}/login/", HTTPS).headers.get_all("Set-Cookie")

    csrf = next(c for c in cookies if c.startswith("csrftoken="))
    assert "Secure" in csrf and "SameSite=Lax" in csrf


def test_a_trainee_logs_in_with_sessions_in_redis_and_the_database(gunicorn, redis_url):
    base, tmp_path = gunicorn
    env = production_env(tmp_path, REDIS_URL=redis_url)
    create = (
        "from django.contrib.auth.models import User; User.objects.create_user('prod-user', password='a-long-pw-1')"
    )
    assert manage(env, "shell", "-c", create).returncode == 0

    page = fetch(f"{base}/login/", HTTPS)
    cookies = {c.split("=", 1)[0]: c.split(";", 1)[0].split("=", 1)[1] for c in page.headers.get_all("Set-Cookie")}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    form = urllib.parse.urlencode({"username": "prod-user", "password": "a-long-pw-1",
                                   "csrfmiddlewaretoken": token}).encode()  # fmt: skip
    request = urllib.request.Request(f"{base}/login/", data=form, headers={
        **HTTPS, "Cookie": f"csrftoken={cookies['csrftoken']}", "Referer": base.replace("http:", "https:") + "/login/",
        "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        assert response.status == 302, response.read()
        session = next(c for c in response.headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session

    home = fetch(f"{base}/", {**HTTPS, "Cookie": session.split(";", 1)[0]})
    assert home.status == 200 and "Welcome" in home.body
