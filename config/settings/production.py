"""Production: differs from base only through environment variables. SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL must be set; the app sits behind a TLS-terminating proxy."""

from .base import *  # noqa: F403
from .base import env, env_bool, mailers

SECRET_KEY = env("SECRET_KEY")
DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
MAILERS = mailers("smtp")
