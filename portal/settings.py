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

from portal.sso.origin import oidc_origin

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
    # The task queue's table (django.tasks' results) and its `db_worker`.
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Sign-in with the company account (portal/sso/, docs/sign-in.md).
    "portal.sso.apps.SsoConfig",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
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
    "allauth.account.middleware.AccountMiddleware",
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
            # The portal's date, time and money filters, in every template.
            "builtins": ["portal.templatetags.formatting"],
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
# Each language's dates, times and money (portal/formats/, portal.formatting).
FORMAT_MODULE_PATH = ["portal.formats"]
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
        # A line for every task started and finished; failures still show.
        "django.tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
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

# --- Tasks: work outside the request, and timed one-off work ----------------------
# Django's tasks API (django.tasks) on the portal's own database: `manage.py
# db_worker` runs them (`make run` starts one beside the server; production
# runs it as a service, on as many hosts as it likes: each task runs once).
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- Waiting list, reminders and notices (bookings.waitlist) -----------------------
# An offer of a freed charger is kept for the person this long (minutes).
WAITLIST_OFFER_MINUTES = env.int("WAITLIST_OFFER_MINUTES", default=15)
# The most flexibility a person may give their wanted window (minutes either way).
WAITLIST_MAX_FLEX_MINUTES = env.int("WAITLIST_MAX_FLEX_MINUTES", default=120)
# The share of the API's monthly quota that following statuses for offers and
# reminders may spend (beside the sync's SYNC_MAX_QUOTA_SHARE).
WAITLIST_MAX_QUOTA_SHARE = env.float("WAITLIST_MAX_QUOTA_SHARE", default=0.10)
# Reminders this many minutes before a booking starts and before it ends (0: none).
REMINDER_BEFORE_START_MINUTES = env.int("REMINDER_BEFORE_START_MINUTES", default=30)
REMINDER_BEFORE_END_MINUTES = env.int("REMINDER_BEFORE_END_MINUTES", default=15)
# After this many no-shows or expired bookings in a month, a person may book only
# NO_SHOW_MAX_DAYS_AHEAD days ahead until the month ends (0: no limit).
NO_SHOW_LIMIT = env.int("NO_SHOW_LIMIT", default=2)
NO_SHOW_MAX_DAYS_AHEAD = env.int("NO_SHOW_MAX_DAYS_AHEAD", default=1)

# --- Booking sync, reports and scheduled jobs ----------------------------------
# The sync reads bookings created in the last SYNC_WINDOW_DAYS days (plus every
# booking still unfinished), every SYNC_INTERVAL_MINUTES, and stops early
# rather than spend more than SYNC_MAX_QUOTA_SHARE of the API's monthly quota.
SYNC_WINDOW_DAYS = env.int("SYNC_WINDOW_DAYS", default=90)
SYNC_MAX_QUOTA_SHARE = env.float("SYNC_MAX_QUOTA_SHARE", default=0.30)
# Finance/HR addresses that get the all-department report every month.
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])

# --- Sign-in with the company account (OpenID Connect) -------------------------
# Off while OIDC_ISSUER is empty. docs/sign-in.md says what to paste for
# Microsoft Entra ID and Keycloak; portal/sso/ reads these at each request.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
# Empty: "Company account" in the person's language.
OIDC_BUTTON_LABEL = env.str("OIDC_BUTTON_LABEL", default="")
OIDC_CLAIM_EMPLOYEE_ID = env.str("OIDC_CLAIM_EMPLOYEE_ID", default="employee_id")
OIDC_CLAIM_DEPARTMENT = env.str("OIDC_CLAIM_DEPARTMENT", default="department")
OIDC_CLAIM_DEPARTMENT_NAME = env.str("OIDC_CLAIM_DEPARTMENT_NAME", default="")
OIDC_CLAIM_ROLES = env.str("OIDC_CLAIM_ROLES", default="roles")
OIDC_CLAIM_MANAGES = env.str("OIDC_CLAIM_MANAGES", default="manages")
OIDC_CLAIM_CUSTOMER_ID = env.str("OIDC_CLAIM_CUSTOMER_ID", default="")
# "DirectoryValue=portalrole,..."; empty: the values are the portal's role names.
OIDC_ROLE_MAP = env.str("OIDC_ROLE_MAP", default="")
# Whether a department code the portal does not know creates the department.
OIDC_CREATES_DEPARTMENTS = env.bool("OIDC_CREATES_DEPARTMENTS", default=False)
# Only the company sign-in on the login page; passwords for superusers only,
# at /login/break-glass/.
OIDC_ONLY = env.bool("OIDC_ONLY", default=False)
if OIDC_ISSUER:
    # The sign-in and logout forms end at the provider: browsers apply
    # form-action to where a form's answer redirects.
    SECURE_CSP["form-action"] = [CSP.SELF, oidc_origin(OIDC_ISSUER)]

ACCOUNT_ADAPTER = "portal.sso.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "portal.sso.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
# Access and refresh tokens are not kept: the portal needs none after sign-in.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "portal.sso.provider.PortalOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,
    }
}
