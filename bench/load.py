"""Capacity and scale-out: how many trainees practising at once the app serves, on one node and on two.

Run (from the checkout; a step takes about 4.5 minutes, the seeding half a minute):

    .venv/bin/python bench/load.py capacity                    # SQLite in a throw-away folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sinsquiz_load .venv/bin/python bench/load.py capacity
    .venv/bin/python bench/load.py two-node                    # PostgreSQL (DATABASE_URL or sinsquiz_load),
                                                               # Redis db 7, S3 media on a moto server
    .venv/bin/python bench/load.py capacity --smoke            # CI: 40 trainees thinking 0.05-0.3 s for 15 s;
                                                               # checked, but p95 not gated

Options: --steps 250,500,1000,1500 (concurrent trainees per step), --step-seconds (measured time per step,
after the ramp; default 120), --ramp (the trainees arrive over this many seconds; default 120, about one
trainee's round from case list to feedback, so that they arrive no faster than they start cases later: a
shorter ramp with cold caches is a storm of case lists and case pages that the steady state never sees, and
a shorter measured time holds too few commits and dashboards), --seed, --keep (keep the work folder),
--redis (single node with the production cache and sessions in Redis db 7), and to try other gunicorn
settings than sinsquiz/gunicorn.py's: --workers, --threads. A PostgreSQL database named by DATABASE_URL must
be called sinsquiz_load…: the script drops and creates it.

What it does. One seeding for the whole run (the database is reused by every step): 200 published cases of
5 series x 20 images (the rows share one stored image), as many trainees as the largest step plus 20 for the
login measurement (one password hash shared), 10 cohorts, 0-20 past attempts per trainee, and a signed-in
session for every trainee written in bulk, as weeks-long sessions are there already. Each step starts
gunicorn with `-c python:sinsquiz.gunicorn` (two instances for two-node) as production runs it: DEBUG=0,
HTTPS behind a proxy (the client sends X-Forwarded-Proto: https, a Referer for CSRF, and its cookies by hand
since they are Secure). One asyncio process drives every trainee through one httpx client. A trainee opens
the case list (a random page), thinks, opens a case (and its first image, as a browser does), answers the
nine items one at a time with an autosave after each, as htmx posts the whole form, commits, reads the
feedback and one time in three the dashboard; a thinking pause of 3-15 s (seeded) comes before every action
but the image. One time in four the next case is the same one again ("Try this case again"). In two-node
mode every request goes to the next node in turn, whatever the trainee did before.

Reading the output: one line per step. users, req/s and the p95 of each route in ms are over the measured time
(requests started after the ramp); errors (exceptions, timeouts of 30 s, 5xx, an unexpected status or a
missing redirect), lost commits (acknowledged but not stored, or acknowledged twice) and stale pages are over
the whole step. A stale page is a dashboard whose attempt count is not the trainee's history plus its own
commits, or a case page offering as the draft an attempt the trainee has already committed. The line under
each step gives each route's p95 inside the workers (gunicorn's access log, with %(M)s added to the
recommended settings' log format: the difference from the client's is time queueing for a worker), and
gunicorn's and this process's CPU per request. The CPU columns are the cores used during the measured time:
the load generator (this process), gunicorn (all workers) and the machine as a whole (the rest is the
database, moto, and whatever else runs); "wait" is how many gunicorn processes were, on average, ready to run
but waiting for a CPU (/proc/PID/schedstat): well above zero, the workers are short of CPU, from each other or
from other work on the machine. "lag" is the p95 lateness of this process's event loop: above a few ms, the
load generator itself is the limit. A step PASSES when every route's p95 < 300 ms, with no error, no lost
commit, no stale page, no failed check (every acknowledged commit stored once and graded, no trainee with two
drafts of one case, no "database is locked", traceback or worker timeout in the server logs). Stepping stops
at the first failing step; the last line gives the largest passing N against the goal of 1,000. The exit
status is 0 when that goal is met (for --smoke: when its one step passes).
"""

import argparse
import asyncio
import html
import http.cookiejar
import itertools
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_USERS, P95_LIMIT, TIMEOUT = 1000, 0.300, 30.0
ROUTES = ("list", "case", "image", "save", "commit", "feedback", "progress")
VARIED = ("pain", "bone_lesion", "collapse", "posterolateral")  # answers a trainee sometimes gets wrong
LOG_ALARMS = ("database is locked", "Traceback", "WORKER TIMEOUT")
REDIS_URL = "redis://127.0.0.1:6379/7"  # flushed at each step: never another db
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/sinsquiz_load"
CASES, SERIES, SLICES, COHORTS, LOGINS = 200, 5, 20, 10, 20
PAGE_TOKEN = re.compile(r'"x-csrftoken":\s*"([^"]+)"')
SAVE_URL = re.compile(r'action="/attempts/(\d+)/save/"')
IMAGE = re.compile(r'class="stack-image"[^>]*? src="([^"]+)"')
CASE_LINK = re.compile(r'class="case-link" href="/cases/([^/"]+)/"')
ATTEMPTS = re.compile(r"\((\d+) attempts?\)")
LOGIN_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCESS_FORMAT = '%(t)s "%(r)s" %(s)s %(M)s'
ACCESS_LINE = re.compile(r'^\[([^\]]+)\] "(\w+) (\S+) [^"]*" \d+ (\d+)$', re.M)


@dataclass
class Trainee:
    username: str
    session: str
    expected: int  # attempts the dashboard must count: the seeded history, then each acknowledged commit
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))  # the cookie's secret, set by hand
    committed: set = field(default_factory=set)  # ids of its acknowledged commits
    again: str | None = None  # the case to try again next


@dataclass
class Step:
    """What one step's trainees did, as the client saw it."""

    measure_from: float  # requests started before this (the ramp) are not in the percentiles
    deadline: float
    latencies: dict = field(default_factory=lambda: {route: [] for route in ROUTES})
    errors: Counter = field(default_factory=Counter)  # "route: problem" -> count
    stale: Counter = field(default_factory=Counter)
    commits: list = field(default_factory=list)  # attempt ids whose commit was acknowledged
    lag: list = field(default_factory=list)  # the event loop's lateness, s


class Failed(Exception):
    """A request went wrong (already counted): the trainee moves on to another case."""


class Stop(Exception):
    """The step is over."""


# --- The simulated trainee -------------------------------------------------------------------------------


class Driver:
    def __init__(self, nodes: list[str], client: httpx.AsyncClient, step: Step, think: tuple, cases: int):
        from sinsquiz import sins

        self.client, self.step, self.think_range = client, step, think
        self.turn = itertools.cycle(nodes)  # round-robin per request, no stickiness
        self.pages = -(-cases // 12)  # the case list shows 12 a page
        self.options = {item: sins.COMPONENTS_BY_NAME[item].codes for item in VARIED}

    async def request(self, trainee: Trainee, route: str, method: str, path: str, expect=200, **kwargs):
        node = next(self.turn)
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{urlsplit(node).netloc}/",
            "Cookie": f"sessionid={trainee.session}; csrftoken={trainee.csrf}",
            **kwargs.pop("headers", {}),
        }
        url = path if path.startswith("http") else node + path  # S3's signed URLs are absolute
        start = time.monotonic()
        try:
            response = await self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            self.fail(route, type(error).__name__)
        if start >= self.step.measure_from:
            self.step.latencies[route].append(time.monotonic() - start)
        if response.status_code != expect:
            self.fail(route, f"HTTP {response.status_code}")
        return response

    def fail(self, route: str, problem: str):
        self.step.errors[f"{route}: {problem}"] += 1
        raise Failed

    async def think(self, rng: random.Random) -> None:
        pause = rng.uniform(*self.think_range)
        await asyncio.sleep(max(0.0, min(pause, self.step.deadline - time.monotonic())))
        if time.monotonic() >= self.step.deadline:
            raise Stop

    async def run(self, trainee: Trainee, arrive: float, rng: random.Random) -> None:
        try:
            await asyncio.sleep(max(0.0, arrive - time.monotonic()))
            while True:
                try:
                    await self.practise(trainee, rng)
                except Failed:
                    trainee.again = None
        except Stop:
            pass
        except Exception as error:  # a bug here: counted, so that the step cannot pass without this trainee
            self.step.errors[f"trainee crashed: {error!r}"] += 1

    async def practise(self, trainee: Trainee, rng: random.Random) -> None:
        slug, trainee.again = trainee.again, None
        if slug is None:
            await self.think(rng)
            listing = await self.request(trainee, "list", "GET", f"/cases/?page={rng.randint(1, self.pages)}")
            slugs = CASE_LINK.findall(listing.text)
            if not slugs:
                self.fail("list", "no cases listed")
            slug = rng.choice(slugs)
        await self.think(rng)
        page = (await self.request(trainee, "case", "GET", f"/cases/{slug}/")).text
        attempt, token = SAVE_URL.search(page), PAGE_TOKEN.search(page)
        if not (attempt and token):
            self.fail("case", "no reading form or CSRF token")
        pk = int(attempt[1])
        if pk in trainee.committed:
            self.step.stale["case page offers a committed attempt"] += 1
            raise Failed
        if image := IMAGE.search(page):
            await self.request(trainee, "image", "GET", html.unescape(image[1]))
        post = {"X-CSRFToken": token[1], "HX-Request": "true"}
        answer = self.answer(rng)
        chosen = {}
        for item in rng.sample(list(answer), len(answer)):  # htmx posts the whole form at each change
            await self.think(rng)
            chosen[item] = answer[item]
            saved = await self.request(trainee, "save", "POST", f"/attempts/{pk}/save/", data=chosen, headers=post)
            if "HX-Redirect" in saved.headers:
                self.fail("save", "redirected (already committed?)")
        await self.think(rng)
        done = await self.request(trainee, "commit", "POST", f"/attempts/{pk}/commit/", data=answer, headers=post)
        if done.headers.get("HX-Redirect") != f"/attempts/{pk}/":
            self.fail("commit", "no HX-Redirect to the attempt")
        self.step.commits.append(pk)
        trainee.committed.add(pk)
        trainee.expected += 1
        await self.think(rng)
        await self.request(trainee, "feedback", "GET", f"/attempts/{pk}/")
        if rng.random() < 1 / 3:
            await self.think(rng)
            dashboard = (await self.request(trainee, "progress", "GET", "/progress/")).text
            count = ATTEMPTS.search(dashboard)
            if (int(count[1]) if count else 0) != trainee.expected:
                self.step.stale["dashboard count"] += 1
        if rng.random() < 1 / 4:
            trainee.again = slug

    def answer(self, rng: random.Random) -> dict:
        from bench.seeding import REFERENCE

        answer = {**REFERENCE}
        for item in VARIED:
            if rng.random() < 0.3:
                answer[item] = rng.choice(self.options[item])
        return answer


async def watch_loop(step: Step, groups: list[int], cpu: list) -> None:
    """The event loop's lateness (how long a 50 ms sleep overshoots), and CPU samples when the measured time
    starts and ends."""
    while time.monotonic() < step.deadline:
        start = time.monotonic()
        await asyncio.sleep(0.05)
        if start >= step.measure_from:
            step.lag.append(time.monotonic() - start - 0.05)
            if not cpu:
                cpu.append(cpu_sample(groups))
    cpu.append(cpu_sample(groups))


async def drive(nodes, trainees, ramp, seconds, think, cases, seed, groups) -> tuple[Step, list]:
    now = time.monotonic()
    step, cpu = Step(measure_from=now + ramp, deadline=now + ramp + seconds), []
    jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))  # cookies by hand
    # A kept-alive connection is dropped before gunicorn's keep-alive of 2 s would close it under a request.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=len(trainees), keepalive_expiry=1.0)
    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits, cookies=jar, follow_redirects=False) as client:
        driver = Driver(nodes, client, step, think, cases)
        rng = random.Random(seed)
        runs = [driver.run(t, now + rng.uniform(0, ramp), random.Random(rng.random())) for t in trainees]
        await asyncio.gather(watch_loop(step, groups, cpu), *runs)
    return step, cpu


def measure_logins(node: str, usernames: list[str], concurrent: int = 4) -> list[float]:
    """Full logins (login page, then the password POST), a few at a time: seconds each."""
    from bench.seeding import PASSWORD

    async def one(client, username, gate, times):
        csrf = secrets.token_hex(16)
        headers = {"X-Forwarded-Proto": "https", "Referer": f"https://{urlsplit(node).netloc}/",
                   "Cookie": f"csrftoken={csrf}"}  # fmt: skip
        async with gate:
            start = time.monotonic()
            token = LOGIN_TOKEN.search((await client.get(f"{node}/login/", headers=headers)).text)[1]
            form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
            response = await client.post(f"{node}/login/", data=form, headers=headers)
            times.append(time.monotonic() - start)
            if response.status_code != 302 or "/login/" in response.headers.get("location", "/login/"):
                raise RuntimeError(f"login of {username} failed: HTTP {response.status_code}")

    async def main():
        times, gate = [], asyncio.Semaphore(concurrent)
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            await asyncio.gather(*(one(client, name, gate, times) for name in usernames))
        return sorted(times)

    return asyncio.run(main())


# --- Processes, and the CPU they use ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list, log: Path, ready: str) -> subprocess.Popen:
    """Start a server in a process group of its own (so that it and its workers are stopped by its id) and
    wait until `ready` answers."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up and process.poll() is None:
        try:
            httpx.get(ready, headers={"X-Forwarded-Proto": "https"}, timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{command[0]} did not answer:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group started above (gunicorn lets its workers finish their requests)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def gunicorn(log: Path, args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # The recommended settings; the access log also gives each request's time in the worker, in ms.
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:sinsquiz.gunicorn",
               f"--bind=127.0.0.1:{port}", "--no-control-socket", f"--access-logformat={ACCESS_FORMAT}",
               "sinsquiz.wsgi"]  # fmt: skip
    command[4:4] = [f"--{name}={value}" for name in ("workers", "threads") if (value := getattr(args, name))]
    url = f"http://127.0.0.1:{port}"
    return start(command, log, f"{url}/login/"), url


def group_cpu(pgid: int) -> tuple[float, float]:
    """CPU seconds of every process in a process group (with the children it has reaped), and the seconds
    they spent runnable but waiting for a CPU (the machine's other work, or too many processes)."""
    ticks = waited = 0
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                ticks += sum(int(n) for n in fields[11:15])  # utime, stime, cutime, cstime
                waited += int((folder / "schedstat").read_text().split()[1])  # ns on a run queue
        except (OSError, IndexError):
            continue  # gone
    return ticks / os.sysconf("SC_CLK_TCK"), waited / 1e9


def cpu_sample(groups: list[int]) -> tuple[float, ...]:
    """(monotonic clock, this process's CPU, the servers' CPU, the machine's busy CPU, time of day, the
    servers' wait for a CPU), in seconds."""
    with open("/proc/stat") as stat:
        jiffies = [int(n) for n in stat.readline().split()[1:9]]
    busy = (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait
    servers = [group_cpu(g) for g in groups]
    used, waited = sum(s[0] for s in servers), sum(s[1] for s in servers)
    return time.monotonic(), time.process_time(), used, busy, time.time(), waited


# --- The database: created, seeded once, checked after each step ---------------------------------------


def prepare_database(url: str, drop: bool = False) -> None:
    """Drop and create the PostgreSQL database the URL names (only one called sinsquiz_load…)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("sinsquiz_load"):
        raise SystemExit(f"The PostgreSQL database must be called sinsquiz_load… (it is dropped): not {name!r}")
    import psycopg

    admin = f"{parts.scheme}://{parts.netloc}/postgres".replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            connection.execute(f'CREATE DATABASE "{name}"')


def seed(users: int, cases: int, series: int, slices: int, seed_value: int) -> tuple[list[Trainee], list[str]]:
    from django.core.management import call_command
    from django.db import connection

    from bench.seeding import Case, bulk_histories, make_cases, make_cohorts, make_sessions, make_trainees, make_user

    started, rng = time.monotonic(), random.Random(seed_value)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    library = make_cases(cases, series=series, slices=slices, prefix="case")
    Case.objects.filter(slug="case-template").update(status=Case.Status.DRAFT)  # it has no reference
    people = make_trainees(users, prefix="trainee")
    logins = make_trainees(LOGINS, prefix="login")
    make_cohorts(people, make_user("educator", group="Educators", is_staff=True), COHORTS)
    histories = {person: rng.randint(0, 20) for person in people}
    bulk_histories(histories, library, rng)
    sessions = make_sessions(people)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum soon would after a bulk load
    print(
        f"seeded {cases} cases x {series} series x {slices} images, {users} trainees with {sum(histories.values())}"
        f" past attempts and a session each, on {connection.vendor}, in {time.monotonic() - started:.0f} s"
    )
    trainees = [Trainee(p.username, sessions[p.pk], histories[p]) for p in people]
    return trainees, [login.username for login in logins]


def submitted() -> set[int]:
    from bench.seeding import Attempt

    return set(Attempt.objects.submitted().values_list("pk", flat=True))


def check(before: set[int], step: Step, logs: list[Path]) -> tuple[int, list[str]]:
    """Lost commits (acknowledged but not stored, or acknowledged twice), and what else is wrong."""
    from django.db.models import Count, Q

    from bench.seeding import Attempt

    after, acknowledged = submitted(), set(step.commits)
    lost = len(acknowledged - after) + len(step.commits) - len(acknowledged)
    problems = []
    unseen = (after - before) - acknowledged  # a commit stored whose answer the client never got
    commit_errors = sum(n for problem, n in step.errors.items() if problem.startswith("commit:"))
    if len(unseen) > commit_errors:
        problems.append(f"{len(unseen)} commits stored that were never sent or acknowledged")
    graded = Q(total=None) | Q(submitted=None) | Q(reference__isnull=True)
    if n := Attempt.objects.filter(pk__in=after - before).filter(graded).count():
        problems.append(f"{n} submitted attempts without a grade")
    if n := Attempt.objects.drafts().values("trainee", "case").annotate(n=Count("pk")).filter(n__gt=1).count():
        problems.append(f"{n} trainee/case pairs with two drafts")
    for log in logs:
        text = log.read_text(errors="replace")
        problems += [f'{log.name}: {n} x "{alarm}"' for alarm in LOG_ALARMS if (n := text.count(alarm))]
    return lost, problems


# --- A run: the steps, and their report ----------------------------------------------------------------


def route_of(method: str, path: str) -> str | None:
    if path.startswith("/cases/"):
        return "list" if path.startswith("/cases/?") else "case"
    if path.startswith("/attempts/"):
        return "save" if path.endswith("/save/") else "commit" if path.endswith("/commit/") else "feedback"
    return {"/progress/": "progress"}.get(path) or ("image" if path.startswith("/media/") else None)


def server_times(logs: list[Path], since: float) -> dict[str, list[float]]:
    """Each route's time in the workers (from the access log: %(M)s), for requests logged after `since`."""
    from datetime import datetime

    times = {route: [] for route in ROUTES}
    for log in logs:
        for when, method, path, ms in ACCESS_LINE.findall(log.read_text(errors="replace")):
            logged = datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z").timestamp()
            if logged >= since and (route := route_of(method, path)):
                times[route].append(int(ms) / 1000)
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else 0.0


@dataclass
class Plan:
    """What every step of a run shares."""

    args: argparse.Namespace
    nodes: int
    work: Path
    redis_url: str | None
    think: tuple = (3.0, 15.0)
    ramp: float = 120.0
    seconds: float = 120.0
    cases: int = CASES


def run_step(plan: Plan, trainees: list[Trainee], logins: list[str]) -> tuple[Step, list, list[Path]]:
    """Start the servers, (on the first step, time the logins,) let the trainees practise, stop the servers."""
    from django.db import connections

    if plan.redis_url:
        import redis

        redis.Redis.from_url(plan.redis_url).flushdb()  # db 7 only: the cache and cached sessions of this run
    connections.close_all()
    logs = [plan.work / f"step-{len(trainees)}-node-{n}.log" for n in range(plan.nodes)]
    servers = []
    try:
        for log in logs:
            servers.append(gunicorn(log, plan.args))
        if logins:
            times = measure_logins(servers[0][1], logins)
            print(f"{'':>6}logins: {len(times)}, 4 at a time: p50 {percentile(times, 50) * 1000:.0f} ms, "
                  f"p95 {percentile(times, 95) * 1000:.0f} ms (password hashing; reported, not gated)")  # fmt: skip
        nodes, groups = [url for _, url in servers], [process.pid for process, _ in servers]
        step, cpu = asyncio.run(
            drive(nodes, trainees, plan.ramp, plan.seconds, plan.think, plan.cases, plan.args.seed, groups)
        )
    finally:
        for process, _ in servers:
            stop(process)
    return step, cpu, logs


def report_step(plan: Plan, users: int, before: set[int], step: Step, cpu: list, logs: list[Path]) -> bool:
    """Check the database and the logs, print the step's lines; True if it passes."""
    lost, problems = check(before, step, logs)
    measured = sum(len(v) for v in step.latencies.values())
    p95 = {route: percentile(values, 95) for route, values in step.latencies.items()}
    errors, stale = sum(step.errors.values()), sum(step.stale.values())
    fast = all(p < P95_LIMIT for p in p95.values()) or plan.args.smoke  # fast thinking: no latency goal
    ok = fast and measured > 0 and not (errors or lost or stale or problems)
    wall = cpu[1][0] - cpu[0][0]
    load, servers_cpu, machine, waiting = ((cpu[1][i] - cpu[0][i]) / wall for i in (1, 2, 3, 5))
    cells = "".join(f"{p95[route] * 1000:>9.0f}" for route in ROUTES)
    in_workers = server_times(logs, cpu[0][4])
    worker_cells = "".join(  # images from S3 never reach the workers
        f"{percentile(in_workers[route], 95) * 1000:>9.0f}" if in_workers[route] else f"{'-':>9}" for route in ROUTES
    )
    print(f"{users:>6}{measured / plan.seconds:>7.1f}{cells}{'':10}{errors:>8}{lost:>6}{stale:>6}"
          f"{load:>12.2f}{servers_cpu:>9.2f}{machine:>8.2f}{waiting:>6.2f}{percentile(step.lag, 95) * 1000:>6.0f}"
          f"{os.getloadavg()[0]:>8.1f}  {'PASS' if ok else 'FAIL'}")  # fmt: skip
    print(f"{'':>13}{worker_cells}  (p95 ms in the workers; {servers_cpu * wall / max(1, measured) * 1000:.1f} ms"
          f" of gunicorn CPU and {load * wall / max(1, measured) * 1000:.1f} ms of load generator CPU a request)",
          flush=True)  # fmt: skip
    for problem, n in [*step.errors.most_common(), *step.stale.most_common()]:
        print(f"{'':>6}{n} x {problem}")
    for problem in problems:
        print(f"{'':>6}CHECK FAILED: {problem}")
    return ok


def run(args, nodes: int, work: Path, redis_url: str | None) -> int:
    import django

    django.setup()
    from django.db import connection, connections

    logging.getLogger("httpx").setLevel(logging.WARNING)  # the settings log INFO: not a line per request
    plan = Plan(args, nodes, work, redis_url, ramp=args.ramp, seconds=args.step_seconds)
    series, slices = SERIES, SLICES
    if args.smoke:
        plan.think, plan.ramp, plan.seconds, plan.cases, series, slices = (0.05, 0.3), 3.0, 12.0, 20, 2, 3
    trainees, logins = seed(max(args.steps), plan.cases, series, slices, args.seed)
    connections.close_all()
    workers = args.workers or os.environ.get("WEB_CONCURRENCY") or f"{2 * (os.cpu_count() or 1) + 1}"
    threads = args.threads or os.environ.get("GUNICORN_THREADS") or "1"
    print(
        f"{nodes} node(s) of gunicorn -c python:sinsquiz.gunicorn ({workers} workers x {threads} threads) on "
        f"{connection.vendor}{', Redis cache and sessions' if redis_url else ''}"
        f"{', S3 media on moto' if os.environ.get('AWS_STORAGE_BUCKET_NAME') else ''}; think {plan.think[0]:g}-"
        f"{plan.think[1]:g} s, ramp {plan.ramp:g} s, then {plan.seconds:g} s measured; {os.cpu_count()} CPUs"
    )
    head = "".join(f"{route:>9}" for route in ROUTES)
    print(f"\n{'users':>6}{'req/s':>7}{head}  (p95 ms){'errors':>8}{'lost':>6}{'stale':>6}"
          f"   cpu: load gunicorn machine  wait{'lag':>6}{'loadavg':>8}  verdict")  # fmt: skip
    passed = 0
    for n, users in enumerate(args.steps):
        before = submitted()
        step, cpu, logs = run_step(plan, trainees[:users], logins if n == 0 else [])
        if not report_step(plan, users, before, step, cpu, logs):
            break  # no further steps after the first that fails
        passed = users
    if args.smoke:
        print("smoke run:", "PASS" if passed else "FAIL")
        return 0 if passed else 1
    goal = "PASS" if passed >= GOAL_USERS else "FAIL"
    print(f"\nRESULT: largest passing step {passed:,} concurrent trainees (goal >= {GOAL_USERS:,}): {goal}")
    return 0 if goal == "PASS" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("capacity", "two-node"))
    parser.add_argument("--steps", default="250,500,1000,1500,2000,3000", help="concurrent trainees per step")
    parser.add_argument("--step-seconds", type=float, default=120, help="measured seconds per step (default 120)")
    parser.add_argument("--ramp", type=float, default=120, help="the trainees arrive over this many s (default 120)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="one short step of 40 fast trainees (CI)")
    parser.add_argument("--redis", action="store_true", help="single node: cache and sessions in Redis db 7")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: sinsquiz/gunicorn.py's)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default: sinsquiz/gunicorn.py's)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, SQLite file)")
    args = parser.parse_args()
    args.steps = [40] if args.smoke else [int(n) for n in args.steps.split(",")]

    work = Path(tempfile.mkdtemp(prefix="sinsquiz-load-"))
    database = os.environ.get("DATABASE_URL") or ""
    if args.mode == "two-node" and not database.startswith("postgres"):
        database = PG_DEFAULT  # two nodes share PostgreSQL
    database = database or f"sqlite:///{work / 'load.sqlite3'}"
    redis_url = REDIS_URL if args.mode == "two-node" or args.redis else None
    os.environ.update(
        DJANGO_SETTINGS_MODULE="sinsquiz.settings", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1", BEHIND_HTTPS_PROXY="1", SECURE_SSL_REDIRECT="0", DATABASE_URL=database,
        REDIS_URL=redis_url or "", MEDIA_ROOT=str(work / "media"), STATIC_ROOT=str(work / "static"),
    )  # fmt: skip
    extra = []  # servers that live for the whole run
    try:
        if database.startswith("postgres"):
            prepare_database(database)
        if args.mode == "two-node":
            port = free_port()
            moto = [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
            extra.append(start(moto, work / "moto.log", f"http://127.0.0.1:{port}/"))
            os.environ.update(
                AWS_STORAGE_BUCKET_NAME="sinsquiz-load", AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{port}",
                AWS_S3_REGION_NAME="us-east-1", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
            )  # fmt: skip
            import boto3

            boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}").create_bucket(Bucket="sinsquiz-load")
        return run(args, 2 if args.mode == "two-node" else 1, work, redis_url)
    finally:
        for process in extra:
            stop(process)
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()  # db 7 only
        if database.startswith("postgres") and not args.keep:
            from django.db import connections

            connections.close_all()
            prepare_database(database, drop=True)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
