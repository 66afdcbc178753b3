"""All settings, read from ``XF_*`` environment variables.

Defaults are safe for development and the demo: SQLite under ``var/``. Production mode
(``XF_DEBUG=0`` and ``XF_PRODUCTION=1``) refuses to start without ``XF_SECRET_KEY``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from xianfeng.lib.env import env_bool, env_decimal, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("XF_VAR_DIR", str(BASE_DIR / "var")))

PRODUCTION = env_bool("XF_PRODUCTION", False)
DEBUG = env_bool("XF_DEBUG", not PRODUCTION)
SECRET_KEY = env_str("XF_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("XF_SECRET_KEY must be set when XF_PRODUCTION=1")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
elif PRODUCTION and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("XF_SECRET_KEY must be at least 32 characters in production")

ALLOWED_HOSTS = env_list("XF_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("XF_CSRF_TRUSTED_ORIGINS", [])

# The demo and tests pin "today"; production leaves it unset.
_today = env_str("XF_TODAY")
try:
    XF_TODAY: dt.date | None = dt.date.fromisoformat(_today) if _today else None
except ValueError as exc:
    raise ImproperlyConfigured(f"XF_TODAY must be YYYY-MM-DD, got {_today!r}") from exc
XF_DEMO = env_bool("XF_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "xianfeng.audit",
    "xianfeng.org",
    "xianfeng.notifications",
    "xianfeng.parks",
    "xianfeng.projects",
    "xianfeng.demo",
    "xianfeng.coordination",
    "xianfeng.dispatch",
    "xianfeng.attraction",
    "xianfeng.targets",
    "xianfeng.cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "xianfeng.urls"
WSGI_APPLICATION = "xianfeng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xianfeng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xianfeng.org.context_processors.product",
            ],
        },
    },
]

# Database: embedded SQLite (WAL) by default; XF_DATABASE_URL=postgres://… for a city.
_db_url = env_str("XF_DATABASE_URL")
if _db_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60, conn_health_checks=True)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"XF_DATABASE_URL is not a valid database URL: {exc}") from exc
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("XF_SQLITE_PATH", str(VAR_DIR / "xianfeng.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Role-based permissions (the admin role's reference data in Django admin).
    "xianfeng.org.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a reader finds theirs whatever the page's language.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "xianfeng" / "locale"]
# Digit grouping for Chinese pages (see xianfeng/formats/zh_Hans).
FORMAT_MODULE_PATH = ["xianfeng.formats"]
TIME_ZONE = env_str("XF_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
if not PRODUCTION:
    # Development serves from the finders; an empty STATIC_ROOT keeps WhiteNoise from warning.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Uploads: refuse anything larger than this (bytes) before reading it.
XF_MAX_UPLOAD_BYTES = env_int("XF_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1024)
# Attachments to problems (PDF/JPEG/PNG/DOCX/XLSX); never more than XF_MAX_UPLOAD_BYTES.
XF_ATTACHMENT_MAX_BYTES = env_int("XF_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# E-mail (notifications): Django's SMTP backend. XF_EMAIL_TLS is STARTTLS, XF_EMAIL_SSL implicit TLS.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("XF_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("XF_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("XF_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("XF_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("XF_EMAIL_TLS", False)
EMAIL_USE_SSL = env_bool("XF_EMAIL_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("XF_EMAIL_TLS and XF_EMAIL_SSL cannot both be on")
EMAIL_TIMEOUT = env_int("XF_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = SERVER_EMAIL = env_str("XF_EMAIL_FROM", "先锋平台 <noreply@localhost>")
# Absolute links in e-mails and group-robot messages, e.g. https://xm.example.gov.cn
XF_SITE_URL = env_str("XF_SITE_URL").rstrip("/")
if XF_SITE_URL and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", XF_SITE_URL):
    raise ImproperlyConfigured(
        f"XF_SITE_URL must be an address such as https://xm.example.gov.cn, got {XF_SITE_URL!r}"
    )
XF_NOTIFY_MAX_ATTEMPTS = env_int("XF_NOTIFY_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
XF_WEBHOOK_TIMEOUT = env_int("XF_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=120)
XF_DIGEST_HOUR = env_int("XF_DIGEST_HOUR", 8, minimum=0, maximum=23)

# Monthly dispatch: reports are due by the N-th working day of the following month; reminders
# (催报) go out at working-day offsets from that deadline ("-2,0,1+": two working days before, on
# the day, and every working day after it), once a day from XF_REMINDER_HOUR.
XF_REPORT_DEADLINE_WORKDAY = env_int("XF_REPORT_DEADLINE_WORKDAY", 5, minimum=1, maximum=20)
XF_REPORT_REMINDERS = env_list("XF_REPORT_REMINDERS", ["-2", "0", "1+"])
for _point in XF_REPORT_REMINDERS:
    _bare = _point.removesuffix("+")
    if not _bare.lstrip("+-").isdigit() or (_point.endswith("+") and int(_bare) < 0):
        raise ImproperlyConfigured(
            f"XF_REPORT_REMINDERS items must be working-day offsets like -2, 0, 1 or 1+ (daily from then), "
            f"got {_point!r}"
        )
XF_REMINDER_HOUR = env_int("XF_REMINDER_HOUR", 9, minimum=0, maximum=23)
# Site photos on monthly reports (JPEG/PNG only); never more than XF_MAX_UPLOAD_BYTES.
XF_PHOTO_MAX_BYTES = env_int("XF_PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)

# Investment attraction (招商引资). Admission screening of a lead's intensity per 亩 of land; the
# defaults are Qingdao's published standard for new industrial projects (投资强度 ≥ 280 万元/亩,
# 亩均税收 ≥ 20 万元/亩·年). Leads are visible to their own unit, the investment-promotion bureau
# (the department with this code) and leaders. Foreign amounts are converted to 万元 at these rates
# (CNY per unit of the currency, "USD=7.1,EUR=7.8"; the rate used is kept with each lead).
XF_ATTRACTION_MIN_INVEST_PER_MU = env_decimal("XF_ATTRACTION_MIN_INVEST_PER_MU", "280", minimum="0")
XF_ATTRACTION_MIN_TAX_PER_MU = env_decimal("XF_ATTRACTION_MIN_TAX_PER_MU", "20", minimum="0")
XF_ATTRACTION_BUREAU_CODE = env_str("XF_ATTRACTION_BUREAU_CODE", "TCZX")
# Investor names at least this similar (0–100, after normalisation) are flagged as duplicates.
XF_ATTRACTION_DUPLICATE_SCORE = env_int("XF_ATTRACTION_DUPLICATE_SCORE", 85, minimum=50, maximum=100)
XF_ATTRACTION_FX_RATES: dict[str, str] = {}
for _pair in env_list(
    "XF_ATTRACTION_FX_RATES",
    ["USD=7.10", "EUR=7.80", "HKD=0.91", "JPY=0.048", "GBP=9.10", "SGD=5.30", "KRW=0.0053"],
):
    _currency, _sep, _rate = _pair.partition("=")
    try:
        if not _sep or float(_rate) <= 0:
            raise ValueError
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"XF_ATTRACTION_FX_RATES items must look like USD=7.10 (a positive rate), got {_pair!r}"
        ) from exc
    XF_ATTRACTION_FX_RATES[_currency.strip().upper()] = _rate.strip()

# Background work: django-tasks; the database backend's `manage.py db_worker` runs what is enqueued.
_tasks_backend = env_str("XF_TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if _tasks_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"XF_TASKS_BACKEND must be database or immediate, got {_tasks_backend!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("XF_LOG_LEVEL", "WARNING")},
}
