"""How the trainee dashboard's time grows with history: 10,000 attempts against 10 (goal: at most 1.5x).

Run: `make bench-dashboard` (or `.venv/bin/python bench/dashboard.py`). Uses a throw-away SQLite file unless
DATABASE_URL is set; prints the median time of each and the ratio.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="sinsquiz-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinsquiz.settings")
os.environ["MEDIA_ROOT"] = workdir

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.seeding import bulk_attempts, make_cases, make_user  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
GOAL = 1.5


def median_time(client: Client, url: str) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def main() -> int:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    cases = make_cases(50)
    small, large = make_user("bench-small"), make_user("bench-large")
    rng = random.Random(7)
    bulk_attempts(small, cases, 10, rng)
    bulk_attempts(large, cases, 10_000, rng)
    timings = {}
    for trainee in (small, large):
        client = Client()
        client.force_login(trainee)
        client.get("/progress/")  # warm caches and connections
        timings[trainee.username] = client
    # Interleave the two, so that noise from the shared machine falls on both alike.
    small_times, large_times = [], []
    for _ in range(3):
        small_times.append(median_time(timings["bench-small"], "/progress/"))
        large_times.append(median_time(timings["bench-large"], "/progress/"))
    small_time, large_time = statistics.median(small_times), statistics.median(large_times)
    ratio = large_time / small_time
    verdict = "PASS" if ratio <= GOAL else "FAIL"
    print(f"dashboard at 10 attempts:     {small_time * 1000:7.1f} ms (median of {3 * ROUNDS})")
    print(f"dashboard at 10,000 attempts: {large_time * 1000:7.1f} ms")
    print(f"ratio 10,000 / 10: {ratio:.2f} (goal <= {GOAL}) {verdict}")
    return 0 if verdict == "PASS" or os.environ.get("BENCH_NO_GOALS") else 1


if __name__ == "__main__":
    sys.exit(main())
