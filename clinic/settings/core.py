"""The project's settings, read from the environment: apps, database, sign-in, sessions, the
API, logging (the worker's in `worker`, the response headers in `headers`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=False)

# Production (DEBUG=false) refuses to start without these; development has local defaults.
# Deployment files (docker-compose.yml) must provide each of them to every process.
REQUIRED_ENV: tuple[str, ...] = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")

if not DEBUG:
    _missing_env = [name for name in REQUIRED_ENV if not env.str(name, default="").strip()]
    if _missing_env:
        raise ImproperlyConfigured(
            "Production settings (DEBUG=false) need the environment variables "
            f"{', '.join(_missing_env)}; for local development set DEBUG=true"
        )

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-not-for-production-use")
else:
    # Loud on a missing secret: production never runs on a default key.
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters")

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "csp",
    "axes",
    # The second factor of staff sign-ins (dashboard/second_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Lowest layer first: tenants, the audit trail, the screening domain, its side effects,
    # the API plumbing and the dashboard (docs/architecture.md).
    "clinic",
    "audit",
    "screening",
    "reports",
    "webhooks",
    "notifications",
    "api",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry these headers as well.
    "clinic.security_headers.CrossOriginResourcePolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "api.errors.ApiBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.AuditOriginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sign-in hardening (dashboard/signin.py, dashboard/sessions.py): idle and absolute session
    # limits; 503 when the lock-out store cannot answer; axes last, as its docs ask.
    "dashboard.sessions.SessionTimeoutMiddleware",
    "dashboard.signin.LockoutStoreGuardMiddleware",
    "axes.middleware.AxesMiddleware",
    # Staff with a second factor (or of a clinic requiring one) verify it before any page.
    "dashboard.second_factor.SecondFactorMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server, and a statement run 5 times on a connection is prepared
    # there: PostgreSQL then skips parsing and planning it again, which is most of what a
    # keyed lookup costs. Pays with persistent connections (CONN_MAX_AGE). Set
    # DATABASE_PREPARED_STATEMENTS=false behind a pooler that cannot keep prepared statements
    # (PgBouncer in transaction mode before 1.21).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("server_side_binding", True)
    _options.setdefault("prepare_threshold", 5)

# The audit event of a read (a record shown, a list, a download) commits before the response
# leaves, without waiting for PostgreSQL to flush it to disk: it reaches the disk within 600 ms
# (3 x wal_writer_delay), and only a crash of the database server itself within that time (or
# a failover to a synchronous standby) could lose it. Events of writes always wait for the
# flush. Set to false to make every read wait for the flush as well (8-16 % of the list
# endpoint's throughput, docs/benchmarks.md).
AUDIT_READS_ASYNCHRONOUS_COMMIT: bool = env.bool("AUDIT_READS_ASYNCHRONOUS_COMMIT", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lock-out (django-axes, dashboard/signin.py): AXES_FAILURE_LIMIT failed sign-ins for
# one username, or from one client address, lock that username or address out for
# AXES_COOLOFF_TIME minutes (or until a clinic admin unlocks the user). The attempts are kept
# in the database, so a lock-out survives restarts; when they cannot be read or written the
# sign-in answers 503 rather than letting attempts through uncounted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "dashboard.signin.FailClosedDatabaseHandler"
AXES_FAILURE_LIMIT: int = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_TIME", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused without counting: the lock ends AXES_COOLOFF_TIME after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "dashboard.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "dashboard.signin.sign_in_client_address"
# Sign-ins are audited by the audit trail (audit app); axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {
        "BACKEND": env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Report PDFs: local files under MEDIA_ROOT by default; an S3-compatible backend through
    # REPORTS_FILE_STORAGE and its options as JSON in REPORTS_FILE_STORAGE_OPTIONS.
    "reports": {
        "BACKEND": env.str(
            "REPORTS_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("REPORTS_FILE_STORAGE_OPTIONS", default={}),
    },
}

# Email: the console backend by default; SMTP through EMAIL_URL in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")

# Sessions: short-lived, never readable from JavaScript.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# Signed out after this many seconds without a request, and this long after signing in
# whatever the activity (dashboard/sessions.py).
SESSION_IDLE_TIMEOUT: int = env.int("SESSION_IDLE_TIMEOUT", default=15 * 60)
SESSION_ABSOLUTE_TIMEOUT: int = env.int("SESSION_ABSOLUTE_TIMEOUT", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Flash messages can name a patient (the admin's "... was changed"): kept in the session on
# the server, never in a cookie the browser can read.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Redis is the Celery broker. Timeouts keep a paused Redis from blocking a request.
REDIS_URL: str = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
BROKER_SOCKET_TIMEOUT = env.float("BROKER_SOCKET_TIMEOUT", default=2.0)

# The counters every server process shares (api.throttling: API request budgets, failed
# intake links): Redis in production, each process on its own without a URL (development).
# A count that Redis cannot take within the timeout is made in the process for 30 s.
COUNTERS_REDIS_URL: str = env.str("COUNTERS_REDIS_URL", default="" if DEBUG else REDIS_URL)
COUNTERS_SOCKET_TIMEOUT: float = env.float("COUNTERS_SOCKET_TIMEOUT", default=0.5)

# The reverse proxies in front of the application whose X-Forwarded-For hops are trusted
# (docker-compose.yml: nginx, 1). 0: the client is the socket peer and the header is ignored.
# Failed intake links and password resets are counted per client address.
TRUSTED_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
# Password-reset emails sent per account and per client address within the window.
PASSWORD_RESET_EMAILS_PER_ACCOUNT: int = env.int("PASSWORD_RESET_EMAILS_PER_ACCOUNT", default=3)
PASSWORD_RESET_EMAILS_PER_ADDRESS: int = env.int("PASSWORD_RESET_EMAILS_PER_ADDRESS", default=10)
PASSWORD_RESET_WINDOW_SECONDS: int = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=60 * 60)

# The API denies by default: every view needs a client token or a staff session and the
# clinic-scoped permission (api.permissions); JSON only; errors in one format.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiClientAuthentication",
        "api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ClinicPermission"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "api.errors.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_THROTTLE_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Request bodies above this are refused (413, in JSON, for the API).
DATA_UPLOAD_MAX_MEMORY_SIZE: int = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "Barrier intake API",
    "DESCRIPTION": "Patients, intakes, screenings and reports of one clinic.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.ClinicPermission"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the app's own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Invitations to the patient intake form.
INVITATION_TTL_DAYS: int = env.int("INVITATION_TTL_DAYS", default=14)
# Where patients reach the site: the start of the links in invitation emails.
PUBLIC_BASE_URL: str = env.str("PUBLIC_BASE_URL", default="http://localhost:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Intake links carry their token in the path, query strings what staff typed (a patient's
    # name): Django logs the path of 4xx answers, runserver the request line with its query.
    "filters": {"redact_urls": {"()": "clinic.access_log.RedactUrls"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_urls"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Filtered where the records start, so that every handler gets them redacted.
        "django.request": {"filters": ["redact_urls"]},
        "django.security.csrf": {"filters": ["redact_urls"]},
        "django.server": {
            "handlers": ["console"],
            "filters": ["redact_urls"],
            "propagate": False,
        },
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
    },
}
