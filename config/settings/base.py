"""Settings shared by every environment. Everything that differs between machines comes from
environment variables; with none set the app runs on SQLite, a file cache and a Celery broker in
the local data folder, so that `make run` works anywhere."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Paths -------------------------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# --- Core --------------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, under ours (templates/django/forms/widgets/)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "guardian",
    "django_filters",
    "django_htmx",
    "auditlog",
    "rest_framework",
    "drf_spectacular",
    "programmes",
    "participants",
    "matching",
    "reporting",
    # The open API (/<organisation-slug>/api/v1/), which reads every app below it.
    "api",
    # The top floor: what wires every app together (the home pages, the demo loader).
    "config",
]

MIDDLEWARE = [
    # First, so that each request's duration counts every other middleware (config/metrics.py).
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made each change in the audit trail (programmes/privacy/models.py).
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Admins and coordinators set up MFA before anything else.
    "participants.middleware.MfaRequiredMiddleware",
    # Resolves who acts in /<organisation-slug>/ once per request; 404 for anyone who is not
    # a member.
    "participants.middleware.ActorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "participants.context_processors.memberships",
            ],
            # CLDR dates and names, and people's words isolated, in every template: |day, |moment,
            # |month, |language, |country, |isolated (programmes/templatetags/cldr.py).
            "builtins": ["programmes.templatetags.cldr"],
        },
    },
]

# Forms render through TEMPLATES, so that templates/django/forms/widgets/ (dir="auto" on what
# people type words into) comes before Django's own.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database ----------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web and worker share the file: wait for a lock rather than failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# --- Cache and sessions ------------------------------------------------------------------------
# allauth keeps rate limits and used TOTP codes in the cache, so the cache must be shared by every
# process that serves: Redis when there is one, otherwise files in the data folder.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "mentoring"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Metrics -----------------------------------------------------------------------------------
# GET /metrics (Prometheus) answers a bearer token or an address of this list (REMOTE_ADDR, as
# the server saw it); with neither set it does not exist (404). README "Metrics".
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
BROKER_FOLDER = DATA_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(BROKER_FOLDER / "queue"),
        "data_folder_out": str(BROKER_FOLDER / "queue"),
        "control_folder": str(BROKER_FOLDER / "control"),
        "store_processed": False,
    }
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# --- Authentication: e-mail login, invitations only, MFA ---------------------------------------
AUTH_USER_MODEL = "participants.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "start"
ACCOUNT_ADAPTER = "participants.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("HTTP_PROTOCOL", "https")
# Single sign-on: each organisation's own OpenID Connect provider (participants.IdentityProvider),
# which never makes an account: it reaches an existing member with the same verified address.
SOCIALACCOUNT_ADAPTER = "participants.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# The sign-in page's provider buttons are links: a form there could not lead to the provider,
# as the pages' CSP allows forms to send to this site only (form-action 'self'). The flow's
# state, bound to the session, still guards the return.
SOCIALACCOUNT_LOGIN_ON_GET = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "participants.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "Mentoring platform"
INVITATION_VALID_DAYS = 14
# `manage.py load_demo` creates accounts with a published password: development and tests only.
DEMO_DATA_ALLOWED = False
# Where links in e-mails point to.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# guardian: no anonymous user row; object permissions are tenant-scoped by the callers.
ANONYMOUS_USER_NAME = None

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(DATA_DIR / "private")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- E-mail ------------------------------------------------------------------------------------
# EMAIL_BACKEND: "smtp" (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS), "file" (one file per mail in EMAIL_FILE_PATH) or "console" (the default).
_EMAIL_BACKENDS = {
    "smtp": ("django.core.mail.backends.smtp.EmailBackend", {
        "host": env("EMAIL_HOST", "localhost"),
        "port": int(env("EMAIL_PORT", "25")),
        "username": env("EMAIL_HOST_USER"),
        "password": env("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": 30,
    }),
    "file": ("django.core.mail.backends.filebased.EmailBackend", {
        "file_path": env("EMAIL_FILE_PATH", str(DATA_DIR / "mail")),
    }),
    "console": ("django.core.mail.backends.console.EmailBackend", {}),
    "memory": ("django.core.mail.backends.locmem.EmailBackend", {}),
}


def mailers(default: str) -> dict:
    backend, options = _EMAIL_BACKENDS[env("EMAIL_BACKEND", default)]
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


MAILERS = mailers("console")
# How long a reminder sender holds the batch it claimed before another may take it over (it was
# killed, or is stuck): longer than a batch takes to send.
REMINDER_LEASE_SECONDS = int(env("REMINDER_LEASE_SECONDS", "300"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Mentoring platform <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- PDFs ----------------------------------------------------------------------------------------
# Each PDF is rendered in a process of its own (reporting/render.py) with these limits: a
# document too big or too slow stops that process with a clear message, never the worker.
PDF_MEMORY_MB = int(env("PDF_MEMORY_MB", "2048"))
PDF_TIMEOUT_SECONDS = int(env("PDF_TIMEOUT_SECONDS", "30"))  # a report, while the person waits
PDF_TASK_TIMEOUT_SECONDS = int(env("PDF_TASK_TIMEOUT_SECONDS", "200"))  # dossiers, highlights

# Readiness (/readyz, config/health.py): the data folder's free space and the reminder scan's
# age (it runs hourly, at :07) below which the process is not ready to serve.
HEALTH_MIN_FREE_MB = int(env("HEALTH_MIN_FREE_MB", "500"))
HEALTH_SCAN_MAX_AGE_MINUTES = int(env("HEALTH_SCAN_MAX_AGE_MINUTES", "130"))

# -- Erasures outlive backups ---------------------------------------------------------------------
# Each erasure appends a pseudonymous line (an HMAC of the address, never the address) to this
# file, which no backup holds; `manage.py restore` erases again everyone it names
# (programmes/privacy/services.py). Keep it on other storage than the backups (README "Backups").
ERASURE_LEDGER = Path(env("ERASURE_LEDGER", str(DATA_DIR / "erasures.jsonl")))

# --- Security ----------------------------------------------------------------------------------
# A strict policy: scripts and styles only from our own origin or with this response's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# LOG_FORMAT=json: one JSON object a line for a log collector (config/observability.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.observability.JsonFormatter"}},
    "handlers": {"console": {
        "class": "logging.StreamHandler",
        **({"formatter": "json"} if env("LOG_FORMAT") == "json" else {}),
    }},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# -- Errors to Sentry (sentry-sdk), when SENTRY_DSN is set -------------------------------------
# Errors of requests and Celery tasks (a task past its soft time limit raises
# SoftTimeLimitExceeded, reported like any error); timings at SENTRY_TRACES_SAMPLE_RATE (0: none).
# Scrubbed of personal data before it leaves: see config/observability.py for what is kept.
if env("SENTRY_DSN"):
    from config.observability import init_sentry

    init_sentry(
        dsn=env("SENTRY_DSN"),
        environment=env("SENTRY_ENVIRONMENT", "production"),
        release=env("SENTRY_RELEASE"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# -- The audit trail (django-auditlog, see programmes/privacy/models.py) ---------------------
AUDITLOG_LOGENTRY_MODEL = "programmes.AuditEntry"
# auditlog's own migrations create its LogEntry table even when it is swapped out (their
# CreateModel names no swappable setting): a table nobody writes, which PostgreSQL then will
# not TRUNCATE beside django_content_type. The app runs without them; its entry is ours.
MIGRATION_MODULES = {"auditlog": None}
# Changes as JSON values (not their text), so that erasure can blank a field's before and after.
AUDITLOG_STORE_JSON_CHANGES = True
# auditlog reads the row before a change; the tenant models' default manager refuses a read
# that names no organisation, Django's base manager does not.
AUDITLOG_USE_BASE_MANAGER = True

# -- The open API (api/): Django REST framework, its schema by drf-spectacular -----------------
# Personal access tokens (api.authentication) or the signed-in session; every view resolves its
# actor like the pages' middleware (api.views.ApiView). Rates are per token (per person for a
# session), counted in the cache: the shared Redis wherever more than one process serves.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", "600/hour")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mentoring platform API",
    "DESCRIPTION": "Reads an organisation's projects, calls, applications, pairings, plans, "
                   "meetings, compliance and reports, and logs meetings, with the access of the "
                   "pages. Authenticate with a personal access "
                   "token: `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/[-a-zA-Z0-9_]+/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two models have a "kind": each its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ProjectKindEnum": "programmes.models.Project.Kind",
        "MeetingKindEnum": "matching.models.Meeting.Kind",
    },
}
# A token lives 90 days unless its person chooses otherwise, a year at most.
API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 366
