"""A helper process spoken to in JSON lines over stdin/stdout (the load client, the publishers, the pipeline's
load generators and collector): the runner's side, :class:`LineProc`, and the helper's, :func:`read_config`
and :func:`reply`."""

import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time


class LineProc:
    def __init__(self, argv, *, cwd, env=None, log_path=None, name="proc"):
        self.name = name
        self._log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self._log, start_new_session=True)
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.p.stdout:
            try:
                self._lines.put(json.loads(raw))
            except ValueError:
                pass
        self._lines.put(None)

    def send(self, obj) -> None:
        self.p.stdin.write((json.dumps(obj) + "\n").encode())
        self.p.stdin.flush()

    def expect(self, key: str, timeout: float) -> dict:
        """The next message that has ``key``; other messages are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no {key!r} within {timeout:.0f}s")
            try:
                msg = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                raise RuntimeError(f"{self.name} exited (code {self.p.poll()}) before {key!r}")
            if key in msg:
                return msg

    def call(self, obj, key: str, timeout: float) -> dict:
        self.send(obj)
        return self.expect(key, timeout)

    def close(self, timeout: float = 20.0) -> None:
        if self.p.poll() is None:
            try:
                self.send({"cmd": "stop"})
            except (BrokenPipeError, OSError):
                pass
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(5)
        if self._log is not subprocess.DEVNULL:
            self._log.close()


def read_config() -> dict:
    """The helper's configuration: the JSON file its runner names as its first argument."""
    with open(sys.argv[1]) as f:
        return json.load(f)


def reply(obj) -> None:
    """A message to the runner: one JSON line on stdout, flushed at once."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def bench_command(name: str, argv) -> str:
    """The command line that started a bench, as its report prints it."""
    return " ".join([f".venv/bin/python -m bench {name}", *map(shlex.quote, argv)])


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop a bench as Ctrl-C does: through its finally blocks, which stop what it started."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit("stopped by a signal"))
