"""``python -m dev up|down|status|env|run [--var DIR]``

Reads DATABASE_URL, REDIS_URL and KAFKA_BOOTSTRAP_SERVERS (defaults from
settings/defaults.py). ``env`` prints shell ``export`` lines for the endpoints to
use (starting what is missing), with progress on stderr so that
``eval "$(python -m dev env)"`` works. ``run`` is :mod:`dev.run`.
"""

import argparse
import os
import shlex
import sys
from pathlib import Path

from settings import defaults

from . import kafka
from .stack import DevstackError, ensure_stack, stack_status, stop_stack

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VAR_DIR = REPO_ROOT / "var" / "devstack"
ENV_NAMES = {"postgres": "DATABASE_URL", "redis": "REDIS_URL", "kafka": "KAFKA_BOOTSTRAP_SERVERS"}


def _configured() -> dict[str, str]:
    return {
        "database_url": os.environ.get("DATABASE_URL", defaults.DATABASE_URL),
        "redis_url": os.environ.get("REDIS_URL", defaults.REDIS_URL),
        "kafka_bootstrap": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", defaults.KAFKA_BOOTSTRAP_SERVERS),
    }


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev", description=__doc__.split("\n\n")[1])
    parser.add_argument("command", choices=["up", "down", "status", "env", "run"])
    parser.add_argument(
        "--var", type=Path, default=DEFAULT_VAR_DIR, help=f"state directory (default {DEFAULT_VAR_DIR})"
    )
    parser.add_argument("--keep-services", action="store_true", help="run: leave our servers running afterwards")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            ensure_stack(args.var, **_configured(), log=lambda m: print(m, flush=True))
        elif args.command == "env":
            endpoints = ensure_stack(args.var, **_configured(), log=_stderr)
            for name, endpoint in endpoints.items():
                print(f"export {ENV_NAMES[name]}={shlex.quote(endpoint.url)}")
            if endpoints["kafka"].owned:
                for key, value in kafka.CLIENT_SETTINGS.items():
                    print(f"export {key}={shlex.quote(value)}")
        elif args.command == "down":
            if not stop_stack(args.var, log=lambda m: print(m, flush=True)):
                print(f"nothing of ours is running for {args.var}")
        elif args.command == "run":
            from .run import run  # needs the app's dependencies, which the other commands do not

            return run(args.var, _configured(), keep_services=args.keep_services)
        else:
            for line in stack_status(args.var, **_configured()):
                print(line)
    except DevstackError as exc:
        _stderr(f"devstack: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
