"""The test suite. DATABASE_URL and REDIS_URL (set by .ci/run) point it at PostgreSQL and Redis;
without them it runs on SQLite and the file cache."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, DATA_DIR, DATABASES, REDIS_URL, env, env_bool, mailers

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = mailers("memory")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
ALLOWED_HOSTS = ["*"]
# Tasks run in the test's process; tests/platform/test_celery.py runs a real worker against the
# broker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(DATA_DIR / "test-private")}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file rather than memory, so that a real Celery worker in a subprocess sees the same rows.
    # One file per test run, so that two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
# Erasures made by tests go to a ledger of this run's own (or the one a test's process is given).
ERASURE_LEDGER = Path(env("ERASURE_LEDGER", str(DATA_DIR / f"test-erasures-{os.getpid()}.jsonl")))
WHITENOISE_USE_FINDERS = True
# Each test run keeps its own cache entries (allauth's used TOTP codes among them): its own
# prefix on the shared Redis, or memory without Redis.
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Browser journeys sign in many times from one address within a minute.
ACCOUNT_RATE_LIMITS = False
DEMO_DATA_ALLOWED = True
