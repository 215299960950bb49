"""Settings shared by every environment.

Order of layers: ``base`` (this file) holds every setting with its default and
reads the environment; ``dev``, ``test`` and ``production`` import it and change
only what differs, and ``production`` refuses to start with unsafe values.
``DJANGO_SETTINGS_MODULE`` picks the layer (``manage.py`` defaults to ``dev``).

Every variable Beacon reads, with its default:

  SECRET_KEY                 signing key; dev default is public, production refuses it
  DEBUG                      false (dev: true)
  ALLOWED_HOSTS              comma list; "127.0.0.1,localhost"
  CSRF_TRUSTED_ORIGINS       comma list of scheme://host[:port]; empty
  DATABASE_URL               postgres://postgres@127.0.0.1:5432/beacon
  DATABASE_CONN_MAX_AGE      seconds a web/worker DB connection is kept; 60
  DATABASE_CONNECT_WAIT_SECONDS  a new web/worker DB connection waits this long for a server that
                             refuses connections (restarting) before the request or task fails; 15
  REDIS_URL                  redis://127.0.0.1:6379/0  (pub/sub, recent history, cache)
  CELERY_BROKER_URL          REDIS_URL
  CELERY_RESULT_BACKEND      REDIS_URL
  KAFKA_BOOTSTRAP_SERVERS    127.0.0.1:9092 (comma list)
  KAFKA_TOPIC_PREFIX         "beacon." — topics are <prefix>notifications.owner|group|watching|dead-letter
  KAFKA_CONSUMER_GROUP       beacon-notifications
  KAFKA_TOPIC_PARTITIONS     partitions of each topic Beacon creates (or grows to); 6
  KAFKA_SESSION_TIMEOUT_MS   10000 (the local Tansu broker wants 2000; the dev stack sets it)
  KAFKA_HEARTBEAT_INTERVAL_MS 3000 (Tansu: 500)
  OUTBOX_RELAY_INTERVAL_SECONDS  how often beat sends events Kafka did not take, and checks
                             sent ones for being stored; 5
  OUTBOX_REDELIVER_AFTER_SECONDS an event sent but not stored after this is sent again; 30
  OUTBOX_REDELIVER_MAX_SECONDS   the wait between re-sends doubles up to this; 300
  OUTBOX_AROUND_KAFKA_FROM_SEND  from this send of an event on, a re-send goes straight to the
                             delivery task instead of through Kafka; 2 (every re-send)
  OUTBOX_HEAL_CHECK_SECONDS  once a part that failed is back (Kafka, Redis, a Celery worker), every
                             event in flight is checked this soon instead of at its usual time; 3
  OUTBOX_HEAL_WINDOW_SECONDS ... and for this long after the part's return, so are events sent; 20
  CELERY_VISIBILITY_TIMEOUT_SECONDS  a task a worker took and never acknowledged (the worker was
                             killed) goes back to the queue after this; 60
  OPERATOR_TOKEN             the bearer token the operators' endpoints want (the web's GET /metrics, the
                             realtime process's /realtime/metrics and the detail of /realtime/healthz):
                             `Authorization: Bearer <token>`; empty: those endpoints are off (dev: a
                             public development token, which production refuses)
  DELIVERY_RECORDS_DAYS      how long sent outbox rows and processed-event marks are kept
                             (keep it longer than Kafka's retention); 14
  UNREAD_CHECK_INTERVAL_SECONDS  how often beat compares every unread count with the
                             notifications and repairs (and logs) any that differ; 600
  REALTIME_HOLD_SECONDS      how long a poll is held with nothing new; 25
  REALTIME_HOLD_JITTER_SECONDS  up to this much is added at random; 5
  REALTIME_EVENTS_PER_ANSWER most events in one poll answer; 200
  REALTIME_DB_POOL_SIZE      PostgreSQL connections per realtime process; 4
  REALTIME_SESSION_CACHE_SECONDS  how long the realtime process trusts a session or token lookup (renewed
                             in the background in its last third while in use); 30
  REALTIME_CONFIRM_SECONDS   how often the realtime process checks its copy of the served users' positions
                             against PostgreSQL: the longest an event whose Redis publish failed waits; 15
  REALTIME_MAX_POLLS_PER_USER  polls one user may hold at once in one process (429 beyond); 20
  REALTIME_SSE_HEARTBEAT_SECONDS  comment line sent on an idle event stream; 15
  REALTIME_RETENTION_DAYS    how long events are kept for catching up; older cursors get "reset"; 30
  REALTIME_CHANNEL_PREFIX    each user's Redis channel is <prefix><user id>; "beacon:user:". Pub/sub is
                             global to a Redis server whatever database REDIS_URL names: two sites on
                             one server need prefixes (and databases) of their own
  REALTIME_REQUEST_HEAD_SECONDS  a request's whole head (and body) must reach the realtime port within this
                             once the connection waits for it, or the connection is cut (408); 10
  REALTIME_MAX_CONNECTIONS_PER_ADDRESS  connections one address may hold open to a realtime process at once
                             (429 beyond; 0: no cap); 200
  REALTIME_PROXY_ADDRESSES   comma list of the proxies in front of the realtime port, whose connections
                             carry many clients and are not capped per address; "127.0.0.1,::1"
  LOGIN_FAILURES_LIMIT       failed logins (page or API token) for one username, or from one address, that lock
                             it out (429) for LOGIN_LOCKOUT_SECONDS; 10
  LOGIN_LOCKOUT_SECONDS      how long a lockout lasts from the failure that caused it; 900 (15 minutes)
  LOGIN_PROXY_COUNT          proxies in front of the web process, each appending the address it saw to
                             X-Forwarded-For; logins are counted per address from that header's entry that
                             many from its right. 0: REMOTE_ADDR alone (the header is ignored); 0
  GRAPH_MAX_BYTES            largest graph upload (JSON text) accepted; 5242880 (5 MB); a request body past
                             it by more than 256 kB is 413 unread (web/body_limit.py, the API's parser)
  GRAPH_MAX_NODES            most nodes a graph may have (an upload, or a graph's replacement); more is
                             refused, so that every graph's page is drawn and pans at once
                             (BENCHMARKS.md "graph", `python -m bench graph`); 2000
  GRAPH_MAX_EDGES            most edges a graph may have; 4000 (twice the nodes: room for graphs a third
                             denser than the bench's, which have 1.5 edges a node)
  SITE_URL                   absolute address used in links sent by mail; http://127.0.0.1:8000
  NOTIFICATION_GROUP_MINUTES notifications of one kind about one target, each within this of the
                             one before, show as one group; 30
  DIGEST_CHECK_SECONDS       how often beat looks for users whose digest slot has come (each user's
                             schedule: hourly, daily or weekly at a local hour); a digest goes out
                             within this of its time; 60, at least 1
  NOTIFICATIONS_DONE_KEEP_DAYS  a notification marked done (and not saved) is deleted this
                             many days after; 150 (about five months, as GitHub keeps them)
  SNOOZE_WAKE_CHECK_SECONDS  how often beat wakes the snoozed notifications whose moment came (they
                             come back within this of it); 5, at least 1
  DIGEST_SETTLE_MINUTES      a notification is mailed only once it is this old, so one read soon
                             after it came is never mailed; 5
  DIGEST_CHUNK_USERS         users mailed per task and per transaction (one SMTP connection each); 200
  DIGEST_RETRY_MINUTES       after a temporary refusal (4xx, or the server unreachable or not answering) an
                             address is next tried this much later, twice as long after each failure in a
                             row; 5
  DIGEST_RETRY_MAX_MINUTES   ... up to this; 240 (4 hours)
  EMAIL_BACKEND              web.digest.dkim_signing.SigningEmailBackend: Django's SMTP backend, signing
                             with DKIM when a key is given (dev: console; tests: locmem)
  EMAIL_HOST / EMAIL_PORT    localhost / 25
  EMAIL_HOST_USER / EMAIL_HOST_PASSWORD  empty
  EMAIL_USE_TLS              false
  EMAIL_TIMEOUT              seconds an SMTP connect, command or reply may take; 30
  DEFAULT_FROM_EMAIL         beacon@localhost
  DKIM_DOMAIN                the domain mail is signed for (d=), normally DEFAULT_FROM_EMAIL's; empty:
                             mail goes out unsigned
  DKIM_SELECTOR              the selector (s=): the key's public half is published as a TXT record
                             at <selector>._domainkey.<domain>; empty
  DKIM_PRIVATE_KEY_FILE      path of the PEM RSA private key to sign with; empty. The three are set
                             together or not at all; a key that cannot be read or used stops every
                             process at start (ImproperlyConfigured naming the setting)
  LOG_LEVEL                  INFO
  STATIC_ROOT                where `manage.py collectstatic` puts the stylesheet and icons for
                             production to serve; production: var/static (elsewhere unused)
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from settings import defaults
from settings.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Public on purpose: it marks a development install. settings.production
# refuses to start with it.
DEV_SECRET_KEY = "dev-only-insecure-key-0f6c1d6e-beacon"

SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    # Only for its table's history: web/api's migration 0003 turned its keys into named tokens.
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Failed logins, counted in PostgreSQL (its own tables), and the lockout (web/accounts/throttle.py).
    "axes",
    "web.accounts",
    "web.groups",
    "web.graphs",
    "web.notifications",
    "web.outbox",
    "web.api",
    "web.digest",
    # The worker's side: its management commands (manage.py dead_letters).
    "tasks",
]

MIDDLEWARE = [
    # First, so it sees a lost database connection wherever the view met it.
    "web.retry.RetryWhenTheDatabaseConnectionIsLost",
    "django.middleware.security.SecurityMiddleware",
    # Static files answer here, before sessions and the database are touched.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times in the user's zone (their profile's), after the user is known.
    "web.accounts.time_zone.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A page's body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 with a page. It checks in __call__, which runs
    # before every process_view (CSRF's reads request.POST there), so it can sit here, with the user.
    "web.body_limit.RefuseOversizedBodies",
    # Last: it turns the answer to a login that hit the lockout into the lockout's 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.notifications.context_processors.realtime_state",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", defaults.DATABASE_URL)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
    )
}
# Long enough for a server's restart; a request waits that long at most, then answers 500.
DATABASE_CONNECT_WAIT_SECONDS = env_float("DATABASE_CONNECT_WAIT_SECONDS", 15.0)
# Django's backend, telling a commit cut in doubt from a failure before it (web/postgres, web/retry.py).
DATABASES["default"]["ENGINE"] = "web.postgres"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions live in PostgreSQL: the realtime process reads them itself
# (realtime/auth.py), so a change of backend must change it too.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
LOGIN_URL = "login"
# Axes's backend first: it refuses a locked-out username or address before a password is checked. It has no
# get_user, so sessions keep naming ModelBackend (what force_login and realtime/auth.py see).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The stylesheet and icons (web/static/), served by the web process itself with
# whitenoise. Here (development, tests) straight from their folders, found as
# Django finds them, so neither `make run` nor `make test` needs a collect
# step and an edited stylesheet shows at the next reload. settings.production
# serves what `manage.py collectstatic` put in STATIC_ROOT instead, under
# names that carry a hash of the content, cached for a year.
STATIC_URL = "/static/"
STATIC_ROOT = env_str("STATIC_ROOT", "") or None  # production's default: var/static
STATICFILES_DIRS = [BASE_DIR / "web" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Files served at the site's root: /favicon.ico, which browsers and other
# clients ask for whatever a page names.
WHITENOISE_ROOT = BASE_DIR / "web" / "site_root"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

REDIS_URL = env_str("REDIS_URL", defaults.REDIS_URL)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only once it has run, so a worker killed mid-task
# leaves it in the queue for another worker; the tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# kombu's Redis transport keeps a taken task aside until it is acknowledged;
# if the worker dies it goes back to the queue after the visibility timeout
# (kombu's default: an hour). A minute is long enough for the longest
# delivery (one event names at most 500 recipients: well under a second) and
# short enough that a killed worker's tasks run elsewhere soon. A task that
# outlived it would run twice, which delivery's idempotence makes harmless.
QUEUE_VISIBILITY_TIMEOUT_SECONDS = env_float("CELERY_VISIBILITY_TIMEOUT_SECONDS", 60.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    # Look for such tasks every 5 s (kombu's default is every 100 s).
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    # A Redis that vanishes without closing the connection must not hang a publish.
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
}

KAFKA_BOOTSTRAP_SERVERS = env_list("KAFKA_BOOTSTRAP_SERVERS", [defaults.KAFKA_BOOTSTRAP_SERVERS])
KAFKA_TOPIC_PREFIX = env_str("KAFKA_TOPIC_PREFIX", "beacon.")
KAFKA_CONSUMER_GROUP = env_str("KAFKA_CONSUMER_GROUP", "beacon-notifications")
# Partitions per topic: at most this many consumers of the group share a
# topic's work (tasks/kafka_clients.ensure_topics).
KAFKA_TOPIC_PARTITIONS = env_int("KAFKA_TOPIC_PARTITIONS", 6, minimum=1)
KAFKA_SESSION_TIMEOUT_MS = env_int("KAFKA_SESSION_TIMEOUT_MS", 10000, minimum=1)
KAFKA_HEARTBEAT_INTERVAL_MS = env_int("KAFKA_HEARTBEAT_INTERVAL_MS", 3000, minimum=1)

OUTBOX_RELAY_INTERVAL_SECONDS = env_float("OUTBOX_RELAY_INTERVAL_SECONDS", 5.0)
# An event is delivered when its notifications are stored, not when Kafka took
# it (web/outbox/relay.py). Long enough that a healthy pipeline, even behind
# by a burst, has stored it (then the check only marks it delivered); a lost
# one reaches its users this much later (+ one relay interval).
OUTBOX_REDELIVER_AFTER_SECONDS = env_float("OUTBOX_REDELIVER_AFTER_SECONDS", 30.0)
OUTBOX_REDELIVER_MAX_SECONDS = env_float("OUTBOX_REDELIVER_MAX_SECONDS", 300.0)
# Kafka is how events travel, not the guarantee: from this send on (the first
# is 1), an event still not stored goes straight to the delivery task. With 2,
# every re-send does: a broker restarted empty (or a consumer stuck on a log
# made anew) then costs one grace period, not two (RELIABILITY.md has the
# drills' times). 3 gives Kafka one more try first.
OUTBOX_AROUND_KAFKA_FROM_SEND = env_int("OUTBOX_AROUND_KAFKA_FROM_SEND", 2, minimum=2)
# After an outage, what it held up is known to be lost, so it is not left to
# the timer above (web/outbox/healing.py): the check gives a delivery still on
# its way this long to be stored before it is done again around Kafka.
OUTBOX_HEAL_CHECK_SECONDS = env_float("OUTBOX_HEAL_CHECK_SECONDS", 3.0)
OUTBOX_HEAL_WINDOW_SECONDS = env_float("OUTBOX_HEAL_WINDOW_SECONDS", 20.0)
DELIVERY_RECORDS_DAYS = env_int("DELIVERY_RECORDS_DAYS", 14, minimum=1)
UNREAD_CHECK_INTERVAL_SECONDS = env_float("UNREAD_CHECK_INTERVAL_SECONDS", 600.0)
# Notifications of one kind about one target, each within this of the one
# before, show as one group ("bob and 2 others updated graph X (5)").
NOTIFICATION_GROUP_MINUTES = env_float("NOTIFICATION_GROUP_MINUTES", 30.0)
# Each user's digest slot is on the hour where they are: a check a minute
# mails it within a minute of 08:00. A check reads only the due rows of one
# partial index (and the users with no slot yet), so once a minute costs next to nothing.
DIGEST_CHECK_SECONDS = env_float("DIGEST_CHECK_SECONDS", 60.0, minimum=1.0)
NOTIFICATIONS_DONE_KEEP_DAYS = env_int("NOTIFICATIONS_DONE_KEEP_DAYS", 150, minimum=1)
SNOOZE_WAKE_CHECK_SECONDS = env_float("SNOOZE_WAKE_CHECK_SECONDS", 5.0, minimum=1.0)
DIGEST_SETTLE_MINUTES = env_float("DIGEST_SETTLE_MINUTES", 5.0)
# A chunk is one transaction holding its notifications' row locks while it
# sends over one SMTP connection: a user marking one of them read meanwhile
# waits for the chunk, so it is kept to a few hundred mails (BENCHMARKS.md's
# digest section has how long they take).
DIGEST_CHUNK_USERS = env_int("DIGEST_CHUNK_USERS", 200, minimum=1)
# A temporary refusal (451 greylisting, 452 a full mailbox, a server down) is
# retried after 5 minutes (greylisting's usual wait), then 10, 20 … up to 4
# hours: an address that keeps failing is tried a few times a day, not every
# run, and a server coming back is not met by every address at once.
DIGEST_RETRY_MINUTES = env_float("DIGEST_RETRY_MINUTES", 5.0, minimum=0.0)
DIGEST_RETRY_MAX_MINUTES = env_float("DIGEST_RETRY_MAX_MINUTES", 240.0, minimum=0.0)
CELERY_BEAT_SCHEDULE = {
    # The safety net for events whose immediate send failed (Kafka or the
    # Celery broker down at commit time): they wait in the outbox until this
    # sweep finds Kafka again.
    "relay-outbox": {"task": "tasks.outbox.relay_outbox", "schedule": OUTBOX_RELAY_INTERVAL_SECONDS},
    # Delivery acknowledged end to end: what Kafka, Celery's queue or a killed
    # worker lost after Kafka took it is sent again.
    "redeliver-outbox": {"task": "tasks.outbox.redeliver_outbox", "schedule": OUTBOX_RELAY_INTERVAL_SECONDS},
    "prune-stream-events": {"task": "tasks.realtime.prune_stream_events", "schedule": 3600.0},
    "prune-delivery-records": {"task": "tasks.outbox.prune_delivery_records", "schedule": 3600.0},
    # A count that drifted from the notifications (web/notifications/repair.py) is repaired and logged.
    "check-unread-counts": {"task": "tasks.repair.check_unread_counts", "schedule": UNREAD_CHECK_INTERVAL_SECONDS},
    # The email digest (web/digest): a run never mails a notification twice nor serves a slot twice
    # (the due rows are locked, SKIP LOCKED), so a run that outlasts the interval and meets the next is harmless.
    "send-digests": {"task": "tasks.digest.send_digests", "schedule": DIGEST_CHECK_SECONDS,
                     "options": {"expires": DIGEST_CHECK_SECONDS}},  # (the next check does its work)
    # Done notifications past NOTIFICATIONS_DONE_KEEP_DAYS go (saved ones stay); daily is exact enough.
    "prune-done-notifications": {"task": "tasks.inbox.prune_done_notifications", "schedule": 24 * 3600.0},
    # Snoozed notifications whose moment came go back to the inbox, unread, live in every open tab. Due
    # ones are found in a partial index of the snoozed alone, so a check that finds none costs next to nothing.
    "wake-snoozed": {"task": "tasks.inbox.wake_snoozed", "schedule": SNOOZE_WAKE_CHECK_SECONDS,
                     "options": {"expires": SNOOZE_WAKE_CHECK_SECONDS}},  # (the next check does its work)
}

REALTIME_HOLD_SECONDS = env_float("REALTIME_HOLD_SECONDS", 25.0)
REALTIME_HOLD_JITTER_SECONDS = env_float("REALTIME_HOLD_JITTER_SECONDS", 5.0)
REALTIME_EVENTS_PER_ANSWER = env_int("REALTIME_EVENTS_PER_ANSWER", 200, minimum=1)
REALTIME_DB_POOL_SIZE = env_int("REALTIME_DB_POOL_SIZE", 4, minimum=1)
REALTIME_SESSION_CACHE_SECONDS = env_float("REALTIME_SESSION_CACHE_SECONDS", 30.0)
REALTIME_CONFIRM_SECONDS = env_float("REALTIME_CONFIRM_SECONDS", 15.0)
if REALTIME_CONFIRM_SECONDS <= 0:
    raise ImproperlyConfigured(f"REALTIME_CONFIRM_SECONDS={REALTIME_CONFIRM_SECONDS} must be more than 0")
REALTIME_MAX_POLLS_PER_USER = env_int("REALTIME_MAX_POLLS_PER_USER", 20, minimum=1)
REALTIME_SSE_HEARTBEAT_SECONDS = env_float("REALTIME_SSE_HEARTBEAT_SECONDS", 15.0)
REALTIME_RETENTION_DAYS = env_int("REALTIME_RETENTION_DAYS", 30, minimum=1)
REALTIME_CHANNEL_PREFIX = env_str("REALTIME_CHANNEL_PREFIX", "beacon:user:")
REALTIME_REQUEST_HEAD_SECONDS = env_float("REALTIME_REQUEST_HEAD_SECONDS", 10.0)
if REALTIME_REQUEST_HEAD_SECONDS <= 0:
    raise ImproperlyConfigured(f"REALTIME_REQUEST_HEAD_SECONDS={REALTIME_REQUEST_HEAD_SECONDS} must be more than 0")
REALTIME_MAX_CONNECTIONS_PER_ADDRESS = env_int("REALTIME_MAX_CONNECTIONS_PER_ADDRESS", 200, minimum=0)
REALTIME_PROXY_ADDRESSES = env_list("REALTIME_PROXY_ADDRESSES", ["127.0.0.1", "::1"])

# Login throttling (django-axes; web/accounts/throttle.py, README "Security"). One limit serves both counts, since
# axes has one: too many failures for one username from anywhere lock that username, too many from one address
# lock that address. 10 rather than 5 because an address is often a whole lab behind one NAT.
LOGIN_FAILURES_LIMIT = env_int("LOGIN_FAILURES_LIMIT", 10, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
LOGIN_PROXY_COUNT = env_int("LOGIN_PROXY_COUNT", 0, minimum=0)
AXES_FAILURE_LIMIT = LOGIN_FAILURES_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A try during a lockout is refused without being counted, so the lockout ends when Retry-After said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Not axes's reset on success: with both parameters it deletes every failure from the address too, so an
# attacker logging in to an account of their own between guesses would never be locked out.
# web/accounts/throttle.forget_failures forgets only the failures of that username from that address.
AXES_RESET_ON_SUCCESS = False
# Successful logins are not kept (a table that only grows, with nothing reading it).
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "web.accounts.throttle.lockout_response"
# The address counted: REMOTE_ADDR unless proxies are declared, so a forged X-Forwarded-For can neither dodge
# a lockout nor lock someone else out. Behind N proxies that each append the address they saw, the client is
# the entry N from the header's right; ipware counts the proxies named in the header (N - 1), and unstrict it
# takes that entry even when a client sent entries of its own on the left.
if LOGIN_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = LOGIN_PROXY_COUNT - 1
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
DEV_OPERATOR_TOKEN = "dev-operator-token"
OPERATOR_TOKEN = env_str("OPERATOR_TOKEN", "")

GRAPH_MAX_BYTES = env_int("GRAPH_MAX_BYTES", 5 * 1024 * 1024)
# Above these the graph page is slow to draw and to pan (bench/graph_drawing.py
# measures where, BENCHMARKS.md has the figures); the edges' limit leaves room
# for graphs a third denser than the bench's (1.5 edges a node).
GRAPH_MAX_NODES = env_int("GRAPH_MAX_NODES", 2_000, minimum=1)
GRAPH_MAX_EDGES = env_int("GRAPH_MAX_EDGES", 4_000, minimum=0)
# Django refuses larger request bodies before Beacon sees them; leave room
# for the rest of a request that carries a graph of the largest size.
DATA_UPLOAD_MAX_MEMORY_SIZE = GRAPH_MAX_BYTES + 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# The JSON API (web/api, README "The JSON API"): a token or the session
# (with CSRF), JSON bodies only, every error as {"error", "detail"}.
REST_FRAMEWORK = {
    # Token first: DRF takes the 401 challenge (WWW-Authenticate) from the first class.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "web.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["web.api.parsing.JSONBodyParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "web.api.errors.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "web.api.schema.BeaconAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Beacon API",
    # Markdown: the shape goes in backticks, or "<code>" is taken for a tag.
    "DESCRIPTION": "Notifications, preferences, groups, graphs and layouts. Every error is "
                   '`{"error": "<code>", "detail": "<what was wrong>"}` with the status that fits. '
                   "Authenticate with a session (and its CSRF token) or `Authorization: Token <key>` "
                   "(or `Bearer <key>`) with a named token from the profile page or `POST /api/v1/tokens/`; "
                   "`POST /api/v1/auth/token/` makes one for a username and password.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Request bodies get components of their own, so required/read-only fields are exact each way.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "web.api.schema.forbid_unknown_fields"],
    # Served by web/api/docs.py from the sidecar package: no CDN, no static-files pipeline.
    "SWAGGER_UI_DIST": "/api/v1/docs/assets/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/api/v1/docs/assets/swagger-ui-dist/favicon-32x32.png",
    "REDOC_DIST": "/api/v1/docs/assets/redoc",
}

# Django's SMTP backend that signs each mail with DKIM when the key below is given (web/digest/dkim_signing.py).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "web.digest.dkim_signing.SigningEmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Django's default is to wait for ever: a mail server that stops answering
# would hold a digest chunk (and its row locks) as long.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 30.0)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "beacon@localhost")
# DKIM (RFC 6376): all three or none; checked, and the key loaded, when Django starts (web/digest/apps.py).
DKIM_DOMAIN = env_str("DKIM_DOMAIN", "")
DKIM_SELECTOR = env_str("DKIM_SELECTOR", "")
DKIM_PRIVATE_KEY_FILE = env_str("DKIM_PRIVATE_KEY_FILE", "")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # axes: a line per failure and per lockout (WARNING), not its INFO for every login's bookkeeping.
    # django: its records through the root's handler alone. Django's own configuration gives its logger a
    # console handler of its own while DEBUG is on, so every warning ("Not Found: …") was printed twice.
    "loggers": {"kafka": {"level": "WARNING"}, "axes": {"level": "WARNING"},
                "django": {"handlers": [], "level": "INFO", "propagate": True}},
}
