"""Bench users, each with an API token and a session, in bulk (python -m bench.seed N FIRST_ID OUT.json).

Run with the bench database's environment (DATABASE_URL). Every user gets a
``notifications_userstream`` row at 0, so cursors start at 0.
"""

import binascii
import json
import os
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from bench.api_keys import new_key, store_keys
from web.notifications.models import UserStream

BATCH = 5000


def main():
    n, first_id, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    User = get_user_model()
    password = make_password("bench-password")  # one hash for all: no per-user PBKDF2
    auth_hash = User(pk=first_id, password=password).get_session_auth_hash()
    backend = "django.contrib.auth.backends.ModelBackend"
    store = SessionStore()
    expire = timezone.now() + timedelta(days=2)
    rows = []
    with transaction.atomic():
        for start in range(0, n, BATCH):
            ids = range(first_id + start, first_id + min(n, start + BATCH))
            User.objects.bulk_create([User(pk=i, username=f"bench{i}", password=password) for i in ids])
            UserStream.objects.bulk_create([UserStream(user_id=i, last_seq=0, unread=0) for i in ids])
            keys = {i: new_key() for i in ids}
            store_keys(keys)
            sessions = [
                Session(session_key=binascii.hexlify(os.urandom(16)).decode(), expire_date=expire,
                        session_data=store.encode({"_auth_user_id": str(i), "_auth_user_backend": backend,
                                                   "_auth_user_hash": auth_hash}))
                for i in ids
            ]
            Session.objects.bulk_create(sessions)
            rows += [[i, keys[i], s.session_key] for i, s in zip(ids, sessions, strict=True)]
    with open(out, "w") as f:
        json.dump(rows, f)
    print(f"{len(rows)} bench users", file=sys.stderr)


if __name__ == "__main__":
    main()
