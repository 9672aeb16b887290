"""Django settings, read from environment variables (``LUOSHI_*``).

Every setting a deployment may need to change has an environment variable; the defaults give a
zero-set-up development instance (SQLite file under ``var/``).
"""

import os
import sys
from pathlib import Path

import dj_database_url

from luoshi import localkeys

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LUOSHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


TESTING = "pytest" in sys.modules or os.environ.get("LUOSHI_TESTING") == "1"
DEBUG = env_bool("LUOSHI_DEBUG", default=False)
HTTPS = env_bool("LUOSHI_HTTPS", default=False)

# Secret key: LUOSHI_SECRET_KEY (or _FILE). Without one, the demo's local key that `luoshi demo`
# generated under VAR_DIR (luoshi/localkeys.py) lets the CLI and `luoshi serve` work in a new shell
# after `make demo`; it is never read when a key is configured, behind HTTPS, or under the tests.
SECRET_KEY = env_secret("LUOSHI_SECRET_KEY")
LOCAL_SECRET_KEY = False  # True: running on the demo's var/secret_key (a demo, not a deployment)
if not SECRET_KEY and not TESTING and not HTTPS:
    SECRET_KEY = localkeys.read(VAR_DIR / localkeys.SECRET_FILE)
    LOCAL_SECRET_KEY = bool(SECRET_KEY)
DEMO = env_bool("LUOSHI_DEMO", default=False) or LOCAL_SECRET_KEY
if not SECRET_KEY:
    if not (DEBUG or TESTING or DEMO):
        raise localkeys.MissingSecretKey(
            "LUOSHI_SECRET_KEY must be set when LUOSHI_DEBUG is off (生产环境必须设置密钥 LUOSHI_SECRET_KEY"
            " 或 LUOSHI_SECRET_KEY_FILE;演示环境请先运行 luoshi demo,它会生成 var/secret_key)"
        )
    SECRET_KEY = localkeys.LEGACY_DEMO_KEY

# Key for encrypting personal data at rest (ID numbers, phone numbers). Separate from SECRET_KEY so
# that rotating session keys does not make stored personal data unreadable. It defaults to the
# secret key; a demo database built with the old development key keeps it in var/field_key.
FIELD_ENCRYPTION_KEY = env_secret("LUOSHI_FIELD_KEY") or (
    LOCAL_SECRET_KEY and localkeys.read(VAR_DIR / localkeys.FIELD_FILE) or SECRET_KEY
)

# Key sealing the audit chains' heads and checkpoints (audit/keys.py, docs/deploy.md "Keys").
# Separate from the database and from SECRET_KEY: someone who can write the database but has not
# got this key cannot rewind, recompute or delete a chain unnoticed. Without one it is derived from
# SECRET_KEY (demo and tests; `check --deploy` warns luoshi.W002). LUOSHI_AUDIT_KEYS_OLD: earlier
# keys, one per line or comma-separated, kept to verify seals made before a rotation.
AUDIT_KEY = env_secret("LUOSHI_AUDIT_KEY")
AUDIT_KEYS_OLD = env_secret("LUOSHI_AUDIT_KEYS_OLD")
# Hours between the signed checkpoints of all chain heads written by the worker.
AUDIT_CHECKPOINT_HOURS = float(os.environ.get("LUOSHI_AUDIT_CHECKPOINT_HOURS", "6"))

ALLOWED_HOSTS = env_list("LUOSHI_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("LUOSHI_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "treebeard",
    "django_htmx",
    "axes",
    "csp",
    "core",
    "orgs",
    "workdays",
    "audit",
    "party",
    "cases",
    "workplan",
    "api",
    "villages",
    "rectify",
    "walks",
    "intel",
    "cadres",
]
# The demo builders (`demo/`: `luoshi demo`, `luoshi build_demo*`) are a development app, like
# Zulip's zilencer: installed for development (LUOSHI_DEBUG), the tests and a demo (`luoshi demo`
# sets LUOSHI_DEMO; its local secret key marks later shells as the demo too), not in a production
# deployment. LUOSHI_DEMO_APP=1 or 0 overrides (e.g. to build demo data on a production-like
# staging server, as scripts/cluster.py does). The app has no models, so no migrations either way.
DEMO_APP = env_bool("LUOSHI_DEMO_APP", default=DEBUG or TESTING or DEMO)
if DEMO_APP:
    INSTALLED_APPS += ["demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.textguard.InputGuardMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.RetryAfterMiddleware",
    # Last: turns a login refused by the lockout into the lockout page (orgs/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "luoshi.urls"
WSGI_APPLICATION = "luoshi.wsgi.application"

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
                "core.context_processors.luoshi",
                "party.context_processors.sources",
            ],
        },
    },
]

# Database: LUOSHI_DATABASE_URL (default: SQLite under var/). Under pytest, LUOSHI_TEST_DATABASE_URL
# switches the suite to another server (PostgreSQL in CI).
_default_db_url = f"sqlite:///{VAR_DIR / 'luoshi.sqlite3'}"
_db_url = os.environ.get("LUOSHI_DATABASE_URL", _default_db_url)
if TESTING and os.environ.get("LUOSHI_TEST_DATABASE_URL"):
    _db_url = os.environ["LUOSHI_TEST_DATABASE_URL"]
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=0)}
if _db_url == _default_db_url:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server and the worker read while the other writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation adds 40-450 ms to single workbench queries, and parallel workers add ~20 ms
    # of start-up to queries that take 2 ms; neither pays off for these short OLTP statements,
    # and the monthly evaluation is no slower without them (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c max_parallel_workers_per_gather=0"
    )
# Covering-index columns (Index.include) are a PostgreSQL optimisation; SQLite builds the index
# without them, which is what we want, so its warning is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing is not what the suite tests; keep it fast.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes' backend first: it refuses a login while locked out, before any password check.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions and cookies: secure by default outside DEBUG and the demo (served over plain http on
# 127.0.0.1, where a secure cookie would never come back and nobody could log in).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = env_bool("LUOSHI_SECURE_COOKIES", default=not DEBUG and not TESTING and not DEMO)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
if HTTPS:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # A load balancer checks each node over plain http on its own address.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("LUOSHI_HSTS_SECONDS", 365 * 24 * 3600))
    # Sub-domains of the site's own host name (not of the parent gov.cn domain) are the operator's.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LUOSHI_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("LUOSHI_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
# Preloading HSTS into browsers is a one-way commitment for the whole domain that the operator
# opts into (LUOSHI_HSTS_PRELOAD=1), not a default; its deploy-check reminder is silenced.
SILENCED_SYSTEM_CHECKS.append("security.W021")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# The interface is Simplified Chinese whatever the browser asks for: no Accept-Language
# negotiation (a half-translated page, or Django's own messages in English beside Chinese
# labels, helps nobody). Templates keep {% translate %} on the chrome for a later catalogue.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Served by whitenoise from the web process. Outside the tests: hashed, compressed copies made by
# `collectstatic` (luoshi demo runs it; a deployment runs it on every upgrade), cached for a year by
# browsers and proxies. The tests and DEBUG read the source files through the finders instead, so
# neither needs a collectstatic first (tests/core/test_serve.py checks the manifest path).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATIC_MANIFEST = not TESTING
if TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("LUOSHI_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "luoshi.staticstorage.StaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024


def media_storage(kind: str) -> dict:
    """``STORAGES["default"]`` for ``LUOSHI_MEDIA_STORAGE``: ``file`` (default; ``LUOSHI_MEDIA_ROOT``,
    a shared volume when there are several web nodes) or ``s3`` (any S3-compatible store through
    django-storages, ``pip install 'luoshi[s3]'``; the bucket stays private and files are streamed
    through the permission-checked media view, see core/media.py)."""
    if kind in ("", "file"):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise RuntimeError(f"LUOSHI_MEDIA_STORAGE must be file or s3, not {kind!r}")
    options = {
        "bucket_name": os.environ.get("LUOSHI_S3_BUCKET", ""),
        "endpoint_url": os.environ.get("LUOSHI_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("LUOSHI_S3_REGION") or None,
        "access_key": env_secret("LUOSHI_S3_ACCESS_KEY") or None,
        "secret_key": env_secret("LUOSHI_S3_SECRET_KEY") or None,
        "location": os.environ.get("LUOSHI_S3_PREFIX", ""),
        "default_acl": None,  # private objects: nobody reads the bucket but the media view
        "file_overwrite": False,  # a second upload of the same name gets a new name, as on disk
        "querystring_auth": True,
    }
    if not options["bucket_name"]:
        raise RuntimeError("LUOSHI_MEDIA_STORAGE=s3 needs LUOSHI_S3_BUCKET")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES["default"] = media_storage(os.environ.get("LUOSHI_MEDIA_STORAGE", "file").strip().lower())
# Behind nginx: the media view answers with ``X-Accel-Redirect: <prefix><name>`` and nginx sends
# the file from an ``internal`` location aliased to LUOSHI_MEDIA_ROOT (file-system storage only).
LUOSHI_MEDIA_ACCEL_PREFIX = os.environ.get("LUOSHI_MEDIA_ACCEL_PREFIX", "")
if LUOSHI_MEDIA_ACCEL_PREFIX and not (
    LUOSHI_MEDIA_ACCEL_PREFIX.startswith("/") and LUOSHI_MEDIA_ACCEL_PREFIX.endswith("/")
):
    raise RuntimeError("LUOSHI_MEDIA_ACCEL_PREFIX must start and end with / (e.g. /protected-media/)")

# Background work (django_tasks): database backend by default, Redis/RQ for several nodes.
# core.jobs.RQBackend is django-tasks-rq's backend plus retries with backoff and requeueing of jobs
# whose worker died; `luoshi worker` runs rq's worker with django_tasks_rq.Job (core.worker).
LUOSHI_REDIS_URL = os.environ.get("LUOSHI_REDIS_URL", "redis://127.0.0.1:6379/0")
if os.environ.get("LUOSHI_TASKS_BACKEND", "db") == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # A job running longer than this is stopped; a worker that died is noticed this + 60 s after
    # its job started (rq's execution heartbeat), and the job is then requeued.
    RQ_QUEUES = {
        "default": {
            "URL": LUOSHI_REDIS_URL,
            "DEFAULT_TIMEOUT": int(os.environ.get("LUOSHI_JOB_TIMEOUT", "600")),
        }
    }
    TASKS = {"default": {"BACKEND": "core.jobs.RQBackend", "QUEUES": ["default"]}}
elif TESTING and not env_bool("LUOSHI_TEST_DB_TASKS", default=False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Worker liveness: each worker writes a heartbeat this often; a worker silent for longer than the
# stale limit is dead, and the jobs it was running are handed to another worker.
LUOSHI_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("LUOSHI_WORKER_HEARTBEAT_SECONDS", "5"))
LUOSHI_WORKER_STALE_SECONDS = float(os.environ.get("LUOSHI_WORKER_STALE_SECONDS", "60"))

# Cache: shared Redis when several web processes run (rate limits must hold across them), else
# the local-memory default (one process: the demo).
if os.environ.get("LUOSHI_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["LUOSHI_CACHE_URL"],
            "KEY_PREFIX": os.environ.get("LUOSHI_CACHE_PREFIX", "luoshi"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_bool("LUOSHI_SESSION_CACHE", default=False):
    # Read sessions from the cache, write them through to the database (survive a cache flush).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Working hours used for deadlines measured in working hours (办公时间), "HH:MM-HH:MM,…".
LUOSHI_OFFICE_HOURS = os.environ.get("LUOSHI_OFFICE_HOURS", "08:30-12:00,14:00-17:30")
LUOSHI_DEMO_PASSWORD = os.environ.get("LUOSHI_DEMO_PASSWORD", "demo12345")
LUOSHI_CASE_PREFIX = os.environ.get("LUOSHI_CASE_PREFIX", "YL")
# Messages to residents (办理进度通知, core/outbound.py, cases/resident.py): the channels tried for
# each message (inbox, sms, email, wechat, file), the site's public address for links in them, and
# the file channel's outbox (JSON lines; the demo's and the tests' stand-in for SMS).
LUOSHI_RESIDENT_CHANNELS = env_list(
    "LUOSHI_RESIDENT_CHANNELS", "inbox,file" if (DEBUG or TESTING or DEMO) else "inbox"
)
LUOSHI_PUBLIC_URL = os.environ.get("LUOSHI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
LUOSHI_OUTBOX_FILE = os.environ.get("LUOSHI_OUTBOX_FILE", str(VAR_DIR / "outbox" / "messages.jsonl"))
# SMS: provider "aliyun" or "tencent", keys, sign name (签名), the template code of each message kind
# as JSON ({"registered": "SMS_123", …}); Tencent also needs the SdkAppId.
LUOSHI_SMS_PROVIDER = os.environ.get("LUOSHI_SMS_PROVIDER", "")
LUOSHI_SMS_ACCESS_KEY_ID = env_secret("LUOSHI_SMS_ACCESS_KEY_ID")
LUOSHI_SMS_ACCESS_KEY_SECRET = env_secret("LUOSHI_SMS_ACCESS_KEY_SECRET")
LUOSHI_SMS_SIGN_NAME = os.environ.get("LUOSHI_SMS_SIGN_NAME", "")
LUOSHI_SMS_APP_ID = os.environ.get("LUOSHI_SMS_APP_ID", "")
LUOSHI_SMS_REGION = os.environ.get("LUOSHI_SMS_REGION", "")
LUOSHI_SMS_TEMPLATES = os.environ.get("LUOSHI_SMS_TEMPLATES", "")
# WeChat subscription messages (订阅消息): app id and secret, templates per kind as JSON.
LUOSHI_WECHAT_APPID = os.environ.get("LUOSHI_WECHAT_APPID", "")
LUOSHI_WECHAT_SECRET = env_secret("LUOSHI_WECHAT_SECRET")
LUOSHI_WECHAT_TEMPLATES = os.environ.get("LUOSHI_WECHAT_TEMPLATES", "")
LUOSHI_WECHAT_PAGE = os.environ.get("LUOSHI_WECHAT_PAGE", "")
# E-mail (Django's SMTP backend); without a host, mail goes to the console.
if os.environ.get("LUOSHI_EMAIL_HOST"):
    EMAIL_HOST = os.environ["LUOSHI_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("LUOSHI_EMAIL_PORT", "465"))
    EMAIL_HOST_USER = os.environ.get("LUOSHI_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("LUOSHI_EMAIL_PASSWORD")
    EMAIL_USE_SSL = EMAIL_PORT == 465
    EMAIL_USE_TLS = not EMAIL_USE_SSL and env_bool("LUOSHI_EMAIL_TLS", default=True)
elif not TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("LUOSHI_EMAIL_FROM", "luoshi@localhost")
# Reports located farther than this from the district boundary (and every grid) are refused.
LUOSHI_GEO_MARGIN_M = float(os.environ.get("LUOSHI_GEO_MARGIN_M", "2000"))
# Party subtrees with at least this many branches read their compliance findings from stored
# snapshots refreshed by the worker (party.snapshots.services); 0 turns snapshots off.
LUOSHI_PARTY_SNAPSHOT_BRANCHES = int(os.environ.get("LUOSHI_PARTY_SNAPSHOT_BRANCHES", "200"))

# Login throttling (django-axes; limits, lockout page and audit in orgs/lockout.py). Defaults:
# 10 wrong passwords for one account from one address lock that account on that address for 15
# minutes; 30 for one account from any addresses within 24 hours lock the account for 24 hours or
# until an administrator unlocks it (后台 → 登录失败记录, or `luoshi manage axes_reset_username`);
# 100 from one address (any accounts) within 15 minutes pause logins from that address.
LUOSHI_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LUOSHI_LOGIN_FAILURES_PER_ADDRESS", "10"))
LUOSHI_LOGIN_COOLOFF_MINUTES = int(os.environ.get("LUOSHI_LOGIN_COOLOFF_MINUTES", "15"))
LUOSHI_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LUOSHI_LOGIN_FAILURES_PER_ACCOUNT", "30"))
LUOSHI_LOGIN_ACCOUNT_LOCK_HOURS = int(os.environ.get("LUOSHI_LOGIN_ACCOUNT_LOCK_HOURS", "24"))
LUOSHI_LOGIN_FAILURES_PER_NETWORK = int(os.environ.get("LUOSHI_LOGIN_FAILURES_PER_NETWORK", "100"))
AXES_ENABLED = env_bool("LUOSHI_LOGIN_THROTTLE", default=True)
AXES_HANDLER = "orgs.lockout.LoginThrottle"
AXES_FAILURE_LIMIT = 1  # LoginThrottle.get_failures answers 1 when any of the limits above is reached
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "orgs.lockout.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "orgs.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not extend the lock
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failure: what the limits count
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 1000
AXES_ENABLE_ADMIN = False  # orgs/admin.py registers the failure log with the unlock actions
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): scripts only from this site's static files, no inline
# script or event-handler attributes, no eval. Inline style *attributes* stay allowed (templates
# and Leaflet/ECharts/htmx set element styles; CSS cannot run code). data:/blob: images for
# Bootstrap's icons and chart/map exports. The vendored Swagger UI (/api/v1/docs) runs under the
# same policy (its init script is a static file).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LUOSHI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Base map (底图) of the Leaflet maps: empty = none (offline; boundaries on a plain background),
# "tianditu" (needs LUOSHI_TIANDITU_KEY) or an XYZ URL template with LUOSHI_MAP_CRS wgs84/gcj02.
# Stored coordinates are always WGS-84 (core/maptiles.py, docs/map.md). The place search asks
# 天地图's geocoder too when LUOSHI_TIANDITU_KEY is set (LUOSHI_GEOCODER=off to disable).
LUOSHI_MAP_TILES = os.environ.get("LUOSHI_MAP_TILES", "")
LUOSHI_TIANDITU_KEY = env_secret("LUOSHI_TIANDITU_KEY")
LUOSHI_MAP_CRS = os.environ.get("LUOSHI_MAP_CRS", "wgs84")
LUOSHI_MAP_SUBDOMAINS = os.environ.get("LUOSHI_MAP_SUBDOMAINS", "")
LUOSHI_MAP_ATTRIBUTION = os.environ.get("LUOSHI_MAP_ATTRIBUTION", "")
LUOSHI_GEOCODER = os.environ.get("LUOSHI_GEOCODER", "tianditu")
# Public reports: open cases of the same category within this many metres are offered on the
# report form before submitting (已有人反映).
LUOSHI_NEARBY_METRES = int(os.environ.get("LUOSHI_NEARBY_METRES", "300"))
LUOSHI_GEOCODER_PREFIX = os.environ.get(
    "LUOSHI_GEOCODER_PREFIX", ""
)  # e.g. 长沙市岳麓区: narrows the geocoder to the district
