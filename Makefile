# Two commands do all the set-up: `make run` and `make test`. They need only python3 (>= 3.11) and make:
# uv comes from the PATH or is bootstrapped into .tools/, and installs exactly what uv.lock says.
.DEFAULT_GOAL := help
.PHONY: help run test lint format bench

UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --locked --quiet
# Use the python3 on the PATH; never download an interpreter.
export UV_PYTHON ?= python3
export UV_PYTHON_DOWNLOADS ?= never

help:
	@echo "make run   set up, migrate, load the demo library, start the import worker and serve http://127.0.0.1:8000"
	@echo "make test  set up and run the test suite"
	@echo "make lint  ruff format --check and ruff check"
	@echo "make bench the benchmarks under bench/ (not part of make test)"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

run: $(UV)
	$(RUN) manage.py migrate --noinput
	$(RUN) manage.py seed_demo
	@echo "Open http://127.0.0.1:8000/ and log in with one of the demo logins above."
	@# The worker runs the DICOM imports queued in the database, beside the server, and stops with it.
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN) manage.py db_worker & worker=$$!; \
	$(RUN) manage.py runserver 127.0.0.1:8000

test: $(UV)
	$(RUN) pytest

lint: $(UV)
	$(RUN) ruff format --check .
	$(RUN) ruff check .

format: $(UV)
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: $(UV)
	$(RUN) python bench/run.py
