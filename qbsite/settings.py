"""Settings for the QB back office, all driven by environment variables.

Every variable is listed with its default in `.env.example` and in docs/setup.md.
A value that cannot be used raises ImproperlyConfigured naming the variable.
"""

from argparse import ArgumentTypeError
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from marketdata import arguments
from marketdata.durations import is_interval
from marketdata.sessions import PROFILES as SESSION_PROFILES
from marketdata.sessions import parse_closures

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def _env_file_or_value(name):
    """`NAME`, or the content of the file named by `NAME_FILE` (Docker secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as e:
            raise ImproperlyConfigured(f"{name}_FILE={path}: cannot read it ({e.strerror}).") from e
    return env.str(name, default="")


def _env_choice(name, choices, default):
    value = env.str(name, default=default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def _env_interval(name, default, *, allow_none=False):
    """A PostgreSQL interval such as `7 days`; checked here because it is spliced into SQL."""
    value = env.str(name, default=default).strip().lower()
    if allow_none and value == "none":
        return None
    if not is_interval(value):
        hint = " or 'none'" if allow_none else ""
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an interval like '7 days', '12 hours' or '1 year'{hint}."
        )
    return value


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = _env_file_or_value("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. It is required when DEBUG is off: set SECRET_KEY "
            "(or SECRET_KEY_FILE) to a long random string."
        )
    # Development only: a key for this process; sessions end when it restarts.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "qbsite.apps.QBAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "simple_history",
    "import_export",
    "qbsite.apps.LockoutsConfig",  # django-axes
    "display",
    "marketdata",
    "trading",
    "qbsite.apps.QbsiteConfig",
]

MIDDLEWARE = [
    # Before SecurityMiddleware, so that its HTTPS redirect carries the headers too.
    "qbsite.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request's values into a query (sessions, CSRF, logins).
    "qbsite.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the session: admin reads may use the read replica (qbsite/replica.py).
    "qbsite.replica.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "qbsite.middleware.DatabaseUnavailableMiddleware",
    # Last, so that it sees the login attempts of the admin's views.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: 5 failures for a username from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_HOURS", default=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "qbsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "qbsite" / "templates"],
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

WSGI_APPLICATION = "qbsite.wsgi.application"


def _local_database_url():
    """The private PostgreSQL of bin/localdb (started by `make run` and `make test`), with
    the password it generated into .local/pg-password."""
    state = Path(env.str("QB_LOCAL_DIR", default="") or BASE_DIR / ".local")
    try:
        password = (state / "pg-password").read_text().strip()
    except FileNotFoundError:
        password = ""  # not started yet: the server will say what is missing
    port = env.int("QB_LOCAL_PG_PORT", default=54329)
    return f"postgres://postgres{':' + password if password else ''}@127.0.0.1:{port}/qb"


# Without DATABASE_URL the project uses its private PostgreSQL.
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or _local_database_url())
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at PostgreSQL (postgres://...); got engine "
        f"{DATABASES['default']['ENGINE']!r}."
    )
# Optional: a streaming replica for the admin's reads (qbsite/replica.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(env.str("DATABASE_REPLICA_URL"))
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must point at PostgreSQL (postgres://...)."
        )
    # Test runs create no database on it: it follows the primary.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["qbsite.replica.ReplicaRouter"]
# Seconds a replica may lag behind before reads go back to the primary.
QB_REPLICA_MAX_LAG = env.float("QB_REPLICA_MAX_LAG", default=5.0)
if not 0 <= QB_REPLICA_MAX_LAG < 3600:
    raise ImproperlyConfigured("QB_REPLICA_MAX_LAG must be a number of seconds from 0 to 3600.")
# Behind PgBouncer in transaction mode, a connection is one transaction long: no server-side
# cursors (they outlive it) and, by default, no persistent connections to the pooler.
DATABASE_PGBOUNCER = _env_choice("DATABASE_PGBOUNCER", ("off", "session", "transaction"), "off")
for database in DATABASES.values():
    transaction_pooling = DATABASE_PGBOUNCER == "transaction"
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if transaction_pooling else 60)
    database["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    database["DISABLE_SERVER_SIDE_CURSORS"] = transaction_pooling
    database.setdefault("OPTIONS", {})
    # A dead database must fail in seconds, not hang for the kernel's TCP timeout.
    database["OPTIONS"].setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True
# ISO dates and a 24-hour clock in every language (display/formats/iso.py).
FORMAT_MODULE_PATH = ["display.formats"]
# Gains, rises and buys red, losses, falls and sells blue (`korean`), or green and red
# (`western`): display/colours.py.
QB_COLOUR_CONVENTION = _env_choice("QB_COLOUR_CONVENTION", ("korean", "western"), "korean")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.min.js from the plotly package: charts work without internet access.
    "qbsite.staticfinders.PlotlyFinder",
]

# Import needs the add permission, export the view permission.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Exported text that starts like a formula (=, +, -, @) is quoted for spreadsheets by our
# resources (adminkit/resources.py), which keeps the text whole.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# What an admin import may hold (adminkit/imports.py), and where an upload waits
# between its preview and its confirmation (default: a private folder in the temp dir).
QB_IMPORT_MAX_BYTES = env.int("QB_IMPORT_MAX_BYTES", default=5 * 2**20)
QB_IMPORT_MAX_ROWS = env.int("QB_IMPORT_MAX_ROWS", default=10_000)
QB_IMPORT_MAX_XLSX_BYTES = env.int("QB_IMPORT_MAX_XLSX_BYTES", default=50 * 2**20)
QB_IMPORT_DIR = env.str("QB_IMPORT_DIR", default="")
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

# Logs go to stderr, as text or (LOG_FORMAT=json, the Docker image) one JSON object a
# line; the project's warnings and errors are also kept in system_logs.
LOG_FORMAT = _env_choice("LOG_FORMAT", ("text", "json"), "text")
QB_LOG_TO_DATABASE = env.bool("QB_LOG_TO_DATABASE", default=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
        "json": {"()": "qbsite.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        "system_logs": {"()": "qbsite.logging.SystemLogHandler", "level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        name: {"handlers": ["console", "system_logs"], "level": "INFO", "propagate": False}
        for name in ("qbsite", "marketdata", "trading", "django.request")
    }
    # Security noise (forged Host headers, CSRF failures, failed logins and lockouts) is
    # what anonymous clients can cause at will: it stays in the process log, so that no
    # one can write rows into system_logs, the front page or the health check from
    # outside. django-axes announces itself at every start; its lockouts are warnings.
    | {"django.security": {"handlers": ["console"], "level": "INFO", "propagate": False}}
    | {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

# TimescaleDB: `auto` uses it when the server has it, `required` refuses to migrate
# without it, `off` never touches it.
QB_TIMESCALEDB = _env_choice("QB_TIMESCALEDB", ("auto", "required", "off"), "auto")
MARKETDATA_CHUNK_INTERVAL = _env_interval("MARKETDATA_CHUNK_INTERVAL", "7 days")
MARKETDATA_COMPRESS_AFTER = _env_interval("MARKETDATA_COMPRESS_AFTER", "7 days")
MARKETDATA_RETENTION = _env_interval("MARKETDATA_RETENTION", "1 year", allow_none=True)
# The trading hours bars are expected in: `krx` (KRX's regular session) or `krx+nxt` (with
# Nextrade's pre- and after-market). See marketdata/sessions.py.
QB_SESSIONS = _env_choice("QB_SESSIONS", SESSION_PROFILES, "krx")
# Days KRX is closed that the calendar does not know, "2026-06-03,2026-07-17": no sessions
# (settlement, coverage, freshness skip them). Built-in ones are in marketdata/sessions.py.
try:
    QB_MARKET_CLOSURES = parse_closures(env.str("QB_MARKET_CLOSURES", default=""))
except ValueError as e:
    raise ImproperlyConfigured(f"QB_MARKET_CLOSURES: {e}.") from e


# Back-office computations: each strategy's capital (daily returns are PnL / capital),
# "momentum=100000000,mean_reversion=50000000", and the portfolio's cash for compute_risk.
def _capital(name):
    raw = env.str(name, default="")
    capital = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        strategy, _, amount = item.partition("=")
        try:
            capital[strategy.strip()] = arguments.amount(amount)
            if not strategy.strip():
                raise ArgumentTypeError("no strategy")
        except ArgumentTypeError as e:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not strategy=amount with a positive amount in KRW "
                f"(at most {arguments.MAX_AMOUNT:,})."
            ) from e
    return capital


QB_STRATEGY_CAPITAL = _capital("QB_STRATEGY_CAPITAL")
try:
    QB_PORTFOLIO_CASH = (
        arguments.cash(env.str("QB_PORTFOLIO_CASH", default=""))
        if env.str("QB_PORTFOLIO_CASH", default="")
        else None
    )
except ArgumentTypeError as e:
    raise ImproperlyConfigured(f"QB_PORTFOLIO_CASH: {e}.") from e

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
# X-Forwarded-Proto is believed only behind a proxy that sets it (and strips the client's);
# otherwise any client could claim HTTPS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("SECURE_PROXY_SSL_HEADER", default=False)
    else None
)
# Probes speak plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
# Where a login lands when its `next` is missing or refused (another site, say).
LOGIN_REDIRECT_URL = "admin:index"
SECURE_REFERRER_POLICY = "same-origin"
