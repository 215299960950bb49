"""The email digest's tasks: beat checks who is due, workers mail them a chunk of users each (web/digest)."""

from tasks.celery import app
from web.digest.sending import chunks_due, send_chunk


@app.task(ignore_result=True)
def send_digests() -> int:
    """Beat, every DIGEST_CHECK_SECONDS: one task per chunk of users whose slot has come, run in parallel by
    the workers; the number of chunks (0, and quiet in the log, when no one is due)."""
    chunks = chunks_due()
    for user_ids in chunks:
        send_digest_chunk.delay(user_ids)
    return len(chunks)


@app.task(ignore_result=True)
def send_digest_chunk(user_ids: list[int]) -> None:
    send_chunk(user_ids)
