"""Closetspace settings: one module, driven by environment variables.

Every variable read here is listed with its default in README.md ("Configuration"). With nothing set the site runs
on the embedded default: SQLite under var/, tasks executed in-process, media under var/media.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    try:
        SECRET_KEY = env.str("DJANGO_SECRET_KEY")
        ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_DEBUG=0) needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS to be set."
        ) from exc

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "wardrobe",
    "recommender",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "closetspace_site.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Every response's Content-Security-Policy (closetspace_site/middleware.py): scripts and styles only from files of this
# site, no inline code, no plugins, no framing; data: and blob: images for the upload previews and Swagger UI's icons.
CONTENT_SECURITY_POLICY = env.str(
    "DJANGO_CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# /api/docs/ only: Swagger UI's bundle sets inline styles (scripts stay files only).
API_DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

ROOT_URLCONF = "closetspace_site.urls"
WSGI_APPLICATION = "closetspace_site.wsgi.application"

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
                "closetspace_site.context_processors.nav_urls",
            ],
        },
    },
    {
        # Only for hot-loop fragments (recommendation cards); see closetspace_site/jinja2.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "closetspace_site.jinja2.environment", "autoescape": True},
    },
]

# DATABASE_URL unset -> a SQLite file under var/; set -> that database (postgres://user@host:port/name).
if not env.str("DATABASE_URL", default=""):
    VAR_DIR.mkdir(exist_ok=True)  # a fresh clone has no var/ yet, and SQLite will not create the folder
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'closetspace.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one account, or from one address, logins
# are refused for LOGIN_LOCKOUT_MINUTES, before any password hash is computed (accounts/backends.py); the login page and
# /api/auth/token/ count together. Ways out: wait, reset the password by mail, `manage.py axes_reset_username NAME`,
# or delete the account's "Access attempts" in the admin.
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends when it said it would, even under attack
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_VERBOSE = False
# Addresses (or networks) of the proxies whose X-Forwarded-For is believed; from anyone else only the peer address
# counts. The default is compose's nginx (docker/compose.yaml gives it this fixed address).
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=["172.28.0.10"])
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "wardrobe:closet"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
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

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Closetspace <no-reply@closetspace.local>")

# Uploads: files above the byte limit or images above the pixel limit (decompression bombs) are refused.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=15 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
# Closet imports (an export zip, or a CSV with a zip of photos): the upload, what it may unpack to, how well a
# member may compress (zip bombs) and how many garments one import may hold. Each photo is also held to UPLOAD_MAX_*.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=512 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=1024 * 1024 * 1024)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=100)
IMPORT_MAX_GARMENTS = env.int("IMPORT_MAX_GARMENTS", default=2000)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# One form or API batch runs in one request, which must end inside the web worker's timeout (docs/benchmarks.md).
UPLOAD_BATCH_MAX_FILES = env.int("UPLOAD_BATCH_MAX_FILES", default=10)
UPLOAD_BATCH_MAX_BYTES = env.int("UPLOAD_BATCH_MAX_BYTES", default=60 * 1024 * 1024)
UPLOAD_BATCH_BUDGET_SECONDS = env.float("UPLOAD_BATCH_BUDGET_SECONDS", default=20.0)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A request body past Django's parser limits is a 400 in the API's error shape, not a bare HTML page.
    "EXCEPTION_HANDLER": "wardrobe.api_errors.exception_handler",
}
# Anonymous sign-ups through /api/auth/register/ per client address (DRF rate syntax; empty -> unlimited).
API_REGISTER_RATE = env.str("API_REGISTER_RATE", default="30/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "Closetspace API",
    "DESCRIPTION": "Your closet, and retail recommendations learned from it.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the installed sidecar package, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the occasion vocabulary wherever it appears (an outfit's occasion, the preferences' occasions).
    "ENUM_NAME_OVERRIDES": {"OccasionEnum": "wardrobe.taxonomy.OCCASION_CHOICES"},
}

# Cache: Redis when REDIS_URL (or a redis:// CELERY_BROKER_URL) is set, so every web process shares it; else
# process-local memory (the embedded default needs no Redis).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
_CACHE_REDIS_URL = REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "")
CACHES = {
    "default": (
        {"BACKEND": "closetspace_site.cache.RedisCache", "LOCATION": _CACHE_REDIS_URL, "KEY_PREFIX": "closetspace"}
        if _CACHE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "closetspace"}
    )
}
# Sessions read through the cache (Redis in a deployment) and written through to the database: a page view costs
# no session query, and a cache flush logs nobody out. An unreachable cache falls back to the database
# (closetspace_site/sessions.py): an outage costs a query per request, never the page.
SESSION_ENGINE = "closetspace_site.sessions"

# Celery: CELERY_BROKER_URL unset -> tasks run in-process (eager), so the embedded default needs no broker.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)}
# Embedding jobs (wardrobe.tasks, recommender.tasks) run on their own queue so GPU workers can take only them.
CELERY_TASK_ROUTES = {
    "wardrobe.tasks.embed_garment": {"queue": "embedding"},
    "wardrobe.tasks.embed_board_photo": {"queue": "embedding"},
    "recommender.tasks.embed_items": {"queue": "embedding"},
    "recommender.tasks.reembed_outdated": {"queue": "embedding"},
}
EMBEDDING_TASK_SOFT_TIME_LIMIT = env.int("EMBEDDING_TASK_SOFT_TIME_LIMIT", default=240)
EMBEDDING_TASK_TIME_LIMIT = env.int("EMBEDDING_TASK_TIME_LIMIT", default=300)
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=64)  # items per embed_items job
EMBEDDING_STALE_AFTER_SECONDS = env.int("EMBEDDING_STALE_AFTER_SECONDS", default=600)
# The sweepers re-queue rows pending longer than EMBEDDING_STALE_AFTER_SECONDS or processing longer than the job's
# hard time limit (its worker died); every minute, so a lost job waits about a minute past those.
EMBEDDING_SWEEP_SECONDS = env.int("EMBEDDING_SWEEP_SECONDS", default=60)
# A running embedding job stamps its rows every EMBEDDING_HEARTBEAT_SECONDS, so a processing row unstamped for
# EMBEDDING_LOST_AFTER_SECONDS lost its worker (killed whole) and is swept then, not after the time limit; so is a
# pending row that old while the embedding queue is empty (the broker was down when it was queued).
EMBEDDING_HEARTBEAT_SECONDS = env.int("EMBEDDING_HEARTBEAT_SECONDS", default=15)
EMBEDDING_LOST_AFTER_SECONDS = env.int("EMBEDDING_LOST_AFTER_SECONDS", default=60)
# After a model change (new weights, another input size), the sweepers re-embed at most this many ready rows of the
# old version per kind and sweep, and only while the embedding queue is idle. Inventory items keep their old vector
# until the new one is stored; a garment or board photo sits out of For you only while its own job runs (about a
# second). The index switches once most items carry the new version (recommender.services.index.majority_model_version).
EMBEDDING_UPGRADE_BATCH = env.int("EMBEDDING_UPGRADE_BATCH", default=500)
# Worker processes load the encoder at start, so the first upload is as fast as the rest.
EMBEDDING_PRELOAD = env.bool("EMBEDDING_PRELOAD", default=True)
# Index lifecycle: rebuild period, how long replaced versions stay on disk, and whether a web process rebuilds a
# stale index itself (default: when there is no broker, i.e. the embedded default behaves like the deployment).
RECOMMENDER_INDEX_REBUILD_SECONDS = env.int("RECOMMENDER_INDEX_REBUILD_SECONDS", default=600)
RECOMMENDER_INDEX_GRACE_SECONDS = env.int("RECOMMENDER_INDEX_GRACE_SECONDS", default=3600)
RECOMMENDER_INDEX_N_TREES = env.int("RECOMMENDER_INDEX_N_TREES", default=10)  # bench/ann.py: 20 recalls no better
RECOMMENDER_REBUILD_INLINE = env.bool("RECOMMENDER_REBUILD_INLINE", default=not CELERY_BROKER_URL)
# Recommendations: expected norm of the query noise (a refresh shows new items; 0.3 puts the refresh overlap of
# docs/evaluation.md at about 0.5, 0.05 at 0.75), the time budget for embedding a
# find-similar upload in the request, and the list length of the For you page.
RECOMMENDER_NOISE_SIGMA = env.float("RECOMMENDER_NOISE_SIGMA", default=0.3)
RECOMMENDER_SIMILAR_BUDGET_SECONDS = env.float("RECOMMENDER_SIMILAR_BUDGET_SECONDS", default=20.0)
RECOMMENDER_PAGE_SIZE = env.int("RECOMMENDER_PAGE_SIZE", default=24)
# Serving cost (bench/web.py, docs/benchmarks.md "Web serving"): how long a user's wardrobe profile (k-means over the
# closet with likes/hides folded in) stays cached (its key changes with the closet and feedback anyway), For you's
# candidates per list slot and profile centroid, and the Annoy search_k / exact re-rank over-fetch the web processes
# use (0: the values stored with the index).
RECOMMENDER_PROFILE_CACHE_SECONDS = env.int("RECOMMENDER_PROFILE_CACHE_SECONDS", default=3600)
RECOMMENDER_OVERFETCH = env.int("RECOMMENDER_OVERFETCH", default=4)
RECOMMENDER_ANN_SEARCH_K = env.int("RECOMMENDER_ANN_SEARCH_K", default=3000)
RECOMMENDER_ANN_OVERFETCH = env.int("RECOMMENDER_ANN_OVERFETCH", default=4)
# Demo inventory: the Kaggle data has no prices; import gives each item a seeded pseudo price in this currency.
INVENTORY_DEMO_CURRENCY = env.str("INVENTORY_DEMO_CURRENCY", default="EUR")
# Zip bombs: caps on what an import's zip of photos may unpack to (recommender/services/import_files.py).
IMPORT_ZIP_MAX_BYTES = env.int("IMPORT_ZIP_MAX_BYTES", default=4 * 1024**3)
IMPORT_ZIP_MAX_MEMBER_BYTES = env.int("IMPORT_ZIP_MAX_MEMBER_BYTES", default=50 * 1024**2)
IMPORT_ZIP_MAX_RATIO = env.int("IMPORT_ZIP_MAX_RATIO", default=100)
CELERY_BEAT_SCHEDULE: dict = {
    "rebuild-index": {"task": "recommender.tasks.rebuild_index", "schedule": RECOMMENDER_INDEX_REBUILD_SECONDS},
    "requeue-stale-garments": {"task": "wardrobe.tasks.requeue_stale_garments", "schedule": EMBEDDING_SWEEP_SECONDS},
    "requeue-stale-items": {"task": "recommender.tasks.requeue_stale_items", "schedule": EMBEDDING_SWEEP_SECONDS},
    "reembed-outdated": {"task": "recommender.tasks.reembed_outdated", "schedule": EMBEDDING_SWEEP_SECONDS},
}

# Machine learning (ml/). Paths are settings, never hard-coded.
ML_DEVICE = env.str("ML_DEVICE", default="auto")  # auto | cpu | cuda
ML_IMAGE_BACKBONE = env.str("ML_IMAGE_BACKBONE", default="efficientnet_lite0")  # or resnet50
# 96 px: the photos are 60x80; docs/evaluation.md finds 96 px within 3-4% of 128 px on find-similar and level on
# wardrobe precision, and it is what embeds the shared inventory in under 10 minutes on 2 cores (docs/benchmarks.md).
ML_IMAGE_INPUT_SIZE = env.int("ML_IMAGE_INPUT_SIZE", default=96)
# The image trunk's checkpoint: by default Lite0 fine-tuned on the shared catalogue (ml.encoders.FINE_TUNED_WEIGHTS,
# docs/finetune.md); a shop's own from `manage.py finetune_encoder`; empty -> the backbone's ImageNet weights.
ML_IMAGE_WEIGHTS = env.str(
    "ML_IMAGE_WEIGHTS",
    default=str(BASE_DIR / "ml" / "weights" / "lite0-heads-96.pt") if ML_IMAGE_BACKBONE == "efficientnet_lite0" else "",
)
ML_RESNET50_WEIGHTS = env.str("ML_RESNET50_WEIGHTS", default=str(VAR_DIR / "weights" / "resnet50.pth"))
ML_IMAGE_WEIGHT = env.float("ML_IMAGE_WEIGHT", default=0.7)
ML_INDEX_DIR = env.path("ML_INDEX_DIR", default=str(VAR_DIR / "index"))
# The colour classifier (ml.colour_model) the embedding job reads a garment's colour with; missing: the vote alone.
ML_COLOUR_WEIGHTS = env.str("ML_COLOUR_WEIGHTS", default=str(BASE_DIR / "ml" / "weights" / "colour.npz"))

# The shared real-photo dataset (Kaggle styles format) used by the demo, benchmarks and evaluation.
FASHION_DATASET_DIR = env.str("FASHION_DATASET_DIR", default=str(BASE_DIR.parent / "shared" / "datasets" / "fashion-products-mini"))

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
