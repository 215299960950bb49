"""What a benchmark says as it runs: one line at a time, stamped with the time of day."""

import time


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
