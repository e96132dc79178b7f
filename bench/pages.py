"""How fast the pages that matter are, against the framework's own floor, and how cost grows with data.

Run: `make bench` (SQLite in a throw-away folder) or `DATABASE_URL=postgres://…/EMPTY_DB make bench`.
`--smoke` runs a small, short version without goals (CI keeps it working). See bench/README.md.

Every figure is a ratio measured in the same run: the baseline is a bare, login-required view that goes
through the whole middleware stack and does nothing (/_bench/bare/). Each page is loaded by a few
concurrent clients for a few seconds against gunicorn on 127.0.0.1, interleaved with the baseline.
"""

import argparse
import gzip
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="sinsquiz-bench-"))
ENV = {
    "DJANGO_SETTINGS_MODULE": "sinsquiz.settings",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1",
    "BEHIND_HTTPS_PROXY": "1",
    "SECURE_SSL_REDIRECT": "0",
    "BENCHMARK_VIEW": "1",
    "REDIS_URL": "",  # the benchmark empties its cache: never someone's Redis
    "MEDIA_ROOT": str(WORK / "media"),
    "STATIC_ROOT": str(WORK / "static"),
    "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{WORK / 'bench.sqlite3'}",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from PIL import Image  # noqa: E402

from bench.seeding import REFERENCE, bulk_attempts, make_cases, make_cohorts, make_trainees, make_user  # noqa: E402
from cases import images, phantoms  # noqa: E402
from sinsquiz.models import Attempt  # noqa: E402

GOALS = {"get": 0.5, "post": 0.3, "p95": 3.0, "queries": 8, "dashboard": 1.5, "weight_kb": 80, "side": 1024}
CSRF = secrets.token_hex(16)  # a 32-character secret: cookie and header carry the same one


class Site:
    """The objects the pages are requested for, and a logged-in session for each user."""

    def __init__(self, trainee, educator, case, attempt, cohort):
        self.trainee, self.educator, self.case, self.attempt, self.cohort = trainee, educator, case, attempt, cohort
        self.sessions = {}
        for user in (trainee, educator):
            client = Client()
            client.force_login(user)
            self.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def pages(self):
        """(name, method, path, user, form body) for every page measured; a path may be an iterator of paths."""
        drafts = Attempt.objects.filter(trainee=self.trainee, state="draft").order_by("pk")
        # Autosave writes to the draft the case page shows; the commits take the others.
        autosaved = drafts.get(case=self.case).pk
        others = list(drafts.exclude(case=self.case).values_list("pk", flat=True))
        answer = "&".join(f"{k}={v}" for k, v in REFERENCE.items())

        def commits():
            """Every commit needs a draft of its own: they take them in turn, put back in draft before each run."""
            Attempt.objects.filter(pk__in=others).update(state="draft", submitted=None)
            return iter(f"/attempts/{pk}/commit/" for pk in others)

        return [
            ("baseline", "GET", "/_bench/bare/", self.trainee, None),
            ("case list", "GET", "/cases/", self.trainee, None),
            ("case page", "GET", f"/cases/{self.case.slug}/", self.trainee, None),
            ("autosave", "POST", f"/attempts/{autosaved}/save/", self.trainee, "pain=mechanical&collapse=lt50"),
            ("commit", "POST", commits, self.trainee, answer),
            ("feedback", "GET", f"/attempts/{self.attempt.pk}/", self.trainee, None),
            ("dashboard", "GET", "/progress/", self.trainee, None),
            ("cohort page", "GET", f"/cohorts/{self.cohort.pk}/", self.educator, None),
        ]


def seed(cases: int, series: int, slices: int, trainees: int, cohorts: int, attempts: int) -> Site:
    rng = random.Random(2026)
    library = make_cases(cases, series=series, slices=slices, prefix=f"scale{cases}")
    people = make_trainees(trainees, prefix=f"t{cases}")
    educator = make_user(f"educator-{cases}", group="Educators", is_staff=True)
    groups = make_cohorts(people, educator, cohorts, prefix=f"Cohort at scale {cases}")
    per_trainee = max(1, attempts // trainees)
    for trainee in people:
        bulk_attempts(trainee, rng.sample(library, min(len(library), per_trainee)), per_trainee, rng)
    trainee = people[0]
    # Drafts for autosave (the first) and for the commits (one each), as opening a case would make them.
    Attempt.objects.bulk_create([Attempt(trainee=trainee, case=case) for case in library])
    attempt = Attempt.objects.filter(trainee=trainee, state="submitted").first()
    return Site(trainee, educator, library[0], attempt, groups[0])


def settle() -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk load: statistics for the planner, and the
    visibility map that lets counts be read from an index alone. (SQLite needs nothing.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def queries(site: Site) -> dict[str, int]:
    """SQL queries per request of each page, counted in-process, with every cached fragment drawn anew."""
    counts = {}
    for name, method, path, user, body in site.pages():
        client = Client(HTTP_HOST="127.0.0.1", **({"HTTP_HX_REQUEST": "true"} if method == "POST" else {}))
        client.force_login(user)
        if method == "GET":
            client.get(path, secure=True)
        cache.clear()  # the worst case: nothing cached
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path, secure=True)
            else:
                path = next(path()) if callable(path) else path
                body = dict(pair.split("=") for pair in body.split("&"))
                response = client.post(path, body, secure=True)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(captured)
    return counts


def start_gunicorn(workers: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [Path(sys.executable).parent / "gunicorn", "-c", "python:sinsquiz.gunicorn", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", "/dev/null", "--no-control-socket", "sinsquiz.wsgi"],
        cwd=ROOT, env={**os.environ}, stdout=(WORK / "gunicorn.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(200):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/login/")
            return server, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("gunicorn did not start")


def load(port: int, method: str, path: str, session: str, body: str | None, clients: int, seconds: float):
    """Closed-loop load: `clients` keep-alive connections for `seconds`; returns (requests/s, p95 s, errors)."""
    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF}",
        "X-Forwarded-Proto": "https",
        "X-CSRFToken": CSRF,
        "Referer": f"https://127.0.0.1:{port}/",
        "Accept-Encoding": "gzip",
    }
    if body:
        # The pages' forms post with htmx; a GET is a whole page, as a browser first loads it.
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["HX-Request"] = "true"
    if callable(path):
        path = path()
    began = time.perf_counter()
    latencies, errors, stop = [], [], began + seconds
    lock = threading.Lock()
    paths = (lambda: path) if isinstance(path, str) else (lambda: next(path, None))

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < stop:
            with lock:
                target = paths()
            if target is None:
                break  # out of drafts to commit
            start = time.perf_counter()
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            bad += response.status >= 400
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began  # less than `seconds` if the commits ran out of drafts
    if len(latencies) < 20:
        raise RuntimeError(f"{method} {path}: only {len(latencies)} requests in {elapsed:.1f} s, too few to measure")
    return len(latencies) / elapsed, statistics.quantiles(latencies, n=20)[18], sum(errors)


def page_weight(port: int, site: Site) -> int:
    """Bytes of the case page without images, gzip-compressed: the HTML and every stylesheet and script."""
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={site.sessions[site.trainee.pk]}",
               "X-Forwarded-Proto": "https"}  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/cases/{site.case.slug}/", headers=headers)
    html = conn.getresponse().read()
    total = len(gzip.compress(html))
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        conn.request("GET", asset.decode(), headers={**headers, "Accept-Encoding": "gzip"})
        total += len(conn.getresponse().read())
    conn.close()
    return total


def derivative_sizes() -> tuple[float, int]:
    """Mean bytes and largest side of the web derivatives of one demo case's images."""
    findings = phantoms.Findings(level="T7", bone_lesion="lytic", collapse="lt50", alignment="normal",
                                 posterolateral="unilateral", absent_pedicle="present", tomita=2)  # fmt: skip
    sizes, side = [], 0
    for kind in phantoms.SERIES_KINDS:
        for picture in phantoms.render_series(findings, kind):
            web = images.process(SimpleUploadedFile("x.png", _png(picture))).web
            sizes.append(web.size)
            side = max(side, max(Image.open(web).size))
    return statistics.mean(sizes), side


def _png(picture) -> bytes:
    import io

    buffer = io.BytesIO()
    picture.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def dashboard_ratio(rounds: int) -> float:
    small, large = make_user("dash-10"), make_user("dash-10000")
    library = make_cases(50, prefix="dashboard")
    rng = random.Random(7)
    bulk_attempts(small, library, 10, rng)
    bulk_attempts(large, library, 10_000, rng)
    settle()
    times = {}
    for user in (small, large):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        client.get("/progress/", secure=True)
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            client.get("/progress/", secure=True)
            samples.append(time.perf_counter() - start)
        times[user.username] = statistics.median(samples)
    return times["dash-10000"] / times["dash-10"], times["dash-10"], times["dash-10000"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small data, short runs, no goals (for CI)")
    args = parser.parse_args()
    smoke = args.smoke
    seconds, clients, rounds = (1.0, 2, 1) if smoke else (4.0, 8, 3)
    print(f"database: {connection.vendor}; work folder {WORK}")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    small = seed(cases=5, series=2, slices=3, trainees=3, cohorts=1, attempts=9)
    small_queries = queries(small)
    scale = {"cases": 50, "series": 2, "slices": 5, "trainees": 20, "cohorts": 2, "attempts": 500}
    if not smoke:
        scale = {"cases": 1000, "series": 5, "slices": 20, "trainees": 200, "cohorts": 10, "attempts": 20_000}
    full = seed(**scale)
    settle()
    print(f"seeded {scale} in {time.perf_counter() - started:.1f} s")
    full_queries = queries(full)

    server, port = start_gunicorn(workers=2)
    results = {}
    try:
        pages = full.pages()
        for _ in range(rounds):
            for name, method, path, user, body in pages:
                # Each page right after a baseline run, so both meet the same machine.
                base = load(port, "GET", "/_bench/bare/", full.sessions[user.pk], None, clients, seconds)
                result = load(port, method, path, full.sessions[user.pk], body, clients, seconds)
                results.setdefault(name, []).append((result, base))
        weight = page_weight(port, full)
    finally:
        server.terminate()
        server.wait(timeout=10)
    mean_size, side = derivative_sizes()
    ratio, small_time, large_time = dashboard_ratio(rounds=5 if smoke else 30)

    failures = 0
    print(f"\n{'page':<12} {'throughput':>10} {'p95':>8} {'queries small/full':>19}  verdict")
    for name, method, *_ in pages:
        if name == "baseline":
            continue
        runs = results[name]
        throughput = statistics.median(r[0] / b[0] for r, b in runs)
        p95 = statistics.median(r[1] / b[1] for r, b in runs)
        errors = sum(r[2] for r, _ in runs)
        q_small, q_full = small_queries.get(name), full_queries.get(name)
        goal = GOALS["post"] if method == "POST" else GOALS["get"]
        ok = throughput >= goal and p95 <= GOALS["p95"] and errors == 0
        ok = ok and q_small == q_full <= GOALS["queries"]
        failures += not ok
        queries_text = f"{q_small}/{q_full}"
        print(f"{name:<12} {throughput:>9.2f}x {p95:>7.2f}x {queries_text:>19}  {'PASS' if ok else 'FAIL'}"
              + (f" ({errors} errors)" if errors else ""))  # fmt: skip
    checks = [
        (f"dashboard 10,000 vs 10 attempts: {large_time * 1000:.1f} / {small_time * 1000:.1f} ms = {ratio:.2f}x",
         ratio <= GOALS["dashboard"]),
        (f"case page without images, compressed: {weight / 1000:.1f} KB", weight <= GOALS["weight_kb"] * 1000),
        (f"slice derivatives: mean {mean_size / 1000:.1f} KB, largest side {side} px", side <= GOALS["side"]),
    ]  # fmt: skip
    for text, ok in checks:
        failures += not ok
        print(f"{text}  {'PASS' if ok else 'FAIL'}")
    print(f"goals: GET >= {GOALS['get']}x and POST >= {GOALS['post']}x baseline throughput, p95 <= {GOALS['p95']}x "
          f"baseline p95, <= {GOALS['queries']} queries identical at both scales")  # fmt: skip
    shutil.rmtree(WORK, ignore_errors=True)
    if smoke:
        print("smoke run: goals not enforced")
        return 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
