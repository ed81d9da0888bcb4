"""The settings as each environment loads them: production passes Django's deployment checks, and
development picks SQLite and the embedded broker, or PostgreSQL and Redis when they are given.

Each case runs `manage.py` in a fresh process, so that the settings module reads the environment
it is given here and nothing that the test process has already configured."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Everything the settings read that could leak in from the machine running the tests.
ENV_READ_BY_SETTINGS = (
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS", "DATA_DIR", "SITE_URL", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "CACHE_KEY_PREFIX", "HTTP_PROTOCOL", "EMAIL_BACKEND", "EMAIL_FILE_PATH",
    "SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_RELEASE", "SENTRY_TRACES_SAMPLE_RATE", "LOG_FORMAT",
    # Set by the browser tests for Playwright's event loop; a deployment never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)

SHOW_SETTINGS = (
    "import json; from django.conf import settings; print(json.dumps({"
    "'engine': settings.DATABASES['default']['ENGINE'],"
    "'name': str(settings.DATABASES['default']['NAME']),"
    "'broker': settings.CELERY_BROKER_URL,"
    "'cache': settings.CACHES['default']['BACKEND'],"
    "'session': settings.SESSION_ENGINE}))"
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ENV_READ_BY_SETTINGS}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False,
    )


def shown_settings(**env: str) -> dict[str, str]:
    result = manage("shell", "-c", SHOW_SETTINGS, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    # The shell may say how many objects it imported before the command's own line.
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        SITE_URL="https://example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATA_DIR=str(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output, output


def test_dev_settings_default_to_sqlite_and_the_embedded_broker(tmp_path: Path) -> None:
    shown = shown_settings(DJANGO_SETTINGS_MODULE="config.settings.dev", DATA_DIR=str(tmp_path))
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"] == str(tmp_path / "db.sqlite3")
    assert shown["broker"] == "filesystem://"
    assert shown["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert shown["session"] == "django.contrib.sessions.backends.db"


def test_dev_settings_use_postgresql_and_redis_when_given(tmp_path: Path) -> None:
    # Nothing connects: the hosts only need to parse.
    redis_url = "redis://cache.invalid:6379/3"
    shown = shown_settings(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://mentor@db.invalid:5432/mentoring",
        REDIS_URL=redis_url,
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["name"] == "mentoring"
    assert shown["broker"] == redis_url
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["session"] == "django.contrib.sessions.backends.cache"
