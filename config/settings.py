"""Claimledger settings, read from the environment.

DATABASE_URL selects the database (PostgreSQL in production and CI); without it
an SQLite file under var/ is used so that a first run needs nothing installed.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for a local development run)."
        )
    # A development-only key: DEBUG is on, so this process is not serving anyone else.
    SECRET_KEY = "dev-only-insecure-key-claimledger"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "sources",
    "claims",
]

MIDDLEWARE = [
    "config.middleware.ReleaseAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "claimledger.sqlite3",
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    # A runaway query is cancelled (the API answers 503) instead of holding a worker and a
    # connection; 0 turns the limit off (e.g. for a migration that indexes millions of rows).
    _pg_options["options"] = (
        f"-c statement_timeout={int(os.environ.get('DATABASE_STATEMENT_TIMEOUT_MS', '30000'))}"
    )
    # Statements run through config.db.fetch_prepared() (a few whose best plan does not depend
    # on their parameters) are prepared on first use, so PostgreSQL parses and plans them once per
    # connection. The ORM's own statements are never prepared (Django binds parameters on the
    # client). DATABASE_PREPARED_STATEMENTS=0 turns this off, e.g. behind a PgBouncer older than
    # 1.21 in transaction mode, which cannot keep a prepared statement with its connection.
    _prepared = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
    _pg_options["prepare_threshold"] = 0 if _prepared else None
    if _prepared:
        # Those statements are chosen because one plan suits all their values, so PostgreSQL
        # plans them once, on first use. Left to choose, it kept planning a filtered page per
        # request (its generic plan's cost estimate was a little higher, its speed the same).
        # The setting gives any statement sent with parameters a generic plan, prepared or not;
        # Django binds its parameters on the client, so its statements carry none and keep
        # being planned for their values.
        _pg_options["options"] += " -c plan_cache_mode=force_generic_plan"
    # DATABASE_POOL_SIZE > 0 gives each process a psycopg connection pool (for threaded or ASGI
    # servers); a pool replaces persistent connections, so CONN_MAX_AGE must be 0.
    _pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "0"))
    if _pool_size:
        _pg_options["pool"] = {"min_size": 1, "max_size": _pool_size, "timeout": 10}
        DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Request bodies larger than this are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "config.api.SessionAuthentication",
    ],
    # Closed by default: every view states who may read and write it.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": [
        "config.filters.FilterBackend",
        "config.filters.OrderingFilter",
        # After ordering: ranks matches best first unless the client asked for an ordering.
        "config.search.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    # orjson writes a 40 KB source text ~10x faster than the standard library's json.
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "config.api.PaginatedCSVRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.AnonThrottle",
        "config.api.UserThrottle",
        "config.api.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "user": os.environ.get("THROTTLE_USER", "600/min"),
        "write": os.environ.get("THROTTLE_WRITE", "60/min"),
    },
    # Clients are told apart by REMOTE_ADDR unless this many trusted proxies set X-Forwarded-For;
    # 0 means the header is ignored, so forging it does not escape the throttle.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Throttle counters live in a cache every process shares: the database by default
# (`manage.py createcachetable`), Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Seconds (redis-py waits forever by default). A Redis that stopped answering
                # then holds a request this long, after which the throttles let requests through
                # uncounted for a few seconds (config.api.STORE_RETRY_SECONDS).
                "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "claimledger_cache",
        }
    }

REST_KNOX = {
    "TOKEN_TTL": None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
TOKEN_TTL_DAYS = int(os.environ.get("TOKEN_TTL_DAYS", "90"))

SPECTACULAR_SETTINGS = {
    "TITLE": "Claimledger API",
    "DESCRIPTION": (
        "Claims and forecasts from analytical writing, anchored to the exact passage, "
        "with verdicts and scores. Reads of published data are public; writes need a token "
        "(`Authorization: Token <token>`) or an admin session with CSRF."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "sources.models.Source.Kind",
        "ActorKindEnum": "claims.models.Actor.Kind",
        "ClaimKindEnum": "claims.models.Claim.Kind",
        "ReviewStateEnum": "claims.models.Claim.ReviewState",
        "VerdictEnum": "claims.models.Verification.Verdict",
        "LexiconEnum": "claims.models.Forecast.Lexicon",
        "AnchorStatusEnum": "sources.models.Passage.AnchorStatus",
        "DatePrecisionEnum": "sources.models.Source.DatePrecision",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Allow editing demo accounts only where it is safe to do so.
DEMO_ACCOUNTS_ALLOWED = DEBUG

# Separation of duties: a fact-checker may not verify a forecast they annotated.
ALLOW_SELF_VERIFICATION = env_bool("ALLOW_SELF_VERIFICATION", default=False)


# Security -------------------------------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

# A strict policy on every page, the admin and the API docs included: scripts and styles
# only from this server (inline scripts only with the per-request nonce).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The stock admin and Swagger UI set style attributes inline.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Plain-HTTP requests are redirected to HTTPS unless DEBUG (or SECURE_SSL_REDIRECT=0 for a
# server that only listens on loopback, such as the benchmarks).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username/address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out login may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client address is REMOTE_ADDR; a forged X-Forwarded-For does not change it.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# The organisation named as the author of exported ClaimReviews (the fact-checkers' organisation).
CLAIMREVIEW_AUTHOR_NAME = os.environ.get("CLAIMREVIEW_AUTHOR_NAME", "Claimledger")
CLAIMREVIEW_AUTHOR_URL = os.environ.get("CLAIMREVIEW_AUTHOR_URL", "")
