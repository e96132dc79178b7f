"""Browser tests: pytest-playwright driving the system's Chromium (never `playwright install`).

Without Chromium these tests skip, so `make test` stays green on a laptop; CI installs it.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

# CI runs the SQLite and PostgreSQL suites side by side on two cores, where a page may take some seconds to come:
# actions and assertions wait up to 15 s (Playwright's default is 5 s); a passing test never waits that long.
expect.set_options(timeout=15_000)

# Playwright's sync API runs an event loop in the test thread; Django's ORM must be allowed there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def system_chromium() -> str | None:
    if path := os.environ.get("CHROMIUM_PATH"):
        return path if Path(path).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = system_chromium()
    if executable is None:
        pytest.skip("no Chromium found: apt-get install chromium, or set CHROMIUM_PATH")
    return {**browser_type_launch_args, "executable_path": executable, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture
def problems():
    """Console errors, page errors and requests that leave 127.0.0.1, collected during a test."""
    return []


@pytest.fixture
def page(page, live_server, problems, migration_data):
    def on_request(route):
        host = urlparse(route.request.url).hostname
        if host not in {"127.0.0.1", "localhost"} and not route.request.url.startswith("data:"):
            problems.append(f"outside request: {route.request.url}")
            return route.abort()
        return route.continue_()

    page.route("**/*", on_request)
    # A Content-Security-Policy violation becomes a console error, which fails the test.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"
    )
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.set_default_timeout(15_000)
    yield page
    assert problems == []


@pytest.fixture
def login(page, live_server):
    """Log the browser in as a user without going through the form (the form has its own test)."""

    def log_in(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return log_in


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot under bench/out/screenshots (ignored by git) for a person to look at."""
    folder = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str, **options):
        page.screenshot(path=folder / f"{request.node.name}-{name}.png", **options)

    return take
