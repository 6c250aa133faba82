"""One fake peripheral per supported sensor model, plus an unsupported device.

Every streaming peripheral

* exposes the vendor's GATT layout (UUIDs, flags, Device Information / Battery where the real
  device has them) and answers reads and writes like the firmware (``docs/sensors.md``);
* logs every write (:attr:`FakeDevice.writes`) so tests can assert the configuration bytes;
* streams byte-exact vendor notifications, encoded with ``tests/sensor/encoders.py`` from a
  motion source (simulated wearer data), at the configured rate, paced by the event loop;
* logs every sample it sent (:meth:`StreamingPeripheral.sent`): the SI truth, its quantised
  value (what a correct decoder returns) and the send time;
* injects faults on request (:class:`Faults`): periodic link loss, bursts, garbage / short
  notifications, records split across notifications, a silent device, pairing required, a
  rejected configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sensor.simulate import SimulatedWearer, SimulationSettings
from tests.fakebluez.bluez import (
    FakeDevice,
    GattCharacteristic,
    GattDescriptor,
    GattError,
    GattService,
    sig_uuid,
)
from tests.sensor import encoders as enc

__all__ = [
    "Faults",
    "MicrobitPeripheral",
    "MotionSource",
    "PolarH10Peripheral",
    "SensorTagPeripheral",
    "SentLog",
    "SimulatedMotion",
    "StreamingPeripheral",
    "ThingyPeripheral",
    "UnsupportedPeripheral",
    "WitMotionPeripheral",
    "make_peripheral",
]

_CCCD = sig_uuid(0x2902)
_G = 9.80665
POLAR_EPOCH_OFFSET_NS = 946_684_800 * 1_000_000_000


def _char(uuid: str, *flags: str, value: bytes = b"") -> GattCharacteristic:
    descriptors = [GattDescriptor(_CCCD)] if {"notify", "indicate"} & set(flags) else []
    return GattCharacteristic(uuid, tuple(flags), value, descriptors)


def _device_information(model: str, firmware: str) -> GattService:
    return GattService(
        sig_uuid(0x180A),
        [
            _char(sig_uuid(0x2A24), "read", value=model.encode()),
            _char(sig_uuid(0x2A26), "read", value=firmware.encode()),
        ],
    )


def _battery(level: int) -> GattService:
    return GattService(sig_uuid(0x180F), [_char(sig_uuid(0x2A19), "read", "notify", value=bytes([level]))])


# ----------------------------------------------------------------------------- motion
class MotionSource:
    """Deterministic wearer-like motion: slow trunk flexion, breathing sway, walking bouts.

    ``samples(k0, n, rate_hz)`` returns the specific force (m/s²) and angular rate (rad/s) of
    samples ``k0 … k0+n-1`` at ``rate_hz``, as functions of time, so any rate and any restart
    point give consistent data. An analytic model; :class:`SimulatedMotion` uses the simulator.
    """

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.phase = rng.uniform(0, 2 * np.pi, size=6)
        self.noise_rng = np.random.default_rng(seed + 1)

    def samples(self, k0: int, n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        t = (k0 + np.arange(n, dtype=np.float64)) / rate_hz
        p = self.phase
        # flexion angle (rad): slow posture changes plus breathing
        flex = 0.35 * np.sin(2 * np.pi * t / 47.0 + p[0]) + 0.02 * np.sin(2 * np.pi * 0.25 * t + p[1])
        lat = 0.10 * np.sin(2 * np.pi * t / 31.0 + p[2])
        walking = (np.sin(2 * np.pi * t / 60.0 + p[3]) > 0.6).astype(np.float64)
        bounce = walking * 1.5 * np.sin(2 * np.pi * 1.9 * t + p[4])
        up = np.stack([np.sin(flex), np.sin(lat) * np.cos(flex), np.cos(lat) * np.cos(flex)], axis=1)
        acc = _G * up
        acc[:, 2] += bounce
        acc += 0.02 * self.noise_rng.standard_normal(acc.shape)
        dflex = 0.35 * 2 * np.pi / 47.0 * np.cos(2 * np.pi * t / 47.0 + p[0])
        dlat = 0.10 * 2 * np.pi / 31.0 * np.cos(2 * np.pi * t / 31.0 + p[2])
        gyr = np.stack([dlat, dflex, walking * 0.3 * np.sin(2 * np.pi * 0.95 * t + p[5])], axis=1)
        gyr += 0.005 * self.noise_rng.standard_normal(gyr.shape)
        return acc, gyr


class SimulatedMotion(MotionSource):
    """Motion from :class:`sensor.simulate.SimulatedWearer`: ``span_s`` of worn time on day 0,
    simulated once at 10 Hz, interpolated to any rate and looped.

    A simulator that fails raises here: there is no silent fallback to the analytic model.
    """

    def __init__(self, seed: int = 0, span_s: float = 900.0) -> None:
        super().__init__(seed)
        self._window = _simulated_window(seed, span_s)

    def samples(self, k0: int, n: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        acc, gyr = self._window
        m = acc.shape[0]
        x = ((k0 + np.arange(n, dtype=np.float64)) * (_SIM_FS / rate_hz)) % (m - 1)
        i = x.astype(np.int64)
        f = (x - i)[:, None]
        return acc[i] * (1 - f) + acc[i + 1] * f, gyr[i] * (1 - f) + gyr[i + 1] * f


_SIM_FS = 10.0
_SIM_CACHE: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}


def _simulated_window(seed: int, span_s: float) -> tuple[np.ndarray, np.ndarray]:
    """``span_s`` seconds of worn data from the simulator (cached per process).

    Raises
    ------
    ValueError
        If the simulator gives fewer than 10 worn samples or non-finite values; errors of the
        simulator itself propagate unchanged.
    """
    key = (seed, span_s)
    if key in _SIM_CACHE:
        return _SIM_CACHE[key]
    day = SimulatedWearer(SimulationSettings(fs_hz=_SIM_FS, days=1, seed=seed)).day(0)
    worn = np.flatnonzero(np.asarray(day.worn))
    start = int(worn[0]) if worn.size else 0
    stop = start + int(span_s * _SIM_FS)
    acc = np.asarray(day.acc_mps2[start:stop], dtype=np.float64)
    gyr = np.asarray(day.gyr_rads[start:stop], dtype=np.float64)
    if acc.shape[0] < 10 or not (np.all(np.isfinite(acc)) and np.all(np.isfinite(gyr))):
        raise ValueError(
            f"simulator gave {acc.shape[0]} worn samples (seed {seed}), or non-finite values; "
            "need at least 10 finite ones"
        )
    # keep within ±1.9 g so that every format (Polar ±2 g) can carry it unclipped
    _SIM_CACHE[key] = (np.clip(acc, -1.9 * _G, 1.9 * _G), gyr)
    return _SIM_CACHE[key]


# ----------------------------------------------------------------------------- faults, log
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


# ----------------------------------------------------------------------------- WitMotion
_WIT_BASE = "-0000-1000-8000-00805f9a34fb"  # the units' non-SIG base
_WIT_RATES = {0x06: 10.0, 0x07: 20.0, 0x08: 50.0, 0x09: 100.0, 0x0A: 200.0}


class WitMotionPeripheral(StreamingPeripheral):
    """WitMotion BWT901BLE5.0: streams as soon as notifications are on (10 Hz default)."""

    key = "witmotion"
    data_uuid = "0000ffe4" + _WIT_BASE
    write_uuid = "0000ffe9" + _WIT_BASE

    def __init__(self, address: str, name: str = "WT901BLE67", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=["0000ffe5" + _WIT_BASE], rate_hz=10.0, **kwargs)
        self.services = [
            GattService(
                "0000ffe5" + _WIT_BASE,
                [_char(self.data_uuid, "notify"), _char(self.write_uuid, "write", "write-without-response")],
            )
        ]
        self.rate_code = 0x06
        self._split_toggle = 0

    def on_connect(self) -> None:
        self.started = True
        super().on_connect()

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self.started = True

    def samples_per_notification(self) -> int:
        return max(1, int(self.rate_hz // 50))

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if self.faults.pairing_required:
            raise GattError("org.bluez.Error.NotPermitted", "Not paired")
        if self.faults.reject_config:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        if len(data) != 5 or data[:2] != b"\xff\xaa":
            return
        reg, lo = data[2], data[3]
        if reg == 0x03 and lo in _WIT_RATES and not self.faults.ignore_rate:
            self.rate_code = lo
            self.rate_hz = _WIT_RATES[lo]
        elif reg == 0x00 and lo == 0x00:
            self.default_rate_hz = self.rate_hz  # saved: survives a reconnect
        elif reg == 0x27 and lo == 0x03 and self.bluez is not None:
            self.bluez.spawn(self._send(enc.encode_witmotion_rate_reply(self.rate_code)))

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        data = enc.encode_witmotion(acc, gyr)
        if self.faults.split_records and len(data) >= 20:
            self._split_toggle += 1
            if self._split_toggle % 3 == 0:
                cut = 7 + (self._split_toggle % 11)
                return [data[:cut], data[cut:]]
        return [data]

    def garbage(self) -> bytes:
        return bytes([0x13, 0x37, 0x00, 0xA5, 0x5A, 0x01])  # no 0x55: cannot start a header


# ----------------------------------------------------------------------------- Thingy:52
def _thingy(short: int) -> str:
    return f"ef68{short:04x}-9b35-4933-9b10-52ffa9740042"


class ThingyPeripheral(StreamingPeripheral):
    """Nordic Thingy:52: motion config (9 bytes, validated like the firmware), raw data."""

    key = "thingy52"
    data_uuid = _thingy(0x0406)
    config_uuid = _thingy(0x0401)
    frame_len = 18

    def __init__(self, address: str, name: str = "Thingy", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[_thingy(0x0100)], rate_hz=10.0, **kwargs)
        self.services = [
            GattService(
                _thingy(0x0400),
                [
                    _char(self.config_uuid, "read", "write", value=enc.encode_thingy_config()),
                    _char(_thingy(0x0404), "notify"),
                    _char(self.data_uuid, "notify"),
                ],
            ),
            _battery(87),
        ]

    def on_connect(self) -> None:
        self.started = True  # the feature switches on with its notifications
        self.char(self.config_uuid).value = enc.encode_thingy_config()
        super().on_connect()

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if char.uuid != self.config_uuid:
            return
        if self.faults.reject_config or len(data) != 9:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        ped, temp, comp, motion = (int.from_bytes(data[i : i + 2], "little") for i in (0, 2, 4, 6))
        wom = data[8]
        valid = all(100 <= v <= 5000 for v in (ped, temp, comp)) and 1 <= motion <= 200 and wom <= 1
        if not valid:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        char.value = bytes(data)
        self.rate_hz = float(motion)

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        return list(enc.split_frames(enc.encode_thingy_raw(acc, gyr), 18))


# ----------------------------------------------------------------------------- micro:bit
_MB = "-251d-470a-a062-fa1922dfa9a8"
_MB_PERIODS = (1, 2, 5, 10, 20, 80, 160, 640)


class MicrobitPeripheral(StreamingPeripheral):
    """BBC micro:bit accelerometer service (period rounded to a supported value)."""

    key = "microbit"
    data_uuid = "e95dca4b" + _MB
    period_uuid = "e95dfb24" + _MB
    has_gyroscope = False
    frame_len = 6

    def __init__(self, address: str, name: str = "BBC micro:bit [zatov]", *, led_service: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[], rate_hz=50.0, **kwargs)
        self.services = [
            _device_information("BBC micro:bit V2", "2.1.1"),
            GattService(
                "e95d0753" + _MB,
                [
                    _char(self.data_uuid, "read", "notify", value=bytes(6)),
                    _char(self.period_uuid, "read", "write", value=enc.encode_microbit_period(20)),
                ],
            ),
        ]
        if led_service:  # a program with the Bluetooth LED service (alert cues); writes are logged
            self.services.append(GattService("e95dd91d" + _MB, [
                _char("e95d7b77" + _MB, "read", "write", value=bytes(5)),
                _char("e95d93ee" + _MB, "write"),
                _char("e95d0d2d" + _MB, "read", "write", value=bytes(2)),
            ]))

    def on_connect(self) -> None:
        self.started = True
        super().on_connect()

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if self.faults.pairing_required:
            raise GattError("org.bluez.Error.NotPermitted", "Not paired")
        if char.uuid != self.period_uuid:
            return
        if self.faults.reject_config or len(data) != 2:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        wanted = int.from_bytes(data, "little")
        period = min(_MB_PERIODS, key=lambda p: abs(p - wanted))
        char.value = enc.encode_microbit_period(period)
        self.rate_hz = 1000.0 / period

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        return list(enc.split_frames(enc.encode_microbit(acc), 6))


# ----------------------------------------------------------------------------- SensorTag
def _ti(short: int) -> str:
    return f"f000{short:04x}-0451-4000-b000-000000000000"


class SensorTagPeripheral(StreamingPeripheral):
    """TI CC2650 SensorTag movement service: config word, period (≥ 100 ms), data."""

    key = "sensortag"
    data_uuid = _ti(0xAA81)
    config_uuid = _ti(0xAA82)
    period_uuid = _ti(0xAA83)
    frame_len = 18

    def __init__(self, address: str, name: str = "CC2650 SensorTag", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[], rate_hz=1.0, **kwargs)
        self.acc_range_g = 2
        self.services = [
            _device_information("CC2650 SensorTag", "1.43 (Jun 14 2016)"),
            _battery(100),
            GattService(
                _ti(0xAA80),
                [
                    _char(self.data_uuid, "read", "notify", value=bytes(18)),
                    _char(self.config_uuid, "read", "write", value=bytes(2)),
                    _char(self.period_uuid, "read", "write", value=bytes([100])),
                ],
            ),
        ]

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self.char(self.config_uuid).value = bytes(2)
        self.char(self.period_uuid).value = bytes([100])

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if self.faults.reject_config:
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        if char.uuid == self.config_uuid:
            if len(data) != 2:
                raise GattError("org.bluez.Error.InvalidArguments", "Invalid Length")
            word = int.from_bytes(data, "little")
            self.acc_range_g = {0: 2, 1: 4, 2: 8, 3: 16}[(word >> 8) & 0x3]
            self.started = (word & 0x3F) != 0
            char.value = bytes(data)
        elif char.uuid == self.period_uuid:
            if len(data) != 1:
                raise GattError("org.bluez.Error.InvalidArguments", "Invalid Length")
            period = max(10, data[0])
            char.value = bytes([period])
            self.rate_hz = 100.0 / period

    def quantise(self, acc: np.ndarray, gyr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        acc_q, gyr_q = enc.quantise(self.key, acc, gyr, acc_range_g=self.acc_range_g)
        assert gyr_q is not None
        return acc_q, gyr_q

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        data = enc.encode_sensortag(acc, gyr, acc_range_g=self.acc_range_g)
        return list(enc.split_frames(data, 18))


# ----------------------------------------------------------------------------- Polar H10
def _pmd(short: int) -> str:
    return f"fb00{short:04x}-02e7-f387-1cad-8acd2d8df0c8"


class PolarH10Peripheral(StreamingPeripheral):
    """Polar H10 PMD: start/stop on the control point (with replies), ACC frames with device
    timestamps (strap clock, epoch 2000-01-01)."""

    key = "polar_h10"
    data_uuid = _pmd(0x5C82)
    control_uuid = _pmd(0x5C81)
    has_gyroscope = False

    def __init__(self, address: str, name: str = "Polar H10 1A2B3C4D", **kwargs: Any) -> None:
        super().__init__(address, name, adv_uuids=[sig_uuid(0x180D)], rate_hz=200.0, **kwargs)
        self.services = [
            _device_information("H10", "3.2.0"),
            _battery(92),
            GattService(sig_uuid(0x180D), [_char(sig_uuid(0x2A37), "notify")]),
            GattService(
                _pmd(0x5C80),
                [_char(self.control_uuid, "read", "write", "indicate"), _char(self.data_uuid, "notify")],
            ),
        ]
        self.device_clock0_ns = time.time_ns() - POLAR_EPOCH_OFFSET_NS

    def samples_per_notification(self) -> int:
        return max(1, int(round(self.rate_hz * 0.1)))

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if char.uuid != self.control_uuid or self.bluez is None:
            return
        if len(data) >= 2 and data[0] == 0x02 and data[1] == 0x02:
            error = 0
            rate = int.from_bytes(data[4:6], "little") if len(data) >= 6 else 0
            if self.faults.reject_config:
                error = 5
            elif rate not in (25, 50, 100, 200):
                error = 8
            elif not (char.notifying and self.char(self.data_uuid).notifying):
                error = 12
            if error == 0:
                self.rate_hz = float(rate)
                self.started = True
            self.bluez.spawn(self._reply(enc.encode_polar_control_reply(error) + b"\x00"))
        elif len(data) >= 2 and data[0] == 0x03:
            self.started = False
            self.bluez.spawn(self._reply(enc.encode_polar_control_reply(0, op=0x03) + b"\x00"))

    async def _reply(self, data: bytes) -> None:
        await asyncio.sleep(0.01)
        with contextlib.suppress(KeyError):
            await self.notify(self.control_uuid, data)

    def encode(self, acc: np.ndarray, gyr: np.ndarray, k0: int) -> list[bytes]:
        period = round(1e9 / self.rate_hz)
        last = self.device_clock0_ns + (k0 + len(acc) - 1) * period
        return [enc.encode_polar_acc_frame(acc, last)]

    def garbage(self) -> bytes:
        return bytes([0x09, 0x00, 0x01])  # not an ACC frame


# ----------------------------------------------------------------------------- unsupported
class UnsupportedPeripheral(FakeDevice):
    """A device no profile matches (a fitness band with heart rate and battery services)."""

    def __init__(self, address: str, name: str = "Mi Smart Band 4", *, advertise_services: bool = True) -> None:
        super().__init__(address, name, -70, [sig_uuid(0x180D), sig_uuid(0xFEE0)] if advertise_services else [])
        self.services = [GattService(sig_uuid(0x180D), [_char(sig_uuid(0x2A37), "notify")]), _battery(55)]


_CLASSES: dict[str, type[StreamingPeripheral]] = {
    "witmotion": WitMotionPeripheral,
    "thingy52": ThingyPeripheral,
    "microbit": MicrobitPeripheral,
    "sensortag": SensorTagPeripheral,
    "polar_h10": PolarH10Peripheral,
}


def make_peripheral(key: str, address: str, name: str | None = None, **kwargs: Any) -> StreamingPeripheral:
    """A fake peripheral for profile ``key`` (``witmotion``, ``thingy52``, ``microbit``,
    ``sensortag``, ``polar_h10``)."""
    cls = _CLASSES[key]
    if name is None:
        return cls(address, **kwargs)
    return cls(address, name, **kwargs)



# ----------------------------------------------------------------------------- Thingy:52 cues
#: LED characteristic length per mode (0 off, 1 constant, 2 breathe, 3 one-shot): Thingy:52
#: firmware ``ble_uis.h``, ``BLE_UIS_LED_MODE_*_LENGTH``.
_THINGY_LED_LENGTHS = {0: 1, 1: 4, 2: 5, 3: 3}


class ThingyCuePeripheral(ThingyPeripheral):
    """A Thingy:52 that also exports the UI service (LED ``EF680301``) and the Sound service
    (configuration ``EF680501``, speaker data ``EF680502``), so alert cues can be tested end to end.

    Writes are checked the way the firmware documents them (LED mode lengths 1/4/5/3, colour
    1–7, intensity 1–100 %, breathe delay 50–10000 ms; speaker mode 1–3 and microphone mode
    1–2; speaker data 5 bytes in frequency mode, 1 byte (sample 0–8) in sample mode) and refused
    with ``NotPermitted`` otherwise; accepted ones are kept in :attr:`cue_writes` (every write is
    also in :attr:`FakeDevice.writes`). Sources: the Thingy:52 firmware's ``ble_uis.h`` (LED
    modes and ranges) and Nordic's Web Bluetooth library Nordic-Thingy52-Thingyjs
    (``SoundConfigurationService.js``, ``SpeakerDataService.js``: modes and speaker data).
    """

    led_uuid = _thingy(0x0301)
    sound_config_uuid = _thingy(0x0501)
    speaker_data_uuid = _thingy(0x0502)

    def __init__(self, address: str, name: str = "Thingy", **kwargs: Any) -> None:
        super().__init__(address, name, **kwargs)
        self.services += [
            GattService(_thingy(0x0300), [
                _char(self.led_uuid, "read", "write", value=bytes([2, 6, 20]) + (3500).to_bytes(2, "little")),
                _char(_thingy(0x0302), "notify"),  # button
            ]),
            GattService(_thingy(0x0500), [
                _char(self.sound_config_uuid, "read", "write", value=bytes([1, 1])),
                _char(self.speaker_data_uuid, "write-without-response"),
                _char(_thingy(0x0503), "notify"),  # speaker status
                _char(_thingy(0x0504), "notify"),  # microphone
            ]),
        ]
        self.cue_writes: list[tuple[str, bytes]] = []

    def _valid_cue(self, uuid: str, data: bytes) -> bool:
        if uuid == self.led_uuid:
            if not data or _THINGY_LED_LENGTHS.get(data[0]) != len(data):
                return False
            if data[0] in (2, 3) and not (1 <= data[1] <= 7 and 1 <= data[2] <= 100):
                return False
            return data[0] != 2 or 50 <= int.from_bytes(data[3:5], "little") <= 10000
        if uuid == self.sound_config_uuid:
            return len(data) == 2 and 1 <= data[0] <= 3 and 1 <= data[1] <= 2
        mode = self.char(self.sound_config_uuid).value[0]
        if mode == 1:
            return len(data) == 5 and data[4] <= 100
        if mode == 3:
            return len(data) == 1 and data[0] <= 8
        return len(data) > 0  # 8-bit PCM stream

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if char.uuid not in (self.led_uuid, self.sound_config_uuid, self.speaker_data_uuid):
            super().on_write(char, data, response)
            return
        if not self._valid_cue(char.uuid, bytes(data)):
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        if char.uuid != self.speaker_data_uuid:
            char.value = bytes(data)
        self.cue_writes.append((char.uuid, bytes(data)))
