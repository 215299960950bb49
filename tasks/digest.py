"""The email digest's tasks: beat starts a run, workers mail it a chunk of users each (web/digest)."""

from tasks.celery import app
from web.digest.sending import chunks_due, send_chunk


@app.task(ignore_result=True)
def send_digests() -> int:
    """Beat, every DIGEST_INTERVAL_MINUTES: one task per chunk of users due, run in parallel by the workers."""
    chunks = chunks_due()
    for user_ids in chunks:
        send_digest_chunk.delay(user_ids)
    return len(chunks)


@app.task(ignore_result=True)
def send_digest_chunk(user_ids: list[int]) -> None:
    send_chunk(user_ids)
