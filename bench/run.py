"""`make bench`: every benchmark against its goals, on SQLite and on PostgreSQL, then a table of the verdicts.

Each benchmark runs in a process of its own and prints its own table as it goes (see bench/README.md); its
last line starting with RESULT: is its verdict. PostgreSQL is the machine's own server unless
BENCH_POSTGRES names another (the benchmarks create and drop databases called sinsquiz_load…); without one,
the PostgreSQL lines are skipped. Takes the best part of an hour.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
RUNS = [
    ("flatness, SQLite", ["bench/flatness.py"], None),
    ("flatness, PostgreSQL", ["bench/flatness.py"], "sinsquiz_load_flatness"),
    ("capacity, SQLite", ["bench/load.py", "capacity"], None),
    ("capacity, PostgreSQL", ["bench/load.py", "capacity"], "sinsquiz_load"),
    ("two nodes, PostgreSQL", ["bench/load.py", "two-node"], "sinsquiz_load"),
    ("viewer, Chromium", ["bench/viewer.py"], None),
    ("DICOM import", ["bench/dicom.py"], None),
]


def postgres_answers() -> bool:
    return subprocess.run(["pg_isready", "-q", "-d", f"{POSTGRES}/postgres"], check=False).returncode == 0


def run(command: list[str], database: str | None) -> str:
    """Run one benchmark, echoing its output; return its RESULT line."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database:
        env["DATABASE_URL"] = f"{POSTGRES}/{database}"
    process = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    result = "RESULT: no verdict (the benchmark stopped early): FAIL"
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("RESULT:"):
            result = line.strip()
    if process.wait() not in (0, 1):
        result = f"RESULT: exited with status {process.returncode}: FAIL"
    return result.removeprefix("RESULT: ")


def main() -> int:
    postgres = postgres_answers()
    verdicts = []
    for name, command, database in RUNS:
        print(f"\n=== {name}", flush=True)
        if database and not postgres:
            verdicts.append((name, f"skipped: no PostgreSQL answers at {POSTGRES}"))
            continue
        verdicts.append((name, run(command, database)))
    print("\n=== Goals")
    for name, verdict in verdicts:
        print(f"{name:<24} {verdict}")
    return 1 if any(verdict.endswith("FAIL") for _, verdict in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
