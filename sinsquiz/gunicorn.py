"""gunicorn settings: `gunicorn -c python:sinsquiz.gunicorn sinsquiz.wsgi`. Environment variables override."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual (2 x cores) + 1 sync workers; pages are short and the database does the waiting.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Stack uploads are large; let a slow upload finish instead of killing the worker at the default 30 s.
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# The proxy in front may set X-Forwarded-Proto (see BEHIND_HTTPS_PROXY in the settings).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
