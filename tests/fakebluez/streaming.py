"""The base of every streaming fake sensor: :class:`StreamingPeripheral`, with its fault
injection (:class:`Faults`) and the log of what it sent (:class:`SentLog`).

A streaming peripheral

* streams byte-exact vendor notifications, encoded with ``tests/sensor/encoders.py`` from a
  motion source (:mod:`tests.fakebluez.motion`), at the configured rate, paced by the event
  loop;
* logs every sample it sent (:meth:`StreamingPeripheral.sent`): the SI truth, its quantised
  value (what a correct decoder returns) and the send time;
* injects faults on request (:class:`Faults`): periodic link loss, bursts, garbage / short
  notifications, records split across notifications, a silent device, pairing required, a
  rejected configuration.

The vendor GATT layouts and firmware behaviour are in :mod:`tests.fakebluez.peripherals`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.fakebluez.device import FakeDevice
from tests.fakebluez.gatt import GattCharacteristic, GattError
from tests.fakebluez.motion import MotionSource
from tests.sensor import encoders as enc

__all__ = ["Faults", "SentLog", "StreamingPeripheral"]


@dataclass
class Faults:
    """Fault injection for one peripheral.

    Attributes
    ----------
    drop_every_s : float or None
        Drop the link (``Connected`` → false from the device side) this long after every
        connection.
    down_s : float
        After a drop, the device is unreachable (``Connect`` fails) for this long.
    garbage_every : int or None
        After every N-th data notification, send one undecodable notification.
    short_every : int or None
        After every N-th data notification, send one truncated notification.
    burst_every_s, burst_hold_s : float or None
        Every ``burst_every_s`` hold notifications back for ``burst_hold_s`` and then send them
        back to back (what a long connection interval looks like).
    split_records : bool
        WitMotion: cut the record stream at odd offsets (records split across notifications).
    stall_after_s, stall_s : float
        On the first connection only: after ``stall_after_s`` stop sending for ``stall_s``
        without dropping the link (a hung sensor; the client's watchdog should reconnect).
    silent : bool
        Connects and configures, but never sends data.
    pairing_required : bool
        Access to the sensor's characteristics fails with ``NotPermitted: Not paired``.
    reject_config : bool
        The configuration write is refused (ATT error) or answered with an error reply.
    ignore_rate : bool
        WitMotion: the rate-register write is accepted but not applied, so the sensor keeps
        its old rate and reports that when asked.
    """

    drop_every_s: float | None = None
    down_s: float = 0.5
    garbage_every: int | None = None
    short_every: int | None = None
    burst_every_s: float | None = None
    burst_hold_s: float = 0.3
    split_records: bool = False
    stall_after_s: float | None = None
    stall_s: float = 0.0
    silent: bool = False
    pairing_required: bool = False
    reject_config: bool = False
    ignore_rate: bool = False


@dataclass
class SentLog:
    """Samples a peripheral sent while connected, in order.

    Attributes
    ----------
    send_ns : ndarray (N,), int64
        Host time the notification carrying the sample was handed to the bus.
    acc_true, gyr_true : ndarray (N, 3)
        The SI values encoded (gyr zeros for accelerometer-only sensors).
    acc_q, gyr_q : ndarray (N, 3)
        What a correct decoder reports (quantised); ``gyr_q`` is NaN without a gyroscope.
    connection : ndarray (N,), int64
        Connection number (1 = first) the sample was sent on.
    """

    send_ns: np.ndarray
    acc_true: np.ndarray
    gyr_true: np.ndarray
    acc_q: np.ndarray
    gyr_q: np.ndarray
    connection: np.ndarray

    def __len__(self) -> int:
        return int(self.send_ns.size)


@dataclass
class _Chunk:
    send_ns: int
    acc: np.ndarray
    gyr: np.ndarray
    connection: int


# ----------------------------------------------------------------------------- base
class StreamingPeripheral(FakeDevice):
    """A sensor that streams samples while its data characteristic is notifying.

    Subclasses set the GATT layout and implement :meth:`encode`, :meth:`notifications_for`
    (how samples map onto notifications) and the write handling.
    """

    key = ""
    data_uuid = ""
    has_gyroscope = True
    #: Fixed notification length (for "short" faults); ``None`` for stream formats.
    frame_len: int | None = None

    def __init__(
        self,
        address: str,
        name: str,
        rssi: int = -60,
        adv_uuids: list[str] | None = None,
        *,
        faults: Faults | None = None,
        motion: MotionSource | None = None,
        rate_hz: float = 10.0,
    ) -> None:
        super().__init__(address, name, rssi, adv_uuids)
        self.faults = faults or Faults()
        self.motion = motion or MotionSource(seed=sum(address.encode()))
        self.rate_hz = rate_hz
        self.default_rate_hz = rate_hz
        self.started = False  # device-side "streaming enabled" (config written)
        self.sample_index = 0
        self.notifications_sent = 0
        self.garbage_sent = 0
        self.drops = 0
        self._chunks: list[_Chunk] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._held: list[tuple[bytes, Callable[[], None]]] = []
        self._holding = False
        self._connected_at: float | None = None

    # -- to implement -------------------------------------------------------------------------
    def samples_per_notification(self) -> int:
        """How many samples one notification carries at the current rate."""
        return 1

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        """The notifications carrying these samples (records may be split)."""
        raise NotImplementedError

    def quantise(self, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        acc_q, gyr_q = enc.quantise(self.key, acc, gyr if self.has_gyroscope else None)
        if gyr_q is None:
            gyr_q = np.full_like(acc_q, np.nan)
        return acc_q, gyr_q

    def streaming(self) -> bool:
        """Whether samples flow now (device state and notifications)."""
        return self.connected and self.started and self.char(self.data_uuid).notifying

    def garbage(self) -> bytes:
        """An undecodable notification for this format."""
        return bytes([0x00, 0x13, 0x37])

    # -- connection hooks ---------------------------------------------------------------------
    def on_connect(self) -> None:
        assert self.bluez is not None
        self._tasks.append(self.bluez.spawn(self._stream()))
        if self.faults.drop_every_s:
            self._tasks.append(self.bluez.spawn(self._drop_later(self.faults.drop_every_s)))
        if self.faults.burst_every_s:
            self._tasks.append(self.bluez.spawn(self._bursts()))

    def on_disconnect(self) -> None:
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self._tasks.clear()
        self._held.clear()
        self._holding = False
        self.started = False
        self.rate_hz = self.default_rate_hz

    def on_notify(self, char: GattCharacteristic, enabled: bool) -> None:
        if self.faults.pairing_required:
            raise GattError("org.bluez.Error.NotPermitted", "Not paired")

    def on_read(self, char: GattCharacteristic) -> bytes:
        if self.faults.pairing_required and not char.uuid.startswith("00002a"):
            raise GattError("org.bluez.Error.NotPermitted", "Not paired")
        return char.value

    async def _drop_later(self, after_s: float) -> None:
        await asyncio.sleep(after_s)
        self.drops += 1
        await self.drop_link(self.faults.down_s)

    async def _bursts(self) -> None:
        assert self.faults.burst_every_s is not None
        while True:
            await asyncio.sleep(self.faults.burst_every_s)
            self._holding = True
            await asyncio.sleep(self.faults.burst_hold_s)
            self._holding = False
            held, self._held = self._held, []
            for data, on_sent in held:
                await self._send(data, on_sent)

    # -- streaming ----------------------------------------------------------------------------
    async def _send(self, data: bytes, on_sent: Callable[[], None] | None = None) -> None:
        if self._holding:
            self._held.append((data, on_sent or (lambda: None)))
            return
        assert self.bluez is not None
        char = self.char(self.data_uuid)
        if not (self.connected and char.notifying):
            return
        fut = self.bluez.queue_value(char, data)
        self.notifications_sent += 1
        if on_sent is not None:
            on_sent()
        await fut

    async def _stream(self) -> None:
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        count = 0
        while True:
            spn = self.samples_per_notification()
            next_t += spn / self.rate_hz
            delay = next_t - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:
                next_t = loop.time()
            if not self.streaming() or self.faults.silent or self._stalled(loop.time()):
                continue
            k0 = self.sample_index
            self.sample_index += spn
            acc, gyr = self.motion.samples(k0, spn, self.rate_hz)
            notes = self.encode(acc, gyr, k0)
            conn = self.connect_count
            for i, data in enumerate(notes):
                last = i == len(notes) - 1
                on_sent = self._logger(acc, gyr, conn) if last else None
                await self._send(data, on_sent)
            count += 1
            if self.faults.garbage_every and count % self.faults.garbage_every == 0:
                self.garbage_sent += 1
                await self._send(self.garbage())
            if self.faults.short_every and count % self.faults.short_every == 0:
                self.garbage_sent += 1
                await self._send(notes[0][: max(1, len(notes[0]) // 2 - 1)])

    def _stalled(self, now: float) -> bool:
        f = self.faults
        if f.stall_after_s is None or self.connect_count != 1:
            return False
        if self._connected_at is None:
            self._connected_at = now
        return f.stall_after_s <= now - self._connected_at < f.stall_after_s + f.stall_s

    def _logger(self, acc: np.ndarray, gyr: np.ndarray, conn: int) -> Callable[[], None]:
        def log() -> None:
            self._chunks.append(_Chunk(time.time_ns(), acc, gyr, conn))

        return log

    def sent(self) -> SentLog:
        """Everything sent so far (safe to call from another thread)."""
        chunks = list(self._chunks)
        if not chunks:
            z = np.zeros((0, 3))
            e = np.zeros(0, dtype=np.int64)
            return SentLog(e, z, z, z, z, e)
        acc = np.concatenate([c.acc for c in chunks])
        gyr = np.concatenate([c.gyr for c in chunks])
        if not self.has_gyroscope:
            gyr = np.zeros_like(acc)
        acc_q, gyr_q = self.quantise(acc, gyr)
        send = np.concatenate([np.full(len(c.acc), c.send_ns, dtype=np.int64) for c in chunks])
        conn = np.concatenate([np.full(len(c.acc), c.connection, dtype=np.int64) for c in chunks])
        return SentLog(send, acc, gyr, acc_q, gyr_q, conn)
