"""The realtime process's WSGI entry point (gunicorn -k gevent; see gunicorn.conf.py).

Django is set up for its settings, models' table names and session decoding
only: no URLconf, middleware or view is loaded.
"""

import os

from psycogreen.gevent import patch_psycopg

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
# Before any connection exists: psycopg2 would otherwise block the whole
# process on every query.
patch_psycopg()

import django

django.setup()

import redis
from django.conf import settings

from realtime.app import RealtimeApp
from realtime.auth import SessionAuthenticator
from realtime.db import ConnectionPool, connect_kwargs
from realtime.hub import Hub
from realtime.metrics import RealtimeMetrics
from realtime.publish import Channels
from realtime.recent import RecentEvents
from realtime.store import EVENT_TABLE, STREAM_TABLE, EventStore

# Redis connections the held requests share; a greenlet waits its turn beyond this.
REDIS_POOL_SIZE = 50


def build_application() -> RealtimeApp:
    pool = ConnectionPool(connect_kwargs(settings.DATABASES["default"]), size=settings.REALTIME_DB_POOL_SIZE)
    redis_client = redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(
        settings.REDIS_URL, max_connections=REDIS_POOL_SIZE, timeout=10, socket_timeout=5, socket_connect_timeout=5,
    ))
    authenticator = SessionAuthenticator(pool, cache_seconds=settings.REALTIME_SESSION_CACHE_SECONDS)
    hub = Hub(settings.REDIS_URL, Channels(settings.REALTIME_CHANNEL_PREFIX), credentials=authenticator)
    return RealtimeApp(
        authenticator=authenticator,
        store=EventStore(
            pool,
            stream_table=STREAM_TABLE,
            event_table=EVENT_TABLE,
            limit=settings.REALTIME_EVENTS_PER_ANSWER,
            recent=RecentEvents(redis_client, limit=settings.REALTIME_EVENTS_PER_ANSWER),
            local=hub.local,
        ),
        hub=hub,
        metrics=RealtimeMetrics(hub),
        hold_seconds=settings.REALTIME_HOLD_SECONDS,
        hold_jitter_seconds=settings.REALTIME_HOLD_JITTER_SECONDS,
        max_polls_per_user=settings.REALTIME_MAX_POLLS_PER_USER,
        sse_heartbeat_seconds=settings.REALTIME_SSE_HEARTBEAT_SECONDS,
        confirm_every_seconds=settings.REALTIME_CONFIRM_SECONDS,
        operator_token=settings.OPERATOR_TOKEN,
    )


application = build_application()
