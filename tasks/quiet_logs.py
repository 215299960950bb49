"""Beat's sweeps, said only when they did something.

Beat sends the outbox relay and re-send every 5 s, the snooze check as
often and the digest check every minute: three INFO lines each (beat's
"Sending due task", the worker's "received" and "succeeded"), over a
hundred a minute while nothing happens, and the run log's address scrolls
away. A sweep's lines are dropped when it
did nothing (it answered 0 or None); one that sent, re-sent or woke
something is logged as every task is, and a failure always is.
"""

import logging

# The tasks beat sends every few seconds that do nothing most of the time.
SWEEPS = frozenset({"tasks.outbox.relay_outbox", "tasks.outbox.redeliver_outbox", "tasks.inbox.wake_snoozed",
                    "tasks.digest.send_digests"})
# What a sweep that did nothing answers, as Celery logs it (the repr of its return value).
NOTHING = frozenset({"0", "None"})


class QuietSweeps(logging.Filter):
    """Drops the sending, receipt and success of a sweep that did nothing; lets every other record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "celery.beat":  # "Scheduler: Sending due task %s (%s)", (entry name, task name)
            return not (isinstance(args, tuple) and len(args) == 2 and args[1] in SWEEPS)
        if record.name == "celery.worker.strategy":  # "Task %(name)s[%(id)s] received"
            return not (isinstance(args, dict) and args.get("name") in SWEEPS)
        if record.name == "celery.app.trace" and record.levelno <= logging.INFO:  # succeeded, its result's repr
            return not (isinstance(args, dict) and args.get("name") in SWEEPS and args.get("return_value") in NOTHING)
        return True


def quiet_sweeps(logger: logging.Logger) -> None:
    """Put the filter on ``logger``'s handlers (where Celery's records of every logger end up)."""
    for handler in logger.handlers:
        if not any(isinstance(f, QuietSweeps) for f in handler.filters):
            handler.addFilter(QuietSweeps())
