"""The pipeline bench's load generator: users acting, through Beacon's action functions.

``python -m bench.pipeline_load``, spoken to in JSON lines (bench/proc.py).
Run with the bench's environment: it is a web process as far as Beacon
knows (Django set up, the action's transaction, the outbox row, the relay
asked after commit through Celery's broker).

``{"cmd": "run", "start": T, "plan": [[offset, actor_id, graph_id], ...], "tag": s, "out": path}``
runs each action at ``T + offset`` (wall clock; an action due while an earlier
one still runs starts as soon as it is done) and writes one record per
action to ``out``: its action id, the recipients its events name, ``t0``
taken right before the call and ``t1`` right after it returned (commit and
the relay's after-commit request included), and when it was due.

The action is ``web.graphs.actions.update_graph`` (a new description) on a
graph already shared with a group: cheap to run, so the generator's own CPU
stays small beside the pipeline's, and it tells the owner and every member.
The events an action records are seen by wrapping ``web.outbox.outbox.record``
(the call is passed on unchanged): that is where the action ids come from.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import close_old_connections

from bench.proc import reply
from web.graphs.actions import update_graph
from web.outbox import outbox

_captured = []
_record = outbox.record


def _recording(*events):
    _captured.extend(events)
    return _record(*events)


outbox.record = _recording
User = get_user_model()
_actors = {}


def actor(user_id):
    user = _actors.get(user_id)
    if user is None:
        user = _actors[user_id] = User.objects.get(pk=user_id)
    return user


def run(cmd):
    plan, start, tag = cmd["plan"], cmd["start"], cmd["tag"]
    for _, actor_id, _ in plan:  # looked up before the clock starts
        actor(actor_id)
    close_old_connections()
    records, errors = [], []
    for i, (offset, actor_id, graph_id) in enumerate(plan):
        due = start + offset
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        _captured.clear()
        t0 = time.time()
        try:
            update_graph(actor(actor_id), graph_id, description=f"{tag} #{i} at {t0:.6f}")
        except Exception as exc:  # counted and reported: an action that failed told nobody
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        t1 = time.time()
        action_ids = {e.action_id for e in _captured}
        records.append({"a": action_ids.pop() if len(action_ids) == 1 else sorted(action_ids), "t0": t0, "t1": t1,
                        "due": due, "graph": graph_id, "events": len(_captured),
                        "users": sorted({r["user"] for e in _captured for r in e.recipients})})
    with open(cmd["out"], "w") as f:
        json.dump(records, f)
    return {"actions": len(records), "errors": len(errors), "first_errors": errors[:3]}


def main():
    reply({"ready": os.getpid()})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "stop":
            break
        if cmd["cmd"] == "run":
            reply({"done": run(cmd)})


if __name__ == "__main__":
    main()
