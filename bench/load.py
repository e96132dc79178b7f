"""Load test on loopback: N trainees practise at once against gunicorn, then the database is checked.

Run (from the checkout):

    .venv/bin/python bench/load.py                            # 50 trainees for 60 s, throw-away SQLite
    .venv/bin/python bench/load.py --seconds 15 --users 20    # the short form for CI (about 25 s in all)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sinsquiz_load .venv/bin/python bench/load.py  # an EMPTY database

What it does: a temp dir holds the SQLite file (unless DATABASE_URL is set), the media and the server log.
Migrations run; --users trainees (bench.seeding's password, group Trainees) and --cases published cases with
an image are created. gunicorn serves sinsquiz.wsgi on a free port of 127.0.0.1 (gthread workers) with
DEBUG=1, so that plain HTTP works: with DEBUG=0 the settings redirect to HTTPS and mark cookies Secure.
Each trainee is a thread with its own cookie jar. They arrive over the first quarter of the run (--ramp)
and log in once; then each loops: open a random case (which opens its draft) and its image, autosave 2-4
partial readings as htmx does, commit a complete reading (some answers varied), read the feedback, with
0.05-0.3 s of thinking between requests. After --seconds no request starts; those in flight finish.
Then gunicorn is stopped and the temp dir removed (--keep keeps it).

Reading the output: requests and req/s cover the whole run, logins included. Errors are exceptions
(timeouts included), 5xx and anything unexpected (a 4xx, a login that does not redirect, a commit without
an HX-Redirect to its attempt), counted by "route: reason". Latencies are in ms, overall and per route.
A login is slow by design: about a second of password hashing (PBKDF2) on one core of a small machine.
Then the checks: the submitted attempts in the database are exactly the commits the server acknowledged
("attempts lost" counts acknowledged commits that are not stored), each is graded, no trainee has two
drafts of one case, and the server log has no "database is locked", traceback or worker timeout.
The exit status is 0 only when there were no errors and every check passed.
"""

import argparse
import contextlib
import html
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# A browser waits longer; a request slower than this counts as an error. Above SQLite's 20 s busy timeout, so
# a commit that waited for the write lock and still succeeded is not counted as lost by the client.
CLIENT_TIMEOUT = 60
PASSWORD = "bench-password-123"  # the one bench.seeding.make_user gives
ROUTES = ("login-page", "login", "case", "image", "save", "commit", "feedback")
VARIED = ("pain", "bone_lesion", "collapse", "posterolateral")  # answers a trainee sometimes gets wrong
LOG_ALARMS = ("database is locked", "Traceback", "WORKER TIMEOUT")
LOGIN_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE_TOKEN = re.compile(r'"x-csrftoken":\s*"([^"]+)"')
SAVE_URL = re.compile(r'action="/attempts/(\d+)/save/"')
IMAGE = re.compile(r'class="stack-image"[^>]*? src="([^"]+)"')


class Failed(Exception):
    """A request went wrong (already recorded): the trainee moves on to another case."""


class Stop(Exception):
    """Time is up."""


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # route -> seconds
        self.errors = Counter()  # "route: reason" -> count
        self.commits = []  # ids of attempts whose commit the server acknowledged

    def add(self, route: str, seconds: float) -> None:
        with self.lock:
            self.latencies[route].append(seconds)

    def error(self, route: str, problem: str) -> None:
        with self.lock:
            self.errors[f"{route}: {problem}"] += 1


class Trainee:
    def __init__(self, username, base_url, slugs, arrive, deadline, recorder, answer, options, rng):
        self.username, self.slugs, self.answer, self.options, self.rng = username, slugs, answer, options, rng
        self.arrive, self.deadline, self.recorder = arrive, deadline, recorder
        self.http = httpx.Client(base_url=base_url, timeout=CLIENT_TIMEOUT)  # and its own cookie jar

    def run(self) -> None:
        try:
            time.sleep(max(0.0, self.arrive - time.monotonic()))
            self.log_in()  # once: a trainee who cannot log in stops (retrying would trip django-axes)
            while True:
                with contextlib.suppress(Failed):  # recorded: on to another case
                    self.practise()
                self.think()
        except (Failed, Stop):
            pass
        except Exception as error:  # a bug in this script: counted, so the run cannot pass without this trainee
            self.recorder.error("trainee", f"crashed: {error!r}")
        finally:
            self.http.close()

    def think(self) -> None:
        time.sleep(self.rng.uniform(0.05, 0.3))
        if time.monotonic() >= self.deadline:
            raise Stop

    def request(self, route: str, method: str, url: str, status: int = 200, **kwargs) -> httpx.Response:
        start = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            self.recorder.add(route, time.perf_counter() - start)
            self.expect(False, route, type(error).__name__)
        self.recorder.add(route, time.perf_counter() - start)
        self.expect(response.status_code == status, route, f"HTTP {response.status_code}")
        return response

    def expect(self, condition, route: str, problem: str) -> None:
        if not condition:
            self.recorder.error(route, problem)
            raise Failed

    def log_in(self) -> None:
        token = LOGIN_TOKEN.search(self.request("login-page", "GET", "/login/").text)
        self.expect(token, "login-page", "no CSRF token")
        form = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
        response = self.request("login", "POST", "/login/", status=302, data=form)
        self.expect("/login/" not in response.headers.get("location", "/login/"), "login", "not logged in")

    def practise(self) -> None:
        page = self.request("case", "GET", f"/cases/{self.rng.choice(self.slugs)}/").text
        attempt, token = SAVE_URL.search(page), PAGE_TOKEN.search(page)
        self.expect(attempt and token, "case", "no reading form or CSRF token")
        save, commit, feedback = (f"/attempts/{attempt[1]}/{action}" for action in ("save/", "commit/", ""))
        headers = {"X-CSRFToken": token[1], "HX-Request": "true"}
        if image := IMAGE.search(page):  # as the browser would
            self.request("image", "GET", html.unescape(image[1]))
        answer = {**self.answer}
        for item in VARIED:
            if self.rng.random() < 0.3:
                answer[item] = self.rng.choice(self.options[item])
        order = self.rng.sample(list(answer), len(answer))
        saves = self.rng.randint(2, 4)
        for n in range(1, saves + 1):  # htmx posts the items chosen so far
            self.think()
            part = {item: answer[item] for item in order[: len(order) * n // (saves + 1)]}
            response = self.request("save", "POST", save, data=part, headers=headers)
            self.expect("HX-Redirect" not in response.headers, "save", "redirected (already committed?)")
        self.think()
        response = self.request("commit", "POST", commit, data=answer, headers=headers)
        self.expect(response.headers.get("HX-Redirect") == feedback, "commit", "no HX-Redirect to the attempt")
        with self.recorder.lock:
            self.recorder.commits.append(int(attempt[1]))
        self.think()
        self.request("feedback", "GET", feedback)


def seed(users: int, cases: int) -> tuple[list[str], list[str]]:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from bench.seeding import make_cases, make_user

    call_command("migrate", verbosity=0)
    if User.objects.exists():
        raise SystemExit("The database is not empty: give an empty one (the checks count every attempt in it).")
    slugs = [case.slug for case in make_cases(cases)]  # not the template case make_cases adds: it has no reference
    first = make_user("trainee-0")
    # The others share its password hash: hashing costs about a second each.
    others = User.objects.bulk_create([User(username=f"trainee-{n}", password=first.password) for n in range(1, users)])
    Group.objects.get(name="Trainees").user_set.add(*others)
    return [first.username, *(user.username for user in others)], slugs


def start_server(log_path: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "sinsquiz.wsgi", f"--bind=127.0.0.1:{port}", "--no-control-socket"]
    command += ["--worker-class=gthread", f"--workers={workers}", f"--threads={threads}", "--graceful-timeout=20"]
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up and server.poll() is None:
        try:
            if httpx.get(f"{base_url}/login/", timeout=2).status_code == 200:
                return server, base_url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not answer:\n{log_path.read_text()[-3000:]}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()  # SIGTERM: gunicorn lets the workers finish their requests
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def drive(base_url, usernames, slugs, seconds, ramp, answer, options, seed_value) -> tuple[Recorder, float]:
    recorder, rng = Recorder(), random.Random(seed_value)
    start = time.monotonic()
    trainees = [
        Trainee(name, base_url, slugs, start + rng.uniform(0, ramp), start + seconds, recorder, answer, options,
                random.Random(rng.random()))
        for name in usernames
    ]  # fmt: skip
    threads = [threading.Thread(target=trainee.run, daemon=True) for trainee in trainees]  # daemon: Ctrl-C ends all
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, time.monotonic() - start


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def report(recorder: Recorder, elapsed: float) -> int:
    everything = [s for route in ROUTES for s in recorder.latencies[route]]
    errors = sum(recorder.errors.values())
    print(f"requests: {len(everything)} in {elapsed:.1f} s = {len(everything) / elapsed:.1f} req/s")
    print(f"errors: {errors}")
    for reason, count in recorder.errors.most_common():
        print(f"  {reason}: {count}")
    print(f"{'latency (ms)':<12}{'count':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}")
    for route, values in [("all", everything), *((r, recorder.latencies[r]) for r in ROUTES)]:
        if values:
            ordered = sorted(values)
            cells = "".join(f"{percentile(ordered, p) * 1000:8.0f}" for p in (50, 95, 99, 100))
            print(f"{route:<12}{len(values):>7}{cells}")
    print(f"successful commits: {len(recorder.commits)}")
    return errors


def check(commits: list[int], log_text: str) -> list[str]:
    from django.db.models import Count, Q

    from sinsquiz.models import Attempt

    submitted = set(Attempt.objects.submitted().values_list("pk", flat=True))
    acknowledged = set(commits)
    ungraded = Attempt.objects.submitted().filter(Q(total=None) | Q(submitted=None) | Q(reference__isnull=True))
    doubles = Attempt.objects.drafts().values("trainee", "case").annotate(n=Count("pk")).filter(n__gt=1)
    print(f"submitted attempts in the database: {len(submitted)}")
    print(f"attempts lost: {len(acknowledged - submitted)}")
    failures = []
    if len(submitted) != len(commits) or submitted != acknowledged:
        failures.append(f"{len(submitted)} submitted attempts for {len(commits)} acknowledged commits")
    if n := ungraded.count():
        failures.append(f"{n} submitted attempts without a grade")
    if n := doubles.count():
        failures.append(f"{n} trainee/case pairs with two drafts")
    failures += [f'server log: {n} x "{alarm}"' for alarm in LOG_ALARMS if (n := log_text.count(alarm))]
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="simulated trainees (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="duration of the load (default 60)")
    parser.add_argument("--ramp", type=float, help="trainees arrive over this many seconds (default: a quarter)")
    parser.add_argument("--cases", type=int, default=30, help="published cases (default 30)")
    parser.add_argument("--workers", type=int, default=max(2, min(4, 2 * (os.cpu_count() or 1))))
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the trainees' choices")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sinsquiz-load-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/load.sqlite3")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # 4xx warnings and errors, without a line per login
    os.environ.update(DJANGO_SETTINGS_MODULE="sinsquiz.settings", MEDIA_ROOT=str(workdir / "media"), DEBUG="1")
    log_path = workdir / "gunicorn.log"
    try:
        import django

        django.setup()
        from django.db import connection, connections

        from bench.seeding import REFERENCE
        from sinsquiz import sins

        usernames, slugs = seed(args.users, args.cases)
        connections.close_all()  # the server has the database to itself until the checks
        server, base_url = start_server(log_path, args.workers, args.threads)
        ramp = args.seconds / 4 if args.ramp is None else args.ramp
        print(f"{args.users} trainees arriving over {ramp:g} s, {len(slugs)} cases, {args.seconds:g} s on "
              f"{connection.vendor}; gunicorn {args.workers} workers x {args.threads} threads at {base_url}; "
              f"machine load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        try:
            options = {item: sins.COMPONENTS_BY_NAME[item].codes for item in VARIED}
            recorder, elapsed = drive(base_url, usernames, slugs, args.seconds, ramp, REFERENCE, options, args.seed)
        finally:
            stop_server(server)
        errors = report(recorder, elapsed)
        log_text = log_path.read_text(errors="replace")
        failures = check(recorder.commits, log_text)
        for failure in failures:
            print(f"CHECK FAILED: {failure}")
        if errors or failures:  # what Django and gunicorn said beyond their routine INFO lines
            notes = [line for line in log_text.splitlines() if "[INFO]" not in line][-20:]
            print("server log, last lines other than INFO:", *notes, sep="\n  ")
        print("RESULT:", "FAIL" if errors or failures else "PASS")
        return 1 if errors or failures else 0
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
