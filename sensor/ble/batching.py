"""Notifications → :class:`SampleBatch`: decode with the profile, time with the clock, and cut
batches at gaps and link losses.

Undecodable notifications (:class:`~sensor.profiles.base.DecodeError`, or device timestamps
the clock refuses) are counted, logged (rate-limited) and skipped; the stream goes on.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sensor.batch import SampleBatch
from sensor.clock import SampleClock
from sensor.profiles.base import Decoded, DecodeError, SensorProfile

__all__ = ["BatchAssembler", "StreamStats"]

logger = logging.getLogger(__name__)


@dataclass
class StreamStats:
    """Counters of one stream (live status, tests, benchmarks).

    Attributes
    ----------
    notifications : int
        Data notifications received from the current and earlier connections.
    samples : int
        Samples yielded.
    garbage : int
        Notifications the profile could not decode (skipped).
    skipped_bytes : int
        Bytes the decoder discarded while re-synchronising.
    stale_dropped : int
        Deliveries from an old connection's callbacks, dropped (duplicate guard).
    connects : int
        Successful connections (first one included).
    link_losses : int
        Times the link dropped while streaming.
    gaps : int
        Batches yielded with ``gap_before=True``.
    battery_pct : int or None
        Last battery level read.
    max_queue : int
        Largest number of queued notifications seen by the consumer.
    """

    notifications: int = 0
    samples: int = 0
    garbage: int = 0
    skipped_bytes: int = 0
    stale_dropped: int = 0
    connects: int = 0
    link_losses: int = 0
    gaps: int = 0
    battery_pct: int | None = None
    max_queue: int = 0


class BatchAssembler:
    """Turns data notifications into ready :class:`SampleBatch` objects.

    Parameters
    ----------
    profile : SensorProfile
        Decodes the notifications (its state is reset on link loss).
    clock : SampleClock
        Assigns sample times (reset on link loss; replace :attr:`clock` if the rate changes).
    stats : StreamStats
        Counters updated here (samples, gaps, garbage, skipped bytes).
    address : str
        The sensor, for log messages.

    Attributes
    ----------
    ready : collections.deque of SampleBatch
        Finished batches, oldest first.
    """

    def __init__(
        self, profile: SensorProfile, clock: SampleClock, stats: StreamStats, address: str
    ) -> None:
        self.profile = profile
        self.clock = clock
        self.stats = stats
        self.address = address
        self.ready: deque[SampleBatch] = deque()
        self._t: list[NDArray[np.int64]] = []
        self._acc: list[NDArray[np.float64]] = []
        self._gyr: list[NDArray[np.float64]] = []
        self._gap_first = False
        self._gap_pending = False
        self._garbage_logged = 0

    def add(self, data: bytes, arrival_ns: int) -> None:
        """Decode and time one data notification received at ``arrival_ns`` (UTC ns)."""
        decoded = self._decode(data)
        if decoded is None or len(decoded) == 0:
            return
        try:
            res = self.clock.assign(len(decoded), arrival_ns, decoded.device_time_ns)
        except ValueError as exc:  # e.g. device timestamps that go backwards
            self._count_garbage(len(data), str(exc))
            return
        gap = bool(res.gap_before) or self._gap_pending
        t = np.asarray(res.t_ns, dtype=np.int64)
        if gap or (self._t and t[0] <= self._t[-1][-1]):
            self.flush()
            self._gap_first = gap
            self._gap_pending = False
        self._t.append(t)
        self._acc.append(np.asarray(decoded.acc_mps2, dtype=np.float64))
        if decoded.gyr_rads is not None:
            self._gyr.append(np.asarray(decoded.gyr_rads, dtype=np.float64))

    def link_lost(self) -> None:
        """End the current batch; the next one starts with ``gap_before=True``."""
        self.flush()
        self._gap_pending = True
        self.profile.reset()
        self.clock.reset()

    def flush(self) -> None:
        """Finish the batch being gathered (if any) and append it to :attr:`ready`."""
        if self._t:
            batch = SampleBatch(
                t_ns=np.concatenate(self._t),
                acc_mps2=np.concatenate(self._acc),
                gyr_rads=np.concatenate(self._gyr) if self._gyr else None,
                gap_before=self._gap_first,
            )
            self.ready.append(batch)
            self.stats.samples += len(batch)
            self.stats.gaps += int(batch.gap_before)
        self._t.clear()
        self._acc.clear()
        self._gyr.clear()
        self._gap_first = False

    def _decode(self, data: bytes) -> Decoded | None:
        try:
            decoded = self.profile.decode(data)
        except DecodeError as exc:
            self._count_garbage(len(data), str(exc))
            return None
        if decoded.skipped_bytes:
            self.stats.skipped_bytes += decoded.skipped_bytes
        return decoded

    def _count_garbage(self, n_bytes: int, reason: str) -> None:
        self.stats.garbage += 1
        if self._garbage_logged < 5 or self.stats.garbage % 100 == 0:
            self._garbage_logged += 1
            logger.warning(
                "skipped undecodable notification #%d from %s (%d bytes): %s",
                self.stats.garbage,
                self.address,
                n_bytes,
                reason,
            )
