"""Fault drills: Beacon's processes on servers of their own, a burst of actions while one part fails.

A drill runs the real processes (web, realtime, consumer, worker, beat) on a
Redis and a Kafka broker it started itself, so it may kill them, and on the
configured PostgreSQL, whose connections it may cut. Bob uploads graphs into
a group through the JSON API, as a program would (with an Idempotency-Key,
retrying a request that got no answer); Alice follows her notifications with
a long-poll client. One part fails in the middle of the burst. Then the drill
waits, with a deadline, for Alice's notifications and tells what users saw:
each notification stored once, counts equal to unread rows, every event seen
by the long-poll client once and in order, and no 5xx.

The tests (tests/e2e/test_fault_drills.py) run each drill on a small burst;
``python -m bench drills`` runs them at 300 actions and writes RELIABILITY.md.
"""

import contextlib
import http.client
import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dev.run import RUN_MARKER, stop_leftovers
from tests.support.operator import operator_headers
from tests.support.proxy import Proxy
from tests.support.stack import ProcfileStack, free_port
from tests.support.waiting import TimedOut, wait_for

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ["web", "realtime", "consumer", "worker", "beat"]
# Every connection a drill's processes make to PostgreSQL carries this name
# and the stack's own run id, so cutting them cuts no one else's (a test
# run's own, another test worker's or run's drill stack on the same server).
APPLICATION_NAME = "beacon-drill"
A_GRAPH = {"elements": {"nodes": [{"data": {"id": "a"}}, {"data": {"id": "b"}}],
                        "edges": [{"data": {"id": "ab", "source": "a", "target": "b"}}]}}


@dataclass(frozen=True)
class DrillSettings:
    """How a drill runs; the timing settings are Beacon's own, passed to its processes."""

    actions: int = 30
    actions_per_second: float = 15.0
    kafka_down_seconds: float = 30.0
    beat_down_seconds: float = 120.0
    postgres_down_seconds: float = 10.0
    # The slow broker: this much delay each way, for this long.
    broker_delay_seconds: float = 0.5
    broker_slow_seconds: float = 30.0
    # Beacon's settings under test (README "When things fail" gives their defaults' bounds).
    redeliver_after_seconds: float = 30.0
    visibility_timeout_seconds: float = 60.0
    relay_interval_seconds: float = 5.0
    # How long after the burst everything must be there.
    deadline_seconds: float = 240.0

    def environment(self) -> dict[str, str]:
        return {
            "OUTBOX_REDELIVER_AFTER_SECONDS": str(self.redeliver_after_seconds),
            "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(self.visibility_timeout_seconds),
            "OUTBOX_RELAY_INTERVAL_SECONDS": str(self.relay_interval_seconds),
        }


class OwnServer:
    """A Redis or Kafka server of the drill's own (dev's), which it may kill and start again."""

    def __init__(self, service, directory: Path, *, url_port: int | None = None, **start_options):
        self._service = service
        self._dir = directory
        self.port = free_port()
        # Where clients reach it: its own port, or a proxy's in front (then Kafka advertises the proxy's).
        self.url = service.our_url("redis://127.0.0.1/0" if service.NAME == "redis" else "", url_port or self.port)
        self._start_options = start_options
        self.pid: int | None = None

    def start(self) -> None:
        from dev import state

        self._dir.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        self.pid = self._service.start(self._dir, self.port, lambda line: None, **self._start_options)
        state.write(self._dir, pid=self.pid, port=self.port, url=self.url)
        wait_for(lambda: self._service.answers(self.url), timeout=30, interval=0.1,
                 message=f"our {self._service.NAME} answering at {self.url}")

    def kill(self) -> None:
        from dev import procs

        if self.pid and procs.is_alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
            wait_for(lambda: not procs.is_alive(self.pid), timeout=10, message=f"{self._service.NAME} gone")

    def _stop_leftover(self) -> None:
        """A server an earlier drill run left (it was killed before it could stop its own)."""
        from dev import procs, state

        record = state.read(self._dir)
        if record and record.get("pid") != self.pid and procs.is_alive(record.get("pid")) and \
                self._service.is_ours(record["pid"], self._dir, record.get("port")):
            os.kill(record["pid"], signal.SIGKILL)
        state.clear(self._dir)

    def forget_everything(self) -> None:
        self._stop_leftover()
        if self._dir.is_dir():
            self.wipe()

    def wipe(self) -> None:
        """Forget everything it kept on disk (Redis's append-only file): it comes back empty."""
        for entry in self._dir.iterdir():
            if entry.name not in ("server.log", "state.json"):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


class DrillStack:
    """Beacon's processes on the drill's own Redis and Kafka and the given database."""

    def __init__(self, database_url: str, var_dir: Path, settings: DrillSettings):
        from dev import kafka, redis

        self.settings = settings
        self.var_dir = var_dir
        self.redis = OwnServer(redis, var_dir / "redis")
        # Kafka and PostgreSQL are reached through proxies of the drill's own, which can slow them or
        # cut them off; the drill itself reaches PostgreSQL directly.
        kafka_proxy_port = free_port()
        self.kafka = OwnServer(kafka, var_dir / "kafka", url_port=kafka_proxy_port,
                               advertised_port=kafka_proxy_port)
        self.kafka_proxy = Proxy(("127.0.0.1", self.kafka.port), kafka_proxy_port)
        parts = urlsplit(database_url)
        self.postgres_proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432), free_port())
        self.web_port, self.realtime_port = free_port(), free_port()
        run = uuid.uuid4().hex[:8]
        self.application_name = f"{APPLICATION_NAME}-{run}"
        query = "&".join(filter(None, [parts.query, f"application_name={self.application_name}"]))
        credentials = parts.netloc.rpartition("@")[0]
        proxied = f"{credentials + '@' if credentials else ''}127.0.0.1:{self.postgres_proxy.port}"
        self.env = {
            **os.environ,
            **kafka.CLIENT_SETTINGS,
            **settings.environment(),
            "DATABASE_URL": urlunsplit(parts._replace(netloc=proxied, query=query)),
            "REDIS_URL": self.redis.url,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka.url,
            "KAFKA_TOPIC_PREFIX": f"drill-{run}.",
            "KAFKA_CONSUMER_GROUP": f"drill-{run}",
            "WEB_PORT": str(self.web_port),
            "REALTIME_PORT": str(self.realtime_port),
            "CELERY_BEAT_SCHEDULE_FILE": str(var_dir / "celerybeat-schedule"),
            # Marks every process of this stack, so the next one on this var dir can stop what a
            # killed run left behind (dev.run.stop_leftovers): left running, they would
            # relay this database's outbox to their own, dead, Kafka.
            RUN_MARKER: str(var_dir.resolve()),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.processes = ProcfileStack(PROCESSES, self.env, var_dir / "logs")

    def start(self) -> None:
        stop_leftovers(self.var_dir.resolve())
        # A Redis kept from an earlier run on this var dir (its append-only file) would answer
        # polls with that run's cached events: user ids start again in a database made anew.
        self.redis.forget_everything()
        self.redis.start()
        self.kafka_proxy.start()
        self.postgres_proxy.start()
        self.kafka.start()
        self.processes.start()
        self.wait_until_ready()

    def wait_until_ready(self, timeout: float = 90) -> None:
        wait_for(lambda: _answers(self.web_port, "/accounts/login/"), timeout=timeout, message="web answering")
        wait_for(lambda: _answers(self.realtime_port, "/realtime/healthz"), timeout=timeout,
                 message="realtime answering")
        self.processes.wait_for_log("worker", "ready.", timeout=timeout)
        self.processes.wait_for_log("consumer", "partitions assigned", timeout=timeout)

    def restart(self, name: str) -> None:
        self.processes.start_one(name)

    def heal(self) -> None:
        """Start whatever a failed drill left stopped, so the next one starts whole."""
        from dev import procs

        self.kafka_proxy.delay = 0
        for server in (self.redis, self.kafka):
            if not procs.is_alive(server.pid):
                server.start()
        for name in PROCESSES:
            if not self.processes.running(name):
                self.processes.start_one(name)
        self.wait_until_ready()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.processes.stop()
        self.kafka.kill()
        self.redis.kill()
        self.kafka_proxy.stop()
        self.postgres_proxy.stop()

    # What the drill's Redis says about Celery's queue.

    def tasks_taken_unacknowledged(self) -> int:
        return self._redis(lambda client: client.hlen("unacked"))

    def queued_tasks(self) -> int:
        return self._redis(lambda client: client.llen("celery"))

    def _redis(self, ask):
        import redis

        client = redis.Redis.from_url(self.redis.url)
        try:
            return ask(client)
        finally:
            client.close()


def _answers(port: int, path: str) -> bool:
    try:
        status, _, _ = request(port, "GET", path, timeout=2)
    except OSError:
        return False
    return status == 200


def request(port: int, method: str, path: str, *, body: dict | None = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})} if payload else dict(headers or {})
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# The people of a drill.


@dataclass
class Person:
    user: object
    token: str

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Token {self.token}"}


def person(name: str) -> Person:
    from django.contrib.auth import get_user_model

    from tests.support.tokens import new_key

    user = get_user_model().objects.create_user(username=f"{name}-{uuid.uuid4().hex[:6]}", password=name)
    return Person(user, new_key(user))


@dataclass
class Requests:
    """Every answer a client got, by status; answers that never came are counted apart."""

    statuses: dict[int, int] = field(default_factory=dict)
    no_answer: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def got(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def missed(self) -> None:
        with self.lock:
            self.no_answer += 1

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def api(port: int, who: Person, method: str, path: str, body: dict | None, log: Requests, *,
        retry_for: float = 120) -> tuple[int, dict]:
    """A program's request: retried with the same Idempotency-Key until it gets an answer that is not a 5xx."""
    key = uuid.uuid4().hex
    deadline = time.monotonic() + retry_for
    delay = 0.2
    while True:
        try:
            status, _, raw = request(port, method, path, body=body, headers={**who.auth, "Idempotency-Key": key})
        except OSError:
            log.missed()
        else:
            log.got(status)
            if status < 500:
                return status, json.loads(raw) if raw else {}
        if time.monotonic() > deadline:
            raise TimedOut(f"{method} {path} got no answer but errors for {retry_for:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 5)


class LongPoller(threading.Thread):
    """A browser's long-poll loop for one person: resumes from its cursor after any failure."""

    def __init__(self, port: int, who: Person, *, hold_seconds: float = 5):
        super().__init__(daemon=True)
        self._port = port
        self._who = who
        self._hold = hold_seconds
        self._stopping = threading.Event()
        self.requests = Requests()
        self.created: list[int] = []  # notification ids, in the order seen
        self.seqs: list[int] = []
        self.resets = 0
        self.out_of_order = 0
        self.cursor: int | None = None

    def run(self) -> None:
        delay = 0.1
        while not self._stopping.is_set():
            path = "/realtime/poll" + (f"?cursor={self.cursor}&timeout={self._hold}" if self.cursor is not None
                                       else "")
            try:
                status, _, raw = request(self._port, "GET", path, headers=self._who.auth, timeout=self._hold + 30)
            except OSError:
                self.requests.missed()
                self._stopping.wait(delay)
                delay = min(delay * 2, 2)
                continue
            self.requests.got(status)
            if status != 200:
                self._stopping.wait(delay)
                delay = min(delay * 2, 2)
                continue
            delay = 0.1
            self._take(json.loads(raw))

    def _take(self, answer: dict) -> None:
        if answer.get("reset"):
            self.resets += 1
        for event in answer.get("events", []):
            if self.seqs and event["seq"] != self.seqs[-1] + 1:
                self.out_of_order += 1
            self.seqs.append(event["seq"])
            if event["type"] == "notification.created":
                self.created.append(event["notification"]["id"])
        self.cursor = answer["cursor"]

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=60)


# Faults: each is called once, when a third of the burst is done, and returns
# only when what it broke is running again (or has been told to start).

Fault = Callable[[DrillStack, DrillSettings], None]


def kill_consumer(stack: DrillStack, settings: DrillSettings) -> None:
    stack.processes.kill("consumer")
    time.sleep(5)  # down for a while, as a crashed process under a supervisor would be
    stack.restart("consumer")


def kill_worker_holding_a_task(stack: DrillStack, settings: DrillSettings) -> None:
    # Only a kill that catches a task taken and not yet acknowledged tests the queue's redelivery.
    wait_for(lambda: stack.tasks_taken_unacknowledged() > 0, timeout=30, interval=0.01,
             message="the worker holding a delivery task")
    stack.processes.kill("worker")
    stack.restart("worker")


def kill_kafka(stack: DrillStack, settings: DrillSettings) -> None:
    stack.kafka.kill()
    time.sleep(settings.kafka_down_seconds)
    stack.kafka.start()


def kill_kafka_while_the_consumer_is_behind(stack: DrillStack, settings: DrillSettings) -> None:
    # The consumer stopped (not killed) while events pile up in Kafka, which then loses them all.
    os.killpg(stack.processes.procs["consumer"].pid, signal.SIGSTOP)
    time.sleep(3)
    stack.kafka.kill()
    time.sleep(settings.kafka_down_seconds)
    stack.kafka.start()
    os.killpg(stack.processes.procs["consumer"].pid, signal.SIGCONT)


def kill_redis_and_lose_its_data(stack: DrillStack, settings: DrillSettings) -> None:
    # The worker paused so that Celery's queue surely holds delivery tasks when Redis dies with them.
    worker = stack.processes.procs["worker"].pid
    os.killpg(worker, signal.SIGSTOP)
    try:
        wait_for(lambda: stack.queued_tasks() > 0, timeout=30, interval=0.05, message="tasks in Celery's queue")
        stack.redis.kill()
        stack.redis.wipe()
        time.sleep(3)
        stack.redis.start()
    finally:
        os.killpg(worker, signal.SIGCONT)


def stop_realtime(stack: DrillStack, settings: DrillSettings) -> None:
    stack.processes.kill("realtime", signal.SIGTERM)
    stack.restart("realtime")


def kill_realtime(stack: DrillStack, settings: DrillSettings) -> None:
    stack.processes.kill("realtime", signal.SIGKILL)
    stack.restart("realtime")


def stop_beat(stack: DrillStack, settings: DrillSettings) -> None:
    # Nothing but beat relays what an action's own relay request could not, nor sends again what was lost.
    stack.processes.kill("beat", signal.SIGKILL)
    time.sleep(settings.beat_down_seconds)
    stack.restart("beat")


def slow_broker(stack: DrillStack, settings: DrillSettings) -> None:
    stack.kafka_proxy.delay = settings.broker_delay_seconds
    time.sleep(settings.broker_slow_seconds)
    stack.kafka_proxy.delay = 0


def postgres_down(stack: DrillStack, settings: DrillSettings) -> None:
    # What a restart of the server does to Beacon (which keeps no state in a session: no advisory
    # locks, no LISTEN, no prepared statements): every connection cut, mid-transaction or idle, and
    # new ones refused until it is back. Done at a proxy: the server itself is shared.
    with stack.postgres_proxy.outage():
        time.sleep(settings.postgres_down_seconds)


def cut_database_connections(stack: DrillStack, settings: DrillSettings, *, times: int = 5) -> None:
    from django.db import connection

    try:
        for _ in range(times):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE application_name = %s AND pid <> pg_backend_pid()",
                               [stack.application_name])
            time.sleep(0.5)
    finally:
        connection.close()  # this thread's own connection


# The drill itself.


@dataclass
class DrillResult:
    fault: str
    actions: int
    created: int  # graphs the API answered 201 for
    stored: int  # Alice's notifications of those graphs (group kind)
    owner_stored: int  # Bob's own record of them (owner kind)
    duplicated: int
    counts_wrong: list[str]
    seen_by_poller: int
    poller_missed: int
    poller_twice: int
    poller_out_of_order: int
    poller_resets: int
    api_server_errors: int  # 5xx answers to the API's requests
    poll_server_errors: int  # 5xx answers to long-polls
    no_answer: int  # requests that got no answer at all (connection refused or cut), retried
    slowest_delivery_seconds: float  # from an action's commit to its notifications stored
    seconds_to_all_stored: float  # from the end of the burst
    # From the part's return (or the burst's end, if later) until the last was stored; 0 when none
    # was left to store by then.
    seconds_to_all_stored_after_return: float = 0.0

    @property
    def lost(self) -> int:
        return (self.created - self.stored) + (self.created - self.owner_stored)

    @property
    def server_errors(self) -> int:
        return self.api_server_errors + self.poll_server_errors

    @property
    def clean(self) -> bool:
        return (self.lost == 0 and self.duplicated == 0 and not self.counts_wrong and self.server_errors == 0
                and self.poller_missed == 0 and self.poller_twice == 0 and self.poller_out_of_order == 0
                and self.created == self.actions)


def run_drill(stack: DrillStack, name: str, fault: Fault | None) -> DrillResult:
    from web.notifications.models import Notification

    settings = stack.settings
    web = stack.web_port
    api_log = Requests()
    # given Bob's group with Alice in it, and Alice following her notifications
    bob, alice = person("bob"), person("alice")
    _, lab = api(web, bob, "POST", "/api/v1/groups/", {"name": "Lab"}, api_log)
    api(web, bob, "POST", f"/api/v1/groups/{lab['id']}/members/", {"username": alice.user.username}, api_log)
    wait_for(lambda: Notification.objects.filter(user=alice.user).exists(), timeout=60,
             message="Alice told she was added to the group")
    poller = LongPoller(stack.realtime_port, alice)
    poller.start()
    wait_for(lambda: poller.cursor is not None, timeout=30, message="Alice's long-poll client started")

    # when Bob uploads graphs into the group while the fault happens
    graph_ids: list[int] = []
    fault_thread = None
    fault_failed: list[BaseException] = []
    returned_at: list[float] = []  # when the fault was over (wall clock, to compare with the database's)

    def break_something():
        try:
            fault(stack, settings)
            returned_at.append(time.time())
        except BaseException as exc:  # re-raised in the drill's own thread
            fault_failed.append(exc)

    started = time.monotonic()
    for i in range(settings.actions):
        if fault is not None and fault_thread is None and i >= settings.actions // 3:
            fault_thread = threading.Thread(target=break_something, daemon=True)
            fault_thread.start()
        status, graph = api(web, bob, "POST", "/api/v1/graphs/",
                            {"name": f"{name} {i}", "graph_json": A_GRAPH, "group": lab["id"]}, api_log)
        if status == 201:
            graph_ids.append(graph["id"])
        pause = started + (i + 1) / settings.actions_per_second - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    burst_over_at = time.time()
    if fault_thread is not None:
        fault_thread.join()
        if fault_failed:
            poller.stop()
            raise fault_failed[0]

    # then every notification arrives, once
    told = Notification.objects.filter(user=alice.user, notice__target_type="graph", notice__target_id__in=graph_ids)
    recorded = Notification.objects.filter(user=bob.user, notice__target_type="graph", notice__target_id__in=graph_ids)
    try:
        wait_for(lambda: told.count() >= len(graph_ids) and recorded.count() >= len(graph_ids),
                 timeout=settings.deadline_seconds, interval=0.2,
                 message=f"Alice's {len(graph_ids)} notifications and Bob's records stored")
    except TimedOut:
        pass  # reported as lost below
    slowest_delivery, last_stored_at = _delivery_times(graph_ids)
    notification_ids = set(told.values_list("pk", flat=True))
    with contextlib.suppress(TimedOut):
        wait_for(lambda: notification_ids <= set(poller.created), timeout=60, interval=0.1,
                 message="Alice's long-poll client seeing them all")
    poller.stop()
    seen = [n for n in poller.created if n in notification_ids]
    return DrillResult(
        fault=name,
        actions=settings.actions,
        created=len(graph_ids),
        stored=len(notification_ids),
        owner_stored=recorded.count(),
        duplicated=(len(notification_ids) - len(set(told.values_list("notice__target_id", flat=True)))
                    + recorded.count() - len(set(recorded.values_list("notice__target_id", flat=True)))),
        counts_wrong=[msg for msg in (_count_mismatch(p.user) for p in (alice, bob)) if msg],
        seen_by_poller=len(set(seen)),
        poller_missed=len(notification_ids - set(seen)),
        poller_twice=len(seen) - len(set(seen)),
        poller_out_of_order=poller.out_of_order,
        poller_resets=poller.resets,
        api_server_errors=api_log.server_errors,
        poll_server_errors=poller.requests.server_errors,
        no_answer=api_log.no_answer + poller.requests.no_answer,
        slowest_delivery_seconds=slowest_delivery,
        seconds_to_all_stored=max(0.0, last_stored_at - burst_over_at),
        seconds_to_all_stored_after_return=max(0.0, last_stored_at - max([burst_over_at, *returned_at])),
    )


def _count_mismatch(user) -> str | None:
    from web.notifications.models import Notification, UserStream

    unread_rows = Notification.objects.filter(user=user, read_at__isnull=True).count()
    stream = UserStream.objects.filter(user=user).first()
    count = stream.unread if stream else 0
    return None if count == unread_rows else f"{user.username}: count {count}, unread rows {unread_rows}"


def _delivery_times(graph_ids: list[int]) -> tuple[float, float]:
    """Of these actions' events: the longest time from an action's commit (its outbox row) to its
    notifications stored, and when the last was stored (seconds since the epoch)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(extract(epoch FROM p.processed_at - o.created)), 0),"
            " coalesce(extract(epoch FROM max(p.processed_at)), 0)"
            " FROM outbox_outboxevent o JOIN notifications_processedevent p ON p.event_id = o.id"
            " WHERE (o.payload->>'target_id')::bigint = ANY(%s) AND o.payload->>'target_type' = 'graph'",
            [graph_ids])
        slowest, last = cursor.fetchone()
        return float(slowest), float(last)


DRILLS: dict[str, Fault | None] = {
    "no fault": None,
    "consumer SIGKILLed, restarted 5 s later": kill_consumer,
    "Celery worker SIGKILLed holding a delivery task": kill_worker_holding_a_task,
    "Kafka broker SIGKILLed, down, restarted empty": kill_kafka,
    "the same while the consumer is behind": kill_kafka_while_the_consumer_is_behind,
    "Redis SIGKILLed with tasks queued, restarted empty (AOF removed)": kill_redis_and_lose_its_data,
    "realtime process SIGTERMed, restarted": stop_realtime,
    "realtime process SIGKILLed, restarted": kill_realtime,
    "PostgreSQL connections cut 5 times": cut_database_connections,
    "PostgreSQL down (connections cut, new ones refused), back": postgres_down,
    "Celery beat SIGKILLed, down, restarted": stop_beat,
    "Kafka broker behind a 500 ms delay each way": slow_broker,
}


def abandoned_polls(stack: DrillStack, views: int = 30, seconds: float = 10.0) -> tuple[dict[int, int], int, int]:
    """One person clicking through ``views`` pages in ``seconds``: each page's poll is left when the next loads.

    Returns (statuses of the answers that came before leaving, held polls in the
    realtime process right after the last page, and a second later).
    """
    import socket

    who = person("clicker")
    _, _, raw = request(stack.realtime_port, "GET", "/realtime/poll", headers=who.auth)
    cursor = json.loads(raw)["cursor"]
    statuses: dict[int, int] = {}
    for _ in range(views):
        sock = socket.create_connection(("127.0.0.1", stack.realtime_port))
        sock.sendall(f"GET /realtime/poll?cursor={cursor} HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Token {who.token}\r\n\r\n".encode())
        sock.settimeout(seconds / views)
        try:
            answer = sock.recv(200)
            if answer:
                code = int(answer.split(b" ", 2)[1])
                statuses[code] = statuses.get(code, 0) + 1
        except TimeoutError:
            pass  # still held when the next page loads: the browser drops it
        sock.close()

    def held() -> int:
        health = request(stack.realtime_port, "GET", "/realtime/healthz", headers=operator_headers())[2]
        return json.loads(health)["held_polls"]

    right_after = held()
    time.sleep(1)
    return statuses, right_after, held()
