"""Waiting on a condition with a deadline: the only way tests wait."""

import time


class TimedOut(AssertionError):
    pass


def wait_for(condition, *, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Return the first truthy value of ``condition()``, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise TimedOut(f"{message} not met within {timeout:.0f}s (last value: {last!r})")
        time.sleep(interval)
