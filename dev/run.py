"""``python -m dev run``: all of Beacon, with demo data, in one command.

Makes the services available (dev.stack), migrates, loads the demo
data, then runs every Procfile process under honcho on free ports, and prints
where to go once the site answers. Ctrl-C, SIGTERM (a supervisor) or SIGHUP
(a closed terminal) stops the processes, then the servers this command
started; ``--keep-services`` leaves those running for the next run to reuse.
"""

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from . import kafka, ports, procs
from .mail import KeepingHandler, MailServer
from .stack import ensure_stack, stop_stack

REPO_ROOT = Path(__file__).resolve().parents[1]
# Where the mail Beacon sends in development lands (also shown at /dev/mail/).
MAIL_DIR = REPO_ROOT / "var" / "mail"
# What a command typed in another terminal needs to act on this run's Beacon.
SHARED_SETTINGS = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SITE_URL", "EMAIL_BACKEND", "EMAIL_HOST",
                   "EMAIL_PORT", "DEV_MAIL_DIR")
# Honcho's processes start in a couple of seconds; past this something is wrong.
SITE_READY_TIMEOUT_SECONDS = 60


# Every process of a run carries this in its environment, naming the run's
# var dir, so the next run can find the processes of one that was killed.
RUN_MARKER = "BEACON_RUN_VAR_DIR"
# Signals that mean "stop everything", as Ctrl-C does.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Honcho asks its processes to stop and waits this long before killing them.
HONCHO_STOP_SECONDS = 20


# Once the log has said something after the banner and then nothing for this long, the banner is printed
# again, so that the address is what the terminal shows last.
BANNER_AGAIN_AFTER_QUIET_SECONDS = 120.0


class _StopRequested(Exception):
    pass


class BannerKeeper:
    """When to print the banner again: the log spoke since it was printed, then fell quiet for a while.
    An idle run (beat's sweeps say nothing when they do nothing) keeps it at the bottom without repeating it."""

    def __init__(self, quiet_seconds: float = BANNER_AGAIN_AFTER_QUIET_SECONDS):
        self.quiet_seconds = quiet_seconds
        self.banner: str | None = None
        self.last_said = 0.0
        self.spoke_since = False

    def shown(self, banner: str, now: float) -> None:
        self.banner, self.last_said, self.spoke_since = banner, now, False

    def said(self, now: float) -> None:
        self.last_said, self.spoke_since = now, True

    def due(self, now: float) -> bool:
        return self.banner is not None and self.spoke_since and now - self.last_said >= self.quiet_seconds


def _raise_stop(signum, frame):
    raise _StopRequested(signal.Signals(signum).name)


def run(var_dir: Path, configured: dict[str, str], *, keep_services: bool) -> int:
    var_dir = var_dir.resolve()
    stop_leftovers(var_dir)
    for sig in STOP_SIGNALS:
        signal.signal(sig, _raise_stop)
    try:
        return _run(var_dir, configured, keep_services=keep_services)
    except _StopRequested as stop:
        _say(f"{stop}: stopped before Beacon was up")
        return 1


def _run(var_dir: Path, configured: dict[str, str], *, keep_services: bool) -> int:
    try:
        endpoints = ensure_stack(var_dir, **configured, log=_say)
    except _StopRequested:
        if not keep_services:
            stop_stack(var_dir, log=_say)
        raise
    env = dict(os.environ)
    env[RUN_MARKER] = str(var_dir)
    env.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    env.update(
        DATABASE_URL=endpoints["postgres"].url,
        REDIS_URL=endpoints["redis"].url,
        KAFKA_BOOTSTRAP_SERVERS=endpoints["kafka"].url,
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        PYTHONUNBUFFERED="1",
    )
    if endpoints["kafka"].owned:
        env.update(kafka.CLIENT_SETTINGS)
    site_port = ports.choose_port("site", [int(env.get("BEACON_PORT", "8000"))], _say)
    env.update(
        BEACON_PORT=str(site_port),
        WEB_PORT=str(ports.choose_port("web", [int(env.get("WEB_PORT", "8001"))], _say)),
        REALTIME_PORT=str(ports.choose_port("realtime", [int(env.get("REALTIME_PORT", "8002"))], _say)),
    )
    site = f"http://127.0.0.1:{site_port}"
    env.setdefault("SITE_URL", site)
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    # Mail goes to a server of this process that delivers nowhere and keeps
    # each message in MAIL_DIR, unless the environment names a real one.
    mail_server = None
    mail_dir = Path(env.get("DEV_MAIL_DIR", MAIL_DIR)).resolve()
    if "EMAIL_HOST" not in env:
        mail_server = MailServer(KeepingHandler(mail_dir),
                                 port=ports.choose_port("mail", [int(env.get("MAIL_PORT", "8025"))], _say)).start()
        env.update(EMAIL_BACKEND="web.digest.dkim_signing.SigningEmailBackend", EMAIL_HOST="127.0.0.1",
                   EMAIL_PORT=str(mail_server.port), DEV_MAIL_DIR=str(mail_dir))
    # The same settings for commands typed in another terminal: `. var/devstack/run.env`.
    env_file = var_dir / "run.env"
    env_file.write_text("".join(f"export {name}={shlex.quote(env[name])}\n" for name in sorted(env)
                                if name in SHARED_SETTINGS or name.startswith("KAFKA_")))
    try:
        manage = [sys.executable, str(REPO_ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True)
        demo = subprocess.run([*manage, "load_demo"], cwd=REPO_ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout
        _say(demo.rstrip())
        # Honcho in a session of its own: a terminal's Ctrl-C or hang-up reaches
        # only this process, which stops honcho (and so every process) in order
        # and then the servers, whatever the signal was.
        # Its output comes through this process, which knows when the log last spoke (BannerKeeper).
        honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", "Procfile"], cwd=REPO_ROOT, env=env,
                                  start_new_session=True, stdout=subprocess.PIPE)
        mail_note = (f"Mail it sends: {site}/dev/mail/ (log in as alice, staff; files in {_shown(mail_dir)}/)"
                     if mail_server else f"Mail goes to {env['EMAIL_HOST']}")
        keeper = BannerKeeper()
        threading.Thread(target=_relay, args=(honcho, keeper), daemon=True).start()
        threading.Thread(target=_announce_when_ready, args=(site, honcho, demo, mail_note, keeper),
                         daemon=True).start()
        try:
            return honcho.wait()
        except _StopRequested as stop:
            _say(f"{stop}: stopping Beacon's processes")
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
            honcho.send_signal(signal.SIGTERM)
            try:
                honcho.wait(timeout=HONCHO_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait()
            return 0  # stopped as asked: not a failure (make would report one)
    finally:
        env_file.unlink(missing_ok=True)
        if mail_server is not None:
            mail_server.stop()
        if not keep_services:
            stop_stack(var_dir, log=_say)


def stop_leftovers(var_dir: Path) -> None:
    """Stop the Procfile processes of an earlier run on this var dir that was killed.

    Killing ``make run`` outright leaves honcho's children running, holding
    ports and consuming Kafka; they are found by their marker, never by name.
    """
    marker = f"{RUN_MARKER}={var_dir}".encode()
    leftovers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in environ:
            leftovers.append(int(entry.name))
    if not leftovers:
        return
    _say(f"stopping {len(leftovers)} processes left running by an earlier run that was killed")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        if procs.wait_until(lambda: not any(procs.is_alive(pid) for pid in leftovers), timeout=10):
            return


_OUTPUT = threading.Lock()  # (a banner is never cut into by a line of the log)


def _relay(honcho: subprocess.Popen, keeper: BannerKeeper) -> None:
    """Honcho's lines to our stdout as they come, noting when the log last spoke."""
    out = sys.stdout.buffer
    for line in honcho.stdout:
        with _OUTPUT:
            out.write(line)
            out.flush()
            keeper.said(time.monotonic())


def _keep_banner(banner: str, honcho: subprocess.Popen, keeper: BannerKeeper) -> None:
    while honcho.poll() is None:
        time.sleep(1)
        with _OUTPUT:
            if keeper.due(time.monotonic()):
                _say(banner)
                keeper.shown(banner, time.monotonic())


def _announce_when_ready(site: str, honcho: subprocess.Popen, demo: str, mail_note: str,
                         keeper: BannerKeeper) -> None:
    """Print where to go, once the site answers, with the demo log-ins load_demo reported; again whenever
    the log has scrolled it away and fallen quiet (BannerKeeper)."""
    deadline = time.monotonic() + SITE_READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and honcho.poll() is None:
        try:
            with urllib.request.urlopen(site + "/accounts/login/", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        if honcho.poll() is None:
            _say(f"Beacon did not answer at {site} within {SITE_READY_TIMEOUT_SECONDS} s; see the log above.")
        return
    lines = [f"Beacon is running at {site}/", "Demo log-ins (user / password):"]
    lines += [f"  {line.split(': ', 1)[1]}" for line in demo.splitlines() if line.startswith("demo login: ")]
    lines += [line.replace("demo group: ", "Shared group: ") for line in demo.splitlines()
              if line.startswith("demo group: ")]
    lines.append(mail_note)
    lines.append("Ctrl-C stops everything.")
    rule = "  " + "─" * 60
    banner = "\n".join(["", rule, *(f"  │ {line}" for line in lines), rule, ""])
    with _OUTPUT:
        _say(banner)
        keeper.shown(banner, time.monotonic())
    _keep_banner(banner, honcho, keeper)


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _say(message: str) -> None:
    print(message, flush=True)
