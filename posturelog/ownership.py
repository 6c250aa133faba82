"""Ownership of a session directory by a running process.

A process that records (or imports) a session holds an exclusive ``flock`` on
``<session dir>/owner.lock`` for as long as it works on the session. The kernel drops the lock
when the process ends, however it ends (Ctrl-C, crash, ``kill -9``), so another process tells a
live owner from a dead one by trying to take the lock without waiting: it fails only while the
owner is alive. Unlike a pid file this cannot be fooled by pid reuse.

Lock files are removed only by the process holding them. A process that opened a lock file just
before its owner removed it would lock a file that no longer has a name; :func:`OwnerLock.try_acquire`
detects that (the path no longer names the locked inode) and reports the directory as not
available, so two processes never both believe they own the same directory.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import time
from pathlib import Path

__all__ = ["LOCK_NAME", "OwnerLock", "is_owned"]

log = logging.getLogger(__name__)

#: Name of the lock file inside a session directory.
LOCK_NAME = "owner.lock"


class OwnerLock:
    """An exclusive lock on a session directory, held until :meth:`release` or process exit.

    Use :meth:`acquire` (owner, waits briefly) or :meth:`try_acquire` (recovery, never waits).
    """

    def __init__(self, directory: Path, fd: int) -> None:
        self.directory = directory
        self._fd: int | None = fd

    @property
    def path(self) -> Path:
        """The lock file."""
        return self.directory / LOCK_NAME

    @classmethod
    def try_acquire(cls, directory: Path, *, create: bool = True) -> OwnerLock | None:
        """Take the lock if no live process holds it.

        Parameters
        ----------
        directory : Path
            The session directory (created if ``create`` and missing).
        create : bool
            Create the directory and lock file when missing; otherwise a missing lock file
            means "nothing to own" and None is returned.

        Returns
        -------
        OwnerLock or None
            None while another live process holds the lock (or the lock file vanished under us).
        """
        directory = Path(directory)
        path = directory / LOCK_NAME
        flags = os.O_RDWR | os.O_CLOEXEC | (os.O_CREAT if create else 0)
        try:
            if create:
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the previous owner removed the file between our open and our lock
            os.close(fd)
            return None
        return cls(directory, fd)

    @classmethod
    def acquire(cls, directory: Path, *, timeout_s: float = 10.0) -> OwnerLock:
        """Take the lock for a new owner, waiting up to ``timeout_s`` for a brief holder
        (a recovering process looks at the directory for a moment).

        Raises
        ------
        TimeoutError
            If another live process keeps holding the lock.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            lock = cls.try_acquire(directory)
            if lock is not None:
                assert lock._fd is not None
                os.ftruncate(lock._fd, 0)
                os.write(lock._fd, f"{os.getpid()}\n".encode())
                return lock
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{directory}: another running posturelog process owns it")
            time.sleep(0.01)

    @property
    def held(self) -> bool:
        """True until released or closed."""
        return self._fd is not None

    def release(self) -> None:
        """Remove the lock file (and the directory if it is empty), then drop the lock."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
            try:
                self.directory.rmdir()
            except OSError:
                pass  # not empty: leftovers for recovery
        finally:
            self.close()

    def close(self) -> None:
        """Drop the lock but leave the lock file (what a dying process does)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def is_owned(directory: Path) -> bool:
    """True if a live process holds the lock of ``directory`` (never creates anything)."""
    try:
        fd = os.open(Path(directory) / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(fd)
    return False
