"""Advisory file locks, so that two processes never read-modify-write the same file at once.

A lock is ``fcntl.flock`` on a small lock file beside what it protects (the lock file itself
is never removed: removing it would let a third process lock a new file while the second still
holds the old one). The kernel releases the lock when its holder exits, even on a crash, so a
stale lock cannot block forever. Waiting is bounded: after ``timeout`` seconds a
:class:`LockTimeout` says who to wait for.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from incidents.errors import IncidentsError

#: Seconds a writer waits for another one before giving up.
DEFAULT_TIMEOUT = 60.0
_POLL = 0.1


class LockTimeout(IncidentsError):
    """Another process held the lock for longer than the caller would wait."""


class UnsafeLockFile(IncidentsError):
    """The lock file is a symbolic link or not a regular file: opening it could create or
    lock a file elsewhere."""


def open_no_follow(path: Path, flags: int, what: str) -> int:
    """``os.open(path, flags | O_NOFOLLOW)``, refusing a symbolic link or anything but a
    regular file with :class:`UnsafeLockFile` naming ``what`` and the fix."""
    try:
        descriptor = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise UnsafeLockFile(f"{path} ({what}) is a symbolic link: it is never followed. "
                                 f"Fix: remove {path} and run again") from None
        raise
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UnsafeLockFile(f"{path} ({what}) is not a regular file. Fix: remove {path} "
                             "and run again")
    return descriptor


def lock_path_for(path: Path) -> Path:
    """The lock file that guards ``path``: ``.NAME.lock`` in the same folder."""
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def exclusive(lock_file: Path, what: str, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created when absent) for the ``with`` block.

    Waits up to ``timeout`` seconds (default :data:`DEFAULT_TIMEOUT`) for another holder,
    printing once that it waits; then raises :class:`LockTimeout` naming ``what`` (e.g. "the
    incident file data/incidents.csv").
    """
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    descriptor = open_no_follow(lock_file, os.O_RDWR | os.O_CREAT, f"the lock of {what}")
    try:
        deadline = time.monotonic() + timeout
        said = False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"{what} is being written by another process (lock {lock_file} held for "
                    f"over {timeout:.0f} s). Fix: wait for the other run to end and try again")
            if not said:
                print(f"waiting for another process writing {what} ...", flush=True)
                said = True
            time.sleep(_POLL)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
