"""Settings shared by every environment. Everything that differs between machines is read from the
environment (see README, "Configuration"); nothing secret has a default outside debug mode."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("TRIALSITE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# Demo mode (demo users with printed passwords) exists only in debug mode.
DEMO_MODE = DEBUG and env_bool("TRIALSITE_DEMO_MODE", default=True)

SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. It is required outside debug mode; generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_celery_beat",
    "core",
    "enrollment",
    "dosing",
    "toxicity",
    "efficacy",
]

MIDDLEWARE = [
    # First, so that a lost database connection anywhere in the request answers the 503 page.
    "core.middleware.DatabaseErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (core.security_headers).
    "core.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language (issue 10): the language cookie, else the browser's; a logged-in user's saved
    # choice overrides both (core.language.UserLanguageMiddleware, after AuthenticationMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.language.UserLanguageMiddleware",
    # Deny by default: every view needs a login unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Multi-centre studies: 404 for any URL naming another site's participant (core.sites).
    "core.site_access.SiteAccessMiddleware",
    # The study data fingerprint of cached reports, read once per GET request (core.study_cache).
    "core.study_cache.ReadRequestMemo",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trialsite.urls"
WSGI_APPLICATION = "trialsite.wsgi.application"

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
                "core.context_processors.site",
                "core.context_processors.query_highlight",
                "core.context_processors.background_jobs",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name), default a SQLite file in the project.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Wait for a concurrent writer (web + worker share the file) instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: broker and cache. Unset: an embedded broker (Kombu's filesystem transport) and a local cache.
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Session expiry after inactivity: the cookie is renewed on every request and expires after
# SESSION_IDLE_MINUTES without one.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Failed-login throttling (django-axes): lock a user name from one address after N failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en"
# English and Simplified Chinese; each app's catalog is in <app>/locale/, the project's in locale/.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The project's catalog, then each app's. Listed here, they come before the catalogs of the installed
# apps, so that our translation of a common word ("Filter", "Name") wins over the one Django's admin
# or a third-party app ships. The first listed wins between ours: use pgettext where a word must
# read differently in two places.
LOCALE_PATHS = [BASE_DIR / "locale"] + [BASE_DIR / app / "locale" for app in ("core", "enrollment", "dosing", "toxicity", "efficacy")]
# Dates and numbers follow the active language (Django's formats for en and zh_Hans) wherever a
# template leaves the format to Django; tables keep ISO dates (date:"Y-m-d"). Numbers are never
# grouped in thousands in any language: a clinical value is printed as measured ("1234.5", not
# "1,234.5"), and core/tests/i18n/test_formats.py fails if this is switched on.
USE_THOUSAND_SEPARATOR = False
# The language cookie remembers the choice made on the login page (a logged-in user's choice is
# also saved with the user, core.language). Kept a year; scripts have no use for it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Bootstrap comes from the npm registry at install time (`npm ci`), never from a CDN.
NODE_MODULES_DIR = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES_DIR / "bootstrap" / "dist"),
    ("vendor/chartjs", NODE_MODULES_DIR / "chart.js" / "dist"),
]
EXPORT_DIR = Path(env_str("EXPORT_DIR", str(VAR_DIR / "exports")))  # study exports (ZIPs written by the export job)
# SDTM identifiers of the exported domains (core.data_management.exports.sdtm).
SDTM_STUDY_ID = env_str("SDTM_STUDY_ID", "NCT05084677")
SDTM_SITE_ID = env_str("SDTM_SITE_ID", "01")
SDTM_COUNTRY = env_str("SDTM_COUNTRY", "CHN")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Audit trail: history rows keep the reason for change as text; the admin cannot revert history.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# Email
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ecrf@localhost")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The coordinators' worklist email digest (core.tasks.send_worklist_digest): off unless enabled.
WORKLIST_DIGEST_ENABLED = env_bool("WORKLIST_DIGEST_ENABLED", default=False)

# Celery: Redis when REDIS_URL is set, otherwise Kombu's filesystem transport so that background
# jobs really run on a machine with no broker server.
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
TASK_STALE_HOURS = 26  # health page: a daily task with no successful run for longer than this is shown red
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A Redis that does not answer fails a send in seconds instead of the system's TCP timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),  # else Kombu writes ./control in the working directory
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery-results'}"

# Site-level numbering formats (str.format with `number`).
SCREENING_NUMBER_FORMAT = env_str("SCREENING_NUMBER_FORMAT", "SCR-{number:04d}")
STUDY_NUMBER_FORMAT = env_str("STUDY_NUMBER_FORMAT", "TC-{number:03d}")
TRIAL_NAME = env_str("TRIAL_NAME", "Toripalimab + CCRT in LACC (NCT05084677)")

# Security headers Django sets (its defaults, written down): with core.security_headers they are
# checked by core/tests/hardening/test_security_settings.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No identifying data (initials, date of birth) in logs or error reports (core.logging): every
# handler masks it, and the error report e-mailed to ADMINS masks it in the request and the frames.
DEFAULT_EXCEPTION_REPORTER = "core.logging.IdentifyingDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.logging.IdentifyingDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_identifying_data": {"()": "core.logging.IdentifyingDataFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_identifying_data"]},
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "no_identifying_data"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["no_identifying_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers, re-declared so that their handlers mask identifying data too (the
        # "django" records reach the console through the root logger).
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
