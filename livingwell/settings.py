"""Settings for Living Well, read from environment variables.

Every value has a default that runs on a laptop (SQLite, tasks in-process); production sets
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY`` and ``ALLOWED_HOSTS``. A value that
cannot be parsed stops start-up with a message naming the variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class StrictEnv(environ.Env):
    """django-environ, with parse errors that name the variable."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"Environment variable {var} is not valid: {exc}") from exc

    def bool(self, var, default=environ.Env.NOTSET):
        raw = self.str(var, default="").strip().lower()
        if raw == "":
            if default is environ.Env.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable")
            return default
        if raw in {"1", "true", "yes", "on"}:
            return True
        if raw in {"0", "false", "no", "off"}:
            return False
        raise ImproperlyConfigured(
            f"Environment variable {var} must be one of 1/0, true/false, yes/no, on/off; "
            f"got {raw!r}"
        )


env = StrictEnv()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY to a long random string "
            "(or DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The Django admin, on a site that also asks staff for their second factor.
    "livingwell.security.apps.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "guardian",
    "simple_history",
    "django_filters",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "livingwell",
    # Second factor, lockout, sessions; after livingwell so its demo part finds the demo users.
    "livingwell.security",
    "volunteers",
    "peersupport",
    "clients",
    "escalations",
    "mdt",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, taking the user read with the session (one statement on PostgreSQL).
    "livingwell.security.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "livingwell.middleware.NoStoreForSignedInMiddleware",
    # Inside the header middleware above, so that their redirects carry the headers too.
    "livingwell.security.middleware.OTPMiddleware",
    "livingwell.security.middleware.SessionTimeoutMiddleware",
    "livingwell.security.middleware.SecondFactorRequiredMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Form widgets drawn by Jinja2 where Django ships their template for it (the same HTML in a
# fraction of the time), by Django's engine otherwise (livingwell/form_renderer.py).
FORM_RENDERER = "livingwell.form_renderer.FormRenderer"

ROOT_URLCONF = "livingwell.urls"
WSGI_APPLICATION = "livingwell.wsgi.application"

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
                "livingwell.context_processors.navigation",
            ],
            # Django's date filter and url tag, same output, quick enough for every row of a
            # list.
            "builtins": ["livingwell.templatetags.dates", "livingwell.templatetags.urls"],
        },
    },
    {
        # The rows of long lists (livingwell/jinja.py), drawn by {% rows %} inside Django
        # templates; from <app>/jinja2/.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "livingwell.jinja.environment"},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    raise ImproperlyConfigured(
        "DATABASE_URL must be a postgres:// or sqlite:/// URL; got engine "
        f"{DATABASES['default']['ENGINE']!r}"
    )
# Persistent connections: measured about 45% more requests/s on database pages.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
POSTGRESQL_ENGINE = "livingwell.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, whose health check asks the socket before sending SELECT 1
    # (livingwell/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL plans the lookups of every signed-in page once per connection instead of on every
# request (livingwell/pg_prepared.py). Off behind a pooler in transaction mode: DATABASE_PREPARE=0.
if DATABASES["default"]["ENGINE"] == POSTGRESQL_ENGINE and env.bool(
    "DATABASE_PREPARE", default=True
):
    from livingwell.pg_prepared import PreparingConnection, PreparingCursor

    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connection_factory=PreparingConnection, cursor_factory=PreparingCursor
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache keeps the evidence dashboard's figures (EVIDENCE_FIGURES_SECONDS) and nothing
# personal. By default each process keeps its own in memory; in production set
# CACHE_URL=redis://host:6379/2 so that every gunicorn worker on every machine shares one copy
# and the figures are worked out once, not once per worker.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# The cache only saves work: with Redis away, pages work their figures out again instead of
# failing, and an unreachable Redis costs a request at most a second.
REDIS_CACHE_OPTIONS = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {}).update(REDIS_CACHE_OPTIONS)
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

AUTH_USER_MODEL = "livingwell.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in for a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's, reading a user's permissions in one query.
    "livingwell.security.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Email: console by default; EMAIL_URL (smtp://user:pass@host:587/?tls=True) for real delivery.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Living Well <no-reply@livingwell.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# SMS sits behind a backend setting; the console backend logs instead of sending.
SMS_BACKEND = env.str("SMS_BACKEND", default="livingwell.sms.ConsoleSMSBackend")

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process, so a laptop needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL


def broker_transport(url: str) -> str | None:
    """For Redis, kombu's Redis transport keeping one Redis client per channel instead of making
    one for every publish (livingwell/broker.py); for any other broker, the URL's own."""
    from livingwell.broker import TRANSPORT

    return TRANSPORT if url.startswith(("redis://", "rediss://")) else None


CELERY_BROKER_TRANSPORT = broker_transport(CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=90)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this long; it must exceed the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 3600)}
# Separate queues, so that a flood of emails never delays an urgent routing.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "escalations.*route*": {"queue": "routing"},
    "*.notify*": {"queue": "notifications"},
    "*.send*": {"queue": "notifications"},
    "*.sweep*": {"queue": "maintenance"},
    "*.remind*": {"queue": "maintenance"},
    "*.retention*": {"queue": "maintenance"},
}
# A publish while Redis is down fails fast; the committed row is picked up by the sweep.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
# Read on every publish, so named here with Celery's own defaults: Celery looks a setting up in
# Django's settings under three or four names before its defaults, and each name Django does not
# have raises inside it (about a tenth of a publish's CPU for these three).
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_TASK_REPR_MAXLEVELS = 3
CELERY_BROKER_POOL_ACQUIRE_TIMEOUT = None

# --- Security ------------------------------------------------------------------------------
SESSION_ENGINE = "livingwell.security.sessions"
# Django's, with short cookies signed without trying to compress them.
MESSAGE_STORAGE = "livingwell.message_storage.FallbackStorage"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The absolute limit of a session, for everyone: signed out 12 hours after signing in.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
# Staff (every role but volunteers) are signed out after this long without a request.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Over HTTPS the __Host- prefix pins the cookies to this exact host (no subdomain can set them).
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
if CSRF_COOKIE_SECURE:
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Second factor (django-otp, TOTP). Required for every role in livingwell.enums.STAFF_ROLES,
# and for anyone else who chose to set one up; see livingwell/security/middleware.py.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Living Well")
OTP_LOGIN_URL = "account:otp_verify"
# The admin's device pages show neither the key nor its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Lockout (django-axes): the 11th wrong password for a username within
# LOGIN_FAILURE_WINDOW locks that username, from any address, for AXES_COOLOFF_TIME. The
# username, not the address, is what is locked: behind the reverse proxy, or in a GP practice
# where every desk shares one address, an address lock would shut out everyone at once.
AXES_HANDLER = "livingwell.security.lockout.WindowedLockoutHandler"
AXES_FAILURE_LIMIT = 11
LOGIN_FAILURE_WINDOW = timedelta(minutes=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
# A try during the lock (even with the right password) does not restart the 15 minutes.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "security/sign_in/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
SILENCED_SYSTEM_CHECKS = [
    # "No ip_address in AXES_LOCKOUT_PARAMETERS lets attackers rotate user agents or cookies":
    # not here. WindowedLockoutHandler counts a username's failures whatever the address,
    # agent or cookie (tests/security/test_lockout.py rotates them).
    "axes.W006",
]
# Logged in the clear so an operator can see which account is under attack; never the password.
AXES_SENSITIVE_PARAMETERS = ["csrfmiddlewaretoken"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Living Well -------------------------------------------------------------------------
# How long after its due time an unanswered escalation is raised to the locality's lead.
LEAD_REMINDER_AFTER = timedelta(hours=env.int("LEAD_REMINDER_AFTER_HOURS", default=24))
# An escalation not routed after this long is re-enqueued by the sweep.
ROUTING_SWEEP_AFTER = timedelta(seconds=env.int("ROUTING_SWEEP_AFTER_SECONDS", default=60))
# After routing its own escalation, a routing task routes up to this many others still waiting
# (a backed-up queue), most urgent first, the non-urgent ones in one batch; 0 turns it off.
ROUTING_BACKLOG_BATCH = env.int("ROUTING_BACKLOG_BATCH", default=50)
# Clients with no contact for this long are anonymised by the retention task.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=8)
# The evidence dashboard's figures are worked out at most once in this many seconds for the
# same localities and period (0: on every request). Its aggregates read every escalation of
# the period, which at a region's size is far more than any other page reads.
EVIDENCE_FIGURES_SECONDS = env.int("EVIDENCE_FIGURES_SECONDS", default=600)
# Require services in tests (CI): tests needing PostgreSQL, Redis, a worker or Chromium fail
# instead of skipping.
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
