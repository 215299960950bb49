"""Where Beacon looks for its services when the environment says nothing.

Kept apart from the Django settings so that code which must not load Django
(the local service starter in ``dev``, the realtime process) reads the
same defaults.
"""

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/beacon"
REDIS_URL = "redis://127.0.0.1:6379/0"
KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9092"
