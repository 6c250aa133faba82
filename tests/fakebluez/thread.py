"""Run the fake BlueZ on its own event loop in a daemon thread: :class:`FakeBlueZThread`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tests.fakebluez.bluez import FakeBlueZ

__all__ = ["FakeBlueZThread"]

T = TypeVar("T")


class FakeBlueZThread:
    """Run a :class:`FakeBlueZ` on its own event loop in a daemon thread.

    Tests and benchmarks drive it with :meth:`call` (a coroutine function run on the fake's
    loop) while bleak or a recorder subprocess talks to it over the private bus.
    """

    def __init__(self, bluez: FakeBlueZ) -> None:
        self.bluez = bluez
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="fake-bluez", daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> FakeBlueZThread:
        """Start the thread and the service; returns when ``org.bluez`` is owned."""
        self._thread.start()
        self.call(self.bluez.start)
        return self

    def call(self, fn: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
        """Run ``fn()`` on the fake's loop and return its result."""

        async def runner() -> T:
            return await fn()

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the service and the thread."""
        if not self._thread.is_alive():
            return
        try:
            self.call(self.bluez.stop, timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self.loop.close()
