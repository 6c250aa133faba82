"""The queue between the BLE callbacks and the consumer of a stream.

Callbacks (bleak's notification and disconnection handlers) only put items on an
:class:`asyncio.Queue`: a data notification as ``(bytes, arrival time ns)``, a link loss, a
failure, or the end of the stream. The consumer (:meth:`BatchFeed.next_batch`, behind
``SensorStream.__anext__``) takes them in bunches and hands them to the
:class:`~sensor.ble.batching.BatchAssembler`, which decodes with the profile, times the
samples with the clock and cuts batches. Which connection's deliveries reach the feed is
decided by the stream (its connection generations), not here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sensor.batch import SampleBatch
from sensor.ble.batching import BatchAssembler, StreamStats

__all__ = ["BatchFeed"]

MAX_ITEMS_PER_TAKE = 2000
"""At most this many queued items are handed to the assembler at once."""


@dataclass(frozen=True)
class _LinkLost:
    t_ns: int


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class _End:
    """The stream ended (closed, or its connection task finished)."""


_END = _End()

_Item = tuple[bytes, int] | _LinkLost | _Failed | _End


class BatchFeed:
    """Notifications and link events in (from callbacks), :class:`SampleBatch` objects out.

    Parameters
    ----------
    assembler : BatchAssembler
        Decodes, times and cuts the notifications into batches.
    stats : StreamStats
        ``notifications`` and ``max_queue`` are counted here.
    batch_interval_s : float
        The consumer gathers notifications for up to this long into one batch, s (adds at
        most this much latency); 0: take whatever is queued at once.
    """

    def __init__(
        self, assembler: BatchAssembler, stats: StreamStats, batch_interval_s: float
    ) -> None:
        self.assembler = assembler
        self.stats = stats
        self.batch_interval_s = batch_interval_s
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._ended = False
        self._error: BaseException | None = None

    # -- producers (callbacks and the connection task; never block) -----------------------------
    def data(self, payload: bytes) -> None:
        """Queue one data notification, stamped with its arrival time (UTC ns) now."""
        now = time.time_ns()
        self.stats.notifications += 1
        self._queue.put_nowait((payload, now))

    def link_lost(self) -> None:
        """Queue a link loss: the batch being gathered ends, the next one has a gap before it."""
        self._queue.put_nowait(_LinkLost(time.time_ns()))

    def fail(self, error: BaseException) -> None:
        """Queue a failure: raised by :meth:`next_batch` once the batches before it are taken."""
        self._queue.put_nowait(_Failed(error))

    def end(self) -> None:
        """Queue the end of the stream (wakes a waiting consumer; safe to call twice)."""
        self._queue.put_nowait(_END)

    # -- consumer ---------------------------------------------------------------------------------
    async def next_batch(self) -> SampleBatch | None:
        """The next batch, waiting for notifications; None once the stream has ended.

        Raises
        ------
        BaseException
            The error queued with :meth:`fail` (once; the feed has ended after it).
        """
        batches = self.assembler
        while not batches.ready:
            if self._error is not None:
                error, self._error = self._error, None
                self._ended = True
                raise error
            if self._ended:
                return None
            item = await self._queue.get()
            if self.batch_interval_s > 0 and isinstance(item, tuple):
                # let a few notifications accumulate: one batch per interval, not per
                # notification, keeps the per-sample cost (and CPU) low
                wait_s = self.batch_interval_s - (time.time_ns() - item[1]) / 1e9
                if wait_s > 0:
                    await asyncio.sleep(wait_s)
            items = [item]
            while len(items) < MAX_ITEMS_PER_TAKE:
                try:
                    items.append(self._queue.get_nowait())
                except asyncio.QueueEmpty:
                    break
            self.stats.max_queue = max(self.stats.max_queue, len(items))
            self._consume(items)
        return batches.ready.popleft()

    def _consume(self, items: list[_Item]) -> None:
        """Hand queued notifications and events to the batch assembler."""
        batches = self.assembler
        for item in items:
            if isinstance(item, tuple):
                batches.add(*item)
            elif isinstance(item, _LinkLost):
                batches.link_lost()
            elif isinstance(item, _Failed):
                batches.flush()
                self._error = item.error  # raised once the ready batches are taken
                return
            elif isinstance(item, _End):
                batches.flush()
                self._ended = True
                return
        batches.flush()
