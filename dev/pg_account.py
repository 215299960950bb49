"""The system account our PostgreSQL runs as when devstack itself runs as root.

This is the one root-only step in devstack. PostgreSQL refuses to run as root, so
as root we:

* create the system user ``beacon-postgres`` if missing
  (``useradd --system --no-create-home --shell /usr/sbin/nologin``);
* give it ``var_dir/postgres`` (chown);
* add o+x to each ancestor directory of the PostgreSQL binaries and of the data dir
  that it could not traverse otherwise, logging every directory changed;
* run initdb and pg_ctl as that user.

As any other user nothing of this happens: PostgreSQL runs as the current user.
"""

import os
import pwd
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import DevstackError

USER = "beacon-postgres"


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int

    def subprocess_kwargs(self) -> dict:
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def _lookup() -> Account | None:
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        return None
    return Account(USER, entry.pw_uid, entry.pw_gid)


def server_account(log: Callable[[str], None], *, create: bool = True) -> Account | None:
    """The account to run PostgreSQL as, or None to run it as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    account = _lookup()
    if account or not create:
        return account
    result = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
        capture_output=True,
        text=True,
    )
    account = _lookup()  # a concurrent devstack may have created it first
    if account is None:
        raise DevstackError(
            f"postgres: PostgreSQL refuses to run as root and creating the system user {USER} failed: "
            f"{result.stderr.strip() or result.returncode}"
        )
    if result.returncode == 0:
        log(f"postgres: created system user {USER} to run PostgreSQL (it refuses to run as root)")
    return account


def hand_over(path: Path, account: Account) -> None:
    for root, dirs, files in os.walk(path):
        for name in [".", *dirs, *files]:
            entry = Path(root, name)
            if entry.lstat().st_uid != account.uid:
                os.lchown(entry, account.uid, account.gid)


def make_traversable(targets: list[Path], account: Account, log: Callable[[str], None]) -> None:
    seen: set[Path] = set()
    for target in targets:
        for directory in [target, *target.parents]:
            if directory in seen:
                continue
            seen.add(directory)
            info = directory.stat()
            if info.st_uid == account.uid:
                continue
            needed = stat.S_IXGRP if info.st_gid == account.gid else stat.S_IXOTH
            if info.st_mode & needed:
                continue
            os.chmod(directory, stat.S_IMODE(info.st_mode) | needed)
            which = "g+x" if needed == stat.S_IXGRP else "o+x"
            log(f"postgres: added {which} to {directory} so {USER} can reach the PostgreSQL binaries and data")
