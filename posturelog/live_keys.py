"""Keys in the ``record`` live view: ``s`` snoozes alerts, ``u`` (or ``S``) un-snoozes.

:class:`SnoozeKeys` handles one key at a time and writes the same store setting as
``posturelog snooze`` (:func:`posturelog.alert_config.snooze_message`), so the next ``record``
and ``posturelog snooze`` in another terminal agree with it; the running alert policy gets the
change at once. :class:`TerminalKeys` reads keys without blocking the recording: the terminal is
put in cbreak mode (keys arrive one by one, without Enter; Ctrl-C still sends SIGINT) and the
asyncio loop watches stdin with ``add_reader``. Only when stdin is a terminal; the terminal
mode is restored on exit, also after an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import termios
import time
import tty
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

from posturelog.alert_config import snooze_message, snooze_until_ns
from posturelog.alerts import AlertPolicy
from posturelog.errors import UserError
from posturelog.store import Store
from vocab.units import NS_PER_S

__all__ = ["SNOOZE_KEYS", "UNSNOOZE_KEYS", "SnoozeKeys", "TerminalKeys"]

log = logging.getLogger(__name__)

#: Keys that snooze alerts for the configured time.
SNOOZE_KEYS = frozenset("s")
#: Keys that end the snooze.
UNSNOOZE_KEYS = frozenset("uS")


class SnoozeKeys:
    """Turn key presses into snooze changes.

    Parameters
    ----------
    store : Store
        Where the snooze setting lives (``alerts_snooze_until_ns``).
    policy : AlertPolicy
        The running policy (gets the new snooze at once).
    snooze_s : float
        How long ``s`` snoozes (``[alerts] snooze_min``).
    clock_ns : callable
        UTC now in ns (tests pass a fixed clock).
    """

    def __init__(self, store: Store, policy: AlertPolicy, snooze_s: float, *,
                 clock_ns: Callable[[], int] = time.time_ns) -> None:
        self.store = store
        self.policy = policy
        self.snooze_s = float(snooze_s)
        self.clock_ns = clock_ns

    @property
    def hint(self) -> str:
        """What the keys do, for the status line."""
        return f"keys: s snooze alerts {self.snooze_s / 60:g} min · u resume"

    def __call__(self, key: str) -> str | None:
        """Handle one key; returns the line to show, or None for keys without a meaning."""
        if key in SNOOZE_KEYS:
            message = snooze_message(self.store, f"{self.snooze_s:g}s", self.clock_ns())
        elif key in UNSNOOZE_KEYS:
            message = snooze_message(self.store, "off", self.clock_ns())
        else:
            return None
        try:
            until = snooze_until_ns(self.store)
        except UserError:  # pragma: no cover - we just wrote it
            until = None
        self.policy.snooze(None if until is None else until / NS_PER_S)
        log.info("snooze key %r: %s", key, message)
        return message


class TerminalKeys:
    """Read single keys from a terminal stdin on the asyncio loop (cbreak mode, restored on exit).

    Parameters
    ----------
    on_key : callable
        Called with each key (one character).
    loop : asyncio.AbstractEventLoop
    stdin : file, optional
        Default ``sys.stdin``. Nothing happens unless it is a terminal.
    """

    def __init__(self, on_key: Callable[[str], None], loop: asyncio.AbstractEventLoop,
                 stdin: IO[str] | None = None) -> None:
        self.on_key = on_key
        self.loop = loop
        self.stdin = stdin if stdin is not None else sys.stdin
        self.active = False
        self._fd = -1
        self._saved: list[Any] | None = None

    def __enter__(self) -> TerminalKeys:
        try:
            fd = self.stdin.fileno()
            if not os.isatty(fd):
                return self
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd, termios.TCSANOW)
            self.loop.add_reader(fd, self._readable)
        except (OSError, ValueError, termios.error, NotImplementedError) as exc:
            log.info("no keys in the live view: %s", exc)
            self._restore()
            return self
        self._fd = fd
        self.active = True
        return self

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 64)
        except OSError:
            data = b""
        if not data:  # end of input: stop watching
            with contextlib.suppress(Exception):
                self.loop.remove_reader(self._fd)
            return
        for key in data.decode("utf-8", errors="ignore"):
            try:
                self.on_key(key)
            except Exception:  # noqa: BLE001 - a key must never stop the recording
                log.exception("live view key %r failed", key)

    def _restore(self) -> None:
        if self._saved is not None:
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(self.stdin.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.active:
            with contextlib.suppress(Exception):
                self.loop.remove_reader(self._fd)
            self.active = False
        self._restore()
