"""Settings for the EV-charging portal, read from the environment.

Every variable is listed with a safe value in `.env.example` and in docs/operating.md.
Development works with nothing set; with DEBUG off, secrets have no default.
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

# Makes Django's generic classes subscriptable (admin.ModelAdmin[Booking]), so
# the code is typed as strictly as the stubs allow.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production"
    )
else:
    # No default: production refuses to start without a real secret.
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=false the portal needs a long random "
            "secret key in the environment (see docs/operating.md, Production)."
        )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "bookings.apps.BookingsConfig",
    "bookings.sandbox.apps.SandboxConfig",
    "reports.apps.ReportsConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.i18n.person_language",
    "portal.middleware.private_pages",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# Database: an SQLite file unless DATABASE_URL says otherwise (PostgreSQL in
# production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE takes the write lock when a transaction starts, so two
            # bookings checked against the same policy are serialised.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "portal.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: this many failures for one username from one address lock
# that pair out for LOGIN_LOCKOUT_MINUTES.
LOGIN_LOCKOUT_FAILURES = env.int("LOGIN_LOCKOUT_FAILURES", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# How many reverse proxies of ours stand in front of the portal. With 0 the
# client's address is the connection's; with N it is read from the N-th entry
# from the right of X-Forwarded-For (what the farthest proxy appended). Behind
# a proxy that is left at 0, everybody has the proxy's address and shares its
# login lockouts and password-reset limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Password-reset e-mails: at most this many to one account, and requests from
# one address, within PASSWORD_RESET_LIMIT_MINUTES; past them nothing is sent
# and the page answers as always.
PASSWORD_RESET_MAX_PER_ACCOUNT = env.int("PASSWORD_RESET_MAX_PER_ACCOUNT", default=3)
PASSWORD_RESET_MAX_PER_ADDRESS = env.int("PASSWORD_RESET_MAX_PER_ADDRESS", default=10)
PASSWORD_RESET_LIMIT_MINUTES = env.int("PASSWORD_RESET_LIMIT_MINUTES", default=60)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The language of anyone who has not chosen one, and whose browser asks for
# none the portal speaks.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="de")
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files whitenoise serves with DEBUG off.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
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

# E-mail: printed to the console in development. EMAIL_URL is parsed by
# django-environ and handed to Django 6.1's MAILERS (the EMAIL_* settings are
# deprecated there).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    option: _email[key]
    for key, option in (
        ("EMAIL_HOST", "host"),
        ("EMAIL_PORT", "port"),
        ("EMAIL_HOST_USER", "username"),
        ("EMAIL_HOST_PASSWORD", "password"),
        ("EMAIL_USE_TLS", "use_tls"),
        ("EMAIL_USE_SSL", "use_ssl"),
        ("EMAIL_FILE_PATH", "file_path"),
    )
    if _email.get(key) not in (None, "")
    and _email["EMAIL_BACKEND"].endswith(
        ("smtp.EmailBackend", "filebased.EmailBackend")
    )
}
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _email_options.setdefault("timeout", 20)
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
# Where people reach the portal: links in e-mails sent by jobs and commands.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ev-portal@example.com")
# Whom a person asks when their account is not set up (no Petitmonde customer
# id yet): shown on the home page by name and e-mail address.
PORTAL_ADMIN_NAME = env.str("PORTAL_ADMIN_NAME", default="")
PORTAL_ADMIN_EMAIL = env.str("PORTAL_ADMIN_EMAIL", default="")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. With DEBUG off the HTTPS settings default to on, so that
# `check --deploy` passes with only the production variables set.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    # Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # requests/urllib3 log full URLs at DEBUG; keep them quiet.
        "urllib3": {"level": "WARNING"},
    },
}

# --- Petitmonde EV Suite API -------------------------------------------------
PETITMONDE_API_KEY = env.str("PETITMONDE_API_KEY", default="")
PETITMONDE_API_URL = env.str(
    "PETITMONDE_API_URL", default="http://127.0.0.1:8000/sandbox/api/v1/client"
)
# Seconds to wait for a connection and for an answer.
PETITMONDE_CONNECT_TIMEOUT = env.float("PETITMONDE_CONNECT_TIMEOUT", default=3.05)
PETITMONDE_READ_TIMEOUT = env.float("PETITMONDE_READ_TIMEOUT", default=15.0)
PETITMONDE_MAX_RETRIES = env.int("PETITMONDE_MAX_RETRIES", default=3)
PETITMONDE_RETRY_AFTER_CAP = env.float("PETITMONDE_RETRY_AFTER_CAP", default=60.0)

# The built-in sandbox: on by default in development when no API key is set,
# never on with DEBUG off unless switched on explicitly.
PETITMONDE_SANDBOX = env.bool(
    "PETITMONDE_SANDBOX", default=DEBUG and not PETITMONDE_API_KEY
)
PETITMONDE_SANDBOX_KEY = env.str("PETITMONDE_SANDBOX_KEY", default="sandbox")
PETITMONDE_SANDBOX_SUSPENDED_KEYS = env.list(
    "PETITMONDE_SANDBOX_SUSPENDED_KEYS", default=[]
)
PETITMONDE_SANDBOX_RATE_LIMIT = env.int("PETITMONDE_SANDBOX_RATE_LIMIT", default=100)
PETITMONDE_SANDBOX_MONTHLY_QUOTA = env.int(
    "PETITMONDE_SANDBOX_MONTHLY_QUOTA", default=10000
)
# Seconds (of sandbox time) from creation to PENDING, and from PENDING to
# CONFIRMED.
PETITMONDE_SANDBOX_PENDING_AFTER = env.int(
    "PETITMONDE_SANDBOX_PENDING_AFTER", default=2
)
PETITMONDE_SANDBOX_CONFIRM_AFTER = env.int(
    "PETITMONDE_SANDBOX_CONFIRM_AFTER", default=3
)

# --- Bookings ------------------------------------------------------------------
# After a create without a clear answer, how long to wait before looking the
# booking up a second time (seconds).
BOOKING_LOOKUP_RETRY_SECONDS = env.float("BOOKING_LOOKUP_RETRY_SECONDS", default=2.0)
# A booking whose status is due to move is asked about at most this often.
BOOKING_REFRESH_SECONDS = env.int("BOOKING_REFRESH_SECONDS", default=30)
# The scheduled sync runs this often; it also refreshes every other booking.
SYNC_INTERVAL_MINUTES = env.int("SYNC_INTERVAL_MINUTES", default=15)
# Chargers are searched within this distance of a site (km, the API allows 200).
BOOKING_SEARCH_RADIUS_KM = env.int("BOOKING_SEARCH_RADIUS_KM", default=15)
# A charger picked from the results must be confirmed within this time.
BOOKING_OFFER_MAX_AGE_SECONDS = env.int("BOOKING_OFFER_MAX_AGE_SECONDS", default=1800)

# --- Booking policy (company defaults; a site may override the first four) -------
# A booking starts at least this many minutes from now (the API needs 15).
BOOKING_MIN_LEAD_MINUTES = env.int("BOOKING_MIN_LEAD_MINUTES", default=15)
# Shortest and longest booking, in minutes.
BOOKING_MIN_MINUTES = env.int("BOOKING_MIN_MINUTES", default=30)
BOOKING_MAX_MINUTES = env.int("BOOKING_MAX_MINUTES", default=240)
# How many days ahead a booking may start.
BOOKING_MAX_DAYS_AHEAD = env.int("BOOKING_MAX_DAYS_AHEAD", default=14)
# Per person: bookings a day, and upcoming bookings at any time (cancelled and
# ended ones do not count).
BOOKING_MAX_PER_DAY = env.int("BOOKING_MAX_PER_DAY", default=1)
BOOKING_MAX_UPCOMING = env.int("BOOKING_MAX_UPCOMING", default=3)

# --- Visitors (reception) ------------------------------------------------------
# Visitors' names, companies, e-mail addresses and plates are removed this many
# days after their visit (the bookings and their costs stay).
VISITOR_DATA_RETENTION_DAYS = env.int("VISITOR_DATA_RETENTION_DAYS", default=30)

# --- Booking sync, reports and scheduled jobs ----------------------------------
# The sync reads bookings created in the last SYNC_WINDOW_DAYS days (plus every
# booking still unfinished), every SYNC_INTERVAL_MINUTES, and stops early
# rather than spend more than SYNC_MAX_QUOTA_SHARE of the API's monthly quota.
SYNC_WINDOW_DAYS = env.int("SYNC_WINDOW_DAYS", default=90)
SYNC_MAX_QUOTA_SHARE = env.float("SYNC_MAX_QUOTA_SHARE", default=0.30)
# Finance/HR addresses that get the all-department report every month.
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])
