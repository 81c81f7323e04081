"""Settings, read from the environment (django-environ).

Embedded default (no variables set): DEBUG on, SQLite file `var/db.sqlite3`, Celery on kombu's
filesystem transport under `var/broker/`, console e-mail. Production sets DEBUG=0 and at least
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL (see README "Production").
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Asia/Shanghai"),
)
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-dev-only-key-do-not-use-in-production-0123456789abcdefghij"  # noqa: S105
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "common",
    "accounts",
    "borrowers",
    "notifications",
    "complaints",
    "debt_collection",
    "dashboards",
]

MIDDLEWARE = [
    "common.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "common.middleware.SecurityHeadersMiddleware",
    "common.middleware.RejectNulMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "autoloan_crm.urls"
WSGI_APPLICATION = "autoloan_crm.wsgi.application"

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
                "common.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout let the web server, worker and beat share the embedded file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
# Lets several checkouts run their PostgreSQL test suites side by side on one server.
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (rate limits, login lockout) -------------------------------------------------------
CACHE_URL = env("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {"default": env.cache("CACHE_URL")}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "autoloan-crm",
        }
    }

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Intranet host names cannot be on the browsers' preload list; opting in is a deliberate
        # choice (SECURE_HSTS_PRELOAD=1), not something `check --deploy` should nag about.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# /healthz and /readyz are probed over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Pages follow the language switch (cookie), else LANGUAGE_CODE; set to follow the browser instead.
LANGUAGE_FROM_BROWSER = env.bool("LANGUAGE_FROM_BROWSER", default=False)
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- static and uploaded files ----------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads (complaint attachments, call recordings) live outside the web root and are only ever
# streamed by views that check the viewer's permission; there is deliberately no MEDIA_URL route
# (never add `static(settings.MEDIA_URL, ...)`). The value only has to be a string: Django's test
# live server wraps a media handler around it and crashes on None.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "private-media")))
MEDIA_URL = "/private-media-is-never-served/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# --- e-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="AutoLoan CRM <noreply@autoloan-crm.local>")

# --- Celery -----------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # broadcast/control exchanges; kombu's default is ./control in the working directory
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: DRF answers a failed authentication with the first class's challenge, so a bad or
    # revoked token gets 401 + `WWW-Authenticate: Token` rather than a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # the authorization matrix (accounts.authz) decides which role may use which endpoint
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "common.api.permissions.MatrixPermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "common.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.errors.exception_handler",
    # one bucket per integration token (a token may carry its own rate), per user for browser sessions
    "DEFAULT_THROTTLE_CLASSES": ["common.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_RATE", default="600/minute"),
        "token": env("API_TOKEN_THROTTLE_RATE", default="600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AutoLoan CRM API",
    "DESCRIPTION": "Complaints, borrowers, loans and collections for auto-loan companies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("channel", "status") across apps need their own names;
    # add yours here when `manage.py check --deploy` reports an enum naming collision.
    "ENUM_NAME_OVERRIDES": {
        "BorrowerChannelEnum": "borrowers.choices.Channel",
        "PaymentChannelEnum": "borrowers.choices.PaymentChannel",
        "LoanStatusEnum": "borrowers.choices.LoanStatus",
        "MessageChannelEnum": "notifications.choices.MessageChannel",
        "MessageStatusEnum": "notifications.choices.MessageStatus",
        "ComplaintChannelEnum": "complaints.choices.ComplaintChannel",
        "ComplaintContactChannelEnum": "complaints.choices.ContactChannel",
        "ComplaintReplyChannelEnum": "complaints.choices.ReplyChannel",
        "ComplaintRejectReasonEnum": "complaints.choices.RejectReason",
        "ComplaintStateEnum": "complaints.choices.State",
        "CaseStateEnum": "debt_collection.choices.CaseState",
        "ContactAttemptChannelEnum": "debt_collection.choices.ContactChannel",
    },
}

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # mobiles and national IDs are masked in every line (common.logging_filters)
    "filters": {"mask_pii": {"()": "common.logging_filters.PiiMaskingFilter"}},
    "formatters": {
        "plain": {
            "()": "common.logging_filters.PiiMaskingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- product settings ---------------------------------------------------------------------------
CRM = {
    # calendar days the regulator allows to answer a complaint, and the one extension's maximum
    "REGULATORY_DAYS": env.int("CRM_REGULATORY_DAYS", default=15),
    "REGULATORY_EXTENSION_MAX_DAYS": env.int("CRM_REGULATORY_EXTENSION_MAX_DAYS", default=15),
    "REOPEN_WINDOW_DAYS": env.int("CRM_REOPEN_WINDOW_DAYS", default=30),
    # calendar days to answer a complainant's request for review (a reopen), from the request
    "REGULATORY_REVIEW_DAYS": env.int("CRM_REGULATORY_REVIEW_DAYS", default=30),
    "FEEDBACK_AUTOCLOSE_DAYS": env.int("CRM_FEEDBACK_AUTOCLOSE_DAYS", default=7),
    "SLA_WARNING_RATIO": env.float("CRM_SLA_WARNING_RATIO", default=0.8),
    # the workspace's "breaching soon" view: a running clock due within this many hours (or overdue)
    "WORKSPACE_BREACHING_SOON_HOURS": env.float("CRM_WORKSPACE_BREACHING_SOON_HOURS", default=4),
    # minutes an escalation may stay unacknowledged before it climbs one more level
    "ESCALATION_ACK_MINUTES": env.int("CRM_ESCALATION_ACK_MINUTES", default=120),
    # PostgreSQL: threads (each its own connection) that drain a big SLA-sweep backlog together
    "SLA_SWEEP_WORKERS": env.int("CRM_SLA_SWEEP_WORKERS", default=2),
    # largest file a complainant may attach
    "COMPLAINT_ATTACHMENT_MAX_BYTES": env.int("CRM_COMPLAINT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    # reverse proxies in front of the web server: per-IP rate limits read X-Forwarded-For this deep
    "TRUSTED_PROXY_COUNT": env.int("CRM_TRUSTED_PROXY_COUNT", default=0),
    # public complaint form limits, e.g. {"RATE_SUBMIT_PER_IP": "20/3600"} (complaints/public/uploads.py)
    "PUBLIC_FORM": env.json("CRM_PUBLIC_FORM", default={}),
    # days past due at which the delinquency refresh opens a collection case
    "CASE_OPEN_DPD": env.int("CRM_CASE_OPEN_DPD", default=1),
    # dashboards: seconds the roll-rate matrix (monthly snapshots) is cached; 0 = never
    "DASHBOARD_ROLL_CACHE_SECONDS": env.int("CRM_DASHBOARD_ROLL_CACHE_SECONDS", default=600),
    # the latest date a collector may accept as a promise to pay, in days from today
    "PROMISE_MAX_DAYS": env.int("CRM_PROMISE_MAX_DAYS", default=30),
    # daily penalty interest rate on overdue principal (0.05 % a day is common in CN contracts)
    "PENALTY_DAILY_RATE": env("CRM_PENALTY_DAILY_RATE", default="0.0005"),
    # outbound messages (notifications): a real SMS provider is configuration, not code
    "SMS_PROVIDER_URL": env("SMS_PROVIDER_URL", default=""),
    "SMS_PROVIDER_KEY": env("SMS_PROVIDER_KEY", default=""),
    "SMS_PROVIDER_SECRET": env("SMS_PROVIDER_SECRET", default=""),
    "SMS_PROVIDER_SENDER": env("SMS_PROVIDER_SENDER", default=""),
    "SMS_PROVIDER_STATUS_URL": env("SMS_PROVIDER_STATUS_URL", default=""),
    "SMS_PROVIDER_TIMEOUT": env.float("SMS_PROVIDER_TIMEOUT", default=10.0),
    "SMS_PROVIDER_IDEMPOTENT": env.bool("SMS_PROVIDER_IDEMPOTENT", default=True),
    # local hour at which the day's repayment reminders go out (the guard still applies quiet hours)
    "REMINDER_SEND_HOUR": env.int("CRM_REMINDER_SEND_HOUR", default=9),
    "MESSAGE_MAX_ATTEMPTS": env.int("CRM_MESSAGE_MAX_ATTEMPTS", default=10),
    # first retry after a transient provider error; doubles per attempt up to 30 minutes
    "MESSAGE_RETRY_BASE_SECONDS": env.int("CRM_MESSAGE_RETRY_BASE_SECONDS", default=30),
    # a message still `sending` this long after its claim belongs to a dead worker
    "MESSAGE_SENDING_STALE_SECONDS": env.int("CRM_MESSAGE_SENDING_STALE_SECONDS", default=300),
    "MESSAGE_SEND_BATCH": env.int("CRM_MESSAGE_SEND_BATCH", default=500),
}
