"""Preciate settings: one file, configured from the environment (django-environ).

Defaults run a fresh clone on the embedded SQLite database; production sets
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see .env.example and README).
"""

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
# `make run` sets DEBUG for its own processes only. The management commands a reader runs
# beside it, on the same embedded SQLite file with DEBUG and DATABASE_URL unset, get the
# development key too; nothing that serves requests does (gunicorn, runserver), nor
# `check --deploy`. tests/preciate/test_settings.py runs each case.
_command = sys.argv[1] if Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 else ""
_offline = {"check", "migrate", "makemigrations", "showmigrations", "createsuperuser", "shell"}
_serves_nothing = _command in _offline or any(
    (BASE_DIR / app / "management/commands" / f"{_command}.py").is_file() for app in ("organizations", "keys", "scim")
)
_fresh_clone = not {"DEBUG", "DATABASE_URL"} & os.environ.keys()
if DEBUG or (_serves_nothing and _fresh_clone and "--deploy" not in sys.argv):
    SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public Tenant URL shown on the Integrations page; derived from the request when unset.
SCIM_BASE_URL = env("SCIM_BASE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "axes",
    "organizations",
    "keys",
    "scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "preciate.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "preciate.middleware.DatabaseUnavailableMiddleware",
    # Last, so it turns a locked-out sign-in into the "sign-in paused" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "preciate.urls"
WSGI_APPLICATION = "preciate.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions queue writers behind the lock instead of failing with
    # "database is locked" when two requests write at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A database that refuses or stops answering must cost a request seconds, not
    # gunicorn's whole timeout: bound the connect (libpq's connect_timeout), and have the
    # server cancel any statement or lock wait that would outlast what Entra waits for.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
    timeouts = (
        f"-c statement_timeout={env.int('DATABASE_STATEMENT_TIMEOUT', default=20)}s"
        f" -c lock_timeout={env.int('DATABASE_LOCK_TIMEOUT', default=10)}s"
    )
    options["options"] = f"{options['options']} {timeouts}" if options.get("options") else timeouts
    # A kept connection may have died with the server: check it before each request
    # reuses it, so the first request after the database returns succeeds. Django's backend,
    # with a check that asks the server only when the socket says something happened.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "preciate.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# axes refuses a locked-out sign-in before any password is checked; ModelBackend signs in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal-home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and `make run` serve static files straight from the finders.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# Production hardening: on unless DEBUG, each overridable from the environment.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): every script, style and image comes from the app's
# own static files, so an injected <script>, inline event handler or style attribute does
# not run. Django admin's pages need nothing more; tests/browser/test_content_security_policy.py
# loads them in Chromium and fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# -- Shared cache: the counters behind sign-in lockouts and the SCIM throttle ----------
# Production runs several processes (and machines), so the counters must live in Redis;
# local memory (one process's own counters) is only right for `make run`.
CACHE_URL = env("REDIS_URL", default="") or env("CACHE_URL", default="")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL / CACHE_URL must be a redis://, rediss:// or unix:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that stops answering fails the request in seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# -- Brute-force limits (docs in README, "Sign-in lockouts and the SCIM throttle") -------
# Behind N proxies that each append to X-Forwarded-For, the client is the N-th address from
# the right; 0 trusts REMOTE_ADDR only (preciate.limits.client_address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Portal and Django admin sign-in (django-axes, counters in the cache above): locked after
# LOGIN_FAILURE_LIMIT failures for one account from one address, or LOGIN_ADDRESS_FAILURE_LIMIT
# from one address for any accounts, for LOGIN_COOLOFF_MINUTES after the last failure.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = "preciate.limits.login_failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_USERNAME_CALLABLE = "preciate.limits.login_username"
# django-ipware is not installed; this one function decides the address for axes and SCIM alike.
AXES_CLIENT_IP_CALLABLE = "preciate.limits.client_address"
AXES_LOCKOUT_CALLABLE = "preciate.limits.locked_out"
# A success must not wipe the address's counter, or one working account would let an
# address keep guessing the others.
AXES_RESET_ON_SUCCESS = False
# Attempts live in the cache, not the database: axes' admin pages would stay empty.
AXES_ENABLE_ADMIN = False
# SCIM: wrong bearer keys per client address (scim.auth). Entra's traffic for many tenants
# comes from Microsoft's shared addresses, so the limit is generous; a valid key is never counted.
SCIM_AUTH_FAILURE_LIMIT = env.int("SCIM_AUTH_FAILURE_LIMIT", default=30)
SCIM_AUTH_FAILURE_WINDOW = env.int("SCIM_AUTH_FAILURE_WINDOW", default=300)
if not CACHE_URL and (DEBUG or SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    # `make run` and the commands run beside it on a fresh clone: one process shares its
    # local-memory counters with itself. Production sets REDIS_URL, or axes warns.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]
# Its start-up banner on every command's stderr says nothing an operator acts on.
AXES_VERBOSE = False

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}

DEFAULT_EXCEPTION_REPORTER_FILTER = "preciate.reporting.SecretsFilter"

# Provisioning events older than this are pruned by `manage.py prune_events`.
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
