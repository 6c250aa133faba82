"""The BLE client: scan, connect, configure, subscribe and stream :class:`SampleBatch` objects.

Built on bleak; protocol knowledge comes from :mod:`sensor.profiles`, sample times from
:class:`sensor.clock.SampleClock`.

Design
------
* The notification callback only puts ``(bytes, arrival time ns)`` on an :class:`asyncio.Queue`;
  the consumer (:meth:`SensorStream.__anext__`) decodes with the profile, times the samples with
  the clock and yields batches.
* One client at a time. On link loss (bleak's ``disconnected_callback``) the old client is
  disposed of completely (``disconnect()`` releases its D-Bus connection and watcher) before a
  new one is created, with capped exponential backoff between attempts.
* Every connection has a generation number captured by its callbacks; a callback from an older
  generation is dropped and counted (``StreamStats.stale_dropped``). That is the guard against
  doubled notifications after a reconnect (bleak issue #2002): a stale client's deliveries can
  never reach the queue, so no sample is delivered twice.
* The first batch after a reconnect has ``gap_before=True``; decoder and clock are reset.
* Undecodable notifications (:class:`~sensor.profiles.base.DecodeError`) are counted, logged
  (rate-limited) and skipped; the stream goes on.
* Failures a person can act on raise :class:`SensorError` subclasses with a one-line message.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from bleak import BleakAdapter, BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)

from sensor.batch import SampleBatch, SourceInfo
from sensor.clock import SampleClock
from sensor.profiles import PROFILES, profile_for_advertisement
from sensor.profiles.base import Decoded, DecodeError, SensorProfile

__all__ = [
    "AdapterUnavailableError",
    "BATTERY_LEVEL_UUID",
    "ConfigurationRejectedError",
    "ConnectionFailedError",
    "DeviceNotFoundError",
    "FIRMWARE_REVISION_UUID",
    "FoundDevice",
    "MODEL_NUMBER_UUID",
    "NoDataError",
    "PairingRequiredError",
    "SensorError",
    "SensorStream",
    "StreamStats",
    "UnsupportedDeviceError",
    "find_device",
    "gatt_services",
    "make_profile",
    "scan",
    "unsupported_message",
]

logger = logging.getLogger(__name__)

MODEL_NUMBER_UUID = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID = "00002a26-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

_PAIRING_CODES = {
    BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHENTICATION,
    BleakGATTProtocolErrorCode.INSUFFICIENT_AUTHORIZATION,
    BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION,
    BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION_KEY_SIZE,
}
#: Profiles whose decoder returns per-sample device timestamps.
_DEVICE_TIME_PROFILES = frozenset({"polar_h10"})


# ----------------------------------------------------------------------------- errors
class SensorError(Exception):
    """A BLE failure a person can act on; ``str(error)`` is one line for the CLI."""


class AdapterUnavailableError(SensorError):
    """No usable Bluetooth adapter, or BlueZ / the system D-Bus is not running."""


class DeviceNotFoundError(SensorError):
    """The wanted sensor did not show up within the scan timeout."""


class UnsupportedDeviceError(SensorError):
    """The device was found but is not a supported sensor model."""


class PairingRequiredError(SensorError):
    """The sensor refused access until it is paired (micro:bit with default firmware)."""


class ConfigurationRejectedError(SensorError):
    """The sensor rejected a configuration write or answered with an error reply."""


class ConnectionFailedError(SensorError):
    """The first connection could not be established within the connect timeout."""


class NoDataError(SensorError):
    """The sensor connected and was configured but sent no data."""


# ----------------------------------------------------------------------------- scanning
@dataclass(frozen=True)
class FoundDevice:
    """A device seen while scanning.

    Attributes
    ----------
    name : str
        Advertised name (empty if none).
    address : str
        Bluetooth address, upper case (``AA:BB:CC:DD:EE:FF``).
    rssi : int or None
        Signal strength in dBm.
    model : str or None
        Supported model name (the profile's ``model``), or ``None`` if not supported.
    service_uuids : tuple of str
        Advertised service UUIDs, lower case.
    profile_key : str or None
        Key of the matching profile (``witmotion`` ...), or ``None``.
    """

    name: str
    address: str
    rssi: int | None
    model: str | None
    service_uuids: tuple[str, ...] = ()
    profile_key: str | None = None
    ble_device: BLEDevice | None = field(default=None, repr=False, compare=False)

    @property
    def supported(self) -> bool:
        """Whether a profile matches this device."""
        return self.profile_key is not None


def _found(device: BLEDevice, adv: AdvertisementData) -> FoundDevice:
    uuids = tuple(u.lower() for u in adv.service_uuids)
    name = adv.local_name or device.name or ""
    cls = profile_for_advertisement(name or None, list(uuids))
    return FoundDevice(
        name=name,
        address=device.address.upper(),
        rssi=adv.rssi,
        model=cls.model if cls else None,
        service_uuids=uuids,
        profile_key=cls.key if cls else None,
        ble_device=device,
    )


def _adapter_error(exc: BaseException) -> AdapterUnavailableError | None:
    """Map 'no Bluetooth here' failures to one clear error, else ``None``."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        return AdapterUnavailableError(f"no usable Bluetooth adapter: {exc}")
    if isinstance(exc, BleakDBusError) and exc.dbus_error in (
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
    ):
        return AdapterUnavailableError(
            "BlueZ is not running (no org.bluez on the system D-Bus); start the bluetooth service"
        )
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError, ConnectionResetError)):
        return AdapterUnavailableError(
            f"cannot reach the system D-Bus ({exc.__class__.__name__}); is D-Bus/BlueZ running?"
        )
    if isinstance(exc, BleakError) and "adapter" in str(exc).lower() and "not found" in str(exc).lower():
        return AdapterUnavailableError(f"no usable Bluetooth adapter: {exc}")
    return None


async def scan(timeout_s: float = 5.0) -> list[FoundDevice]:
    """Scan for BLE devices and recognise supported sensor models.

    Parameters
    ----------
    timeout_s : float
        Scan duration in seconds.

    Returns
    -------
    list of FoundDevice
        Every device seen, strongest signal first.

    Raises
    ------
    AdapterUnavailableError
        No Bluetooth adapter, adapter off, or BlueZ / system D-Bus not running.
    ValueError
        If ``timeout_s`` is not positive.
    """
    if not timeout_s > 0:
        raise ValueError(f"scan timeout must be positive, got {timeout_s}")
    try:
        seen = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except Exception as exc:
        mapped = _adapter_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    found = [_found(dev, adv) for dev, adv in seen.values()]
    addresses = {d.address for d in found}
    found += [d for d in await _connected_supported() if d.address not in addresses]
    found.sort(key=lambda d: -(d.rssi if d.rssi is not None else -999))
    logger.info("scan found %d device(s), %d supported", len(found), sum(d.supported for d in found))
    return found


async def _connected_supported() -> list[FoundDevice]:
    """Supported sensors already connected to BlueZ (e.g. left connected by a recorder that
    was killed); they do not advertise, so a scan cannot see them."""
    uuids = sorted({u for cls in PROFILES.values() for u in cls.service_uuids})
    try:
        adapter = await BleakAdapter.get()
        devices = await adapter.get_connected_devices(service_uuids=uuids)
    except Exception as exc:  # noqa: BLE001 - an optional shortcut
        logger.debug("could not list connected devices: %r", exc)
        return []
    found: list[FoundDevice] = []
    for dev in devices:
        props = dev.details.get("props", {}) if isinstance(dev.details, dict) else {}
        service_uuids = tuple(str(u).lower() for u in props.get("UUIDs", []))
        cls = profile_for_advertisement(dev.name, list(service_uuids))
        if cls is None:
            continue
        found.append(
            FoundDevice(
                name=dev.name or "",
                address=dev.address.upper(),
                rssi=None,
                model=cls.model,
                service_uuids=service_uuids,
                profile_key=cls.key,
                ble_device=dev,
            )
        )
    return found


async def find_device(address: str, timeout_s: float = 10.0) -> FoundDevice:
    """Scan until the device with ``address`` advertises, and return it.

    Parameters
    ----------
    address : str
        Bluetooth address (any case).
    timeout_s : float
        Give up after this many seconds.

    Raises
    ------
    DeviceNotFoundError
        If the device did not advertise within ``timeout_s``.
    AdapterUnavailableError
        No adapter / BlueZ not running.
    """
    wanted = address.upper()
    result: list[FoundDevice] = []
    for connected in await _connected_supported():
        if connected.address == wanted:
            logger.info("%s is already connected; adopting the connection", wanted)
            return connected

    def match(dev: BLEDevice, adv: AdvertisementData) -> bool:
        if dev.address.upper() != wanted:
            return False
        result.append(_found(dev, adv))
        return True

    try:
        dev = await BleakScanner.find_device_by_filter(match, timeout=timeout_s)
    except Exception as exc:
        mapped = _adapter_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    if dev is None or not result:
        raise DeviceNotFoundError(f"sensor {wanted} not found within {timeout_s:g} s; is it on and in range?")
    return result[-1]


async def gatt_services(device: FoundDevice, timeout_s: float = 10.0) -> list[str]:
    """Connect briefly and list the device's GATT service UUIDs (for a device that advertises
    none, to say what it is). Returns ``[]`` if that fails."""
    target: BLEDevice | str = device.ble_device or device.address
    try:
        async with asyncio.timeout(timeout_s):
            async with BleakClient(target, timeout=timeout_s) as client:
                return sorted(s.uuid for s in client.services)
    except Exception as exc:  # noqa: BLE001 - only used to describe an unsupported device
        logger.info("could not list the services of %s: %r", device.address, exc)
        return []


def unsupported_message(device: FoundDevice, services: list[str] | tuple[str, ...] | None = None) -> str:
    """One line saying that ``device`` is not a supported model, and which services it has."""
    listed = ", ".join(services if services is not None else device.service_uuids) or "none advertised"
    return (
        f"{device.name or device.address} ({device.address}) is not a supported sensor model; "
        f"it has services: {listed}"
    )


def make_profile(key: str, rate_hz: float | None = None) -> SensorProfile:
    """A fresh profile instance for ``key`` (per-connection decoder state)."""
    try:
        cls = PROFILES[key]
    except KeyError:
        raise ValueError(f"unknown sensor profile {key!r}; known: {', '.join(PROFILES)}") from None
    if rate_hz is not None and "rate_hz" in inspect.signature(cls).parameters:
        return cls(rate_hz=rate_hz)  # type: ignore[call-arg]
    return cls()


# ----------------------------------------------------------------------------- stream
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


@dataclass(frozen=True)
class _LinkLost:
    t_ns: int


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


def _is_pairing_error(exc: BaseException) -> bool:
    if isinstance(exc, BleakGATTProtocolError):
        return exc.code in _PAIRING_CODES
    if isinstance(exc, BleakDBusError):
        details = (exc.dbus_error_details or "").lower()
        if exc.dbus_error == "org.bluez.Error.NotAuthorized":
            return True
        if exc.dbus_error == "org.bluez.Error.NotPermitted" and (
            "pair" in details or "auth" in details or "encrypt" in details
        ):
            return True
        if exc.dbus_error == "org.bluez.Error.AuthenticationFailed":
            return True
    return False


class SensorStream:
    """Stream samples from one sensor, reconnecting on link loss.

    Use as ``async with SensorStream(device, rate_hz) as stream: async for batch in stream``.

    Parameters
    ----------
    device : FoundDevice
        The sensor (from :func:`scan` or :func:`find_device`); must be supported.
    rate_hz : float or None
        Requested output rate; the profile picks the nearest supported rate. ``None``: 50 Hz
        or the nearest supported.
    connect_timeout_s : float
        Bound on each connection attempt, and on the first connection overall.
    backoff_initial_s, backoff_max_s : float
        Reconnect delay starts at ``backoff_initial_s`` and doubles up to ``backoff_max_s``.
    data_timeout_s : float
        No data this long after configuring → :class:`NoDataError` on the first connection,
        a reconnect later.
    battery_interval_s : float
        How often the battery level is re-read while connected.
    batch_interval_s : float
        The consumer gathers notifications for up to this long into one batch (adds at most
        this much latency; far below the store's 1 s flush interval).

    Attributes
    ----------
    info : SourceInfo
        Model, address, name, firmware, battery and nominal rate (after :meth:`start`).
    stats : StreamStats
        Counters.
    """

    def __init__(
        self,
        device: FoundDevice,
        rate_hz: float | None = None,
        *,
        connect_timeout_s: float = 20.0,
        backoff_initial_s: float = 0.25,
        backoff_max_s: float = 15.0,
        data_timeout_s: float = 5.0,
        battery_interval_s: float = 60.0,
        batch_interval_s: float = 0.1,
    ) -> None:
        if device.profile_key is None:
            raise UnsupportedDeviceError(unsupported_message(device))
        if rate_hz is not None and not rate_hz > 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.device = device
        self.connect_timeout_s = connect_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.data_timeout_s = data_timeout_s
        self.battery_interval_s = battery_interval_s
        self.batch_interval_s = batch_interval_s
        probe = make_profile(device.profile_key)
        self.rate_hz = probe.nearest_rate(50.0 if rate_hz is None else rate_hz)
        self.profile = make_profile(device.profile_key, self.rate_hz)
        self.info = SourceInfo(
            model=probe.model,
            address=device.address,
            name=device.name,
            rate_hz=self.rate_hz,
            has_gyroscope=probe.has_gyroscope,
        )
        self.stats = StreamStats()
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._control: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._client: BleakClient | None = None
        self._gen = 0
        self._live_gen: int | None = None
        self._link_lost = asyncio.Event()
        self._close_event = asyncio.Event()
        self._closing = False
        self._up = False
        self._runner: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None
        self._last_data = 0.0
        self._clock = SampleClock(self.rate_hz, has_device_time=probe.key in _DEVICE_TIME_PROFILES)
        self._gap_pending = False
        self._ready: deque[SampleBatch] = deque()
        self._ended = False
        self._error: BaseException | None = None
        self._garbage_logged = 0

    @property
    def closing(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closing

    @property
    def connected(self) -> bool:
        """Whether a connection is up and streaming now."""
        return self._up and self._live_gen is not None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> SourceInfo:
        """Connect, configure and subscribe (first connection).

        Returns
        -------
        SourceInfo
            With firmware, battery and the nominal rate filled in where the sensor offers them.

        Raises
        ------
        SensorError
            Pairing required, configuration rejected, unsupported device, connection failed,
            no data, or no adapter.
        """
        loop = asyncio.get_running_loop()
        self._started = loop.create_future()
        self._runner = loop.create_task(self._run(), name=f"ble-{self.device.address}")
        try:
            await self._started
        except BaseException:
            await self.close()
            raise
        return self.info

    async def close(self) -> None:
        """Stop streaming, disconnect and release the client. Safe to call twice."""
        self._closing = True
        self._close_event.set()
        self._link_lost.set()
        if self._runner is not None and not self._runner.done():
            if not self.connected:
                # connecting or waiting to reconnect: nothing to drain, stop right away
                self._runner.cancel()
            try:
                await asyncio.wait_for(asyncio.shield(self._runner), timeout=15)
            except (TimeoutError, asyncio.CancelledError):
                self._runner.cancel()
                with contextlib.suppress(BaseException):
                    await self._runner
            except Exception:  # noqa: BLE001 - close must not raise
                logger.debug("runner ended with an error", exc_info=True)
        await self._dispose()
        self._queue.put_nowait(_END)  # wakes a consumer even if the runner was cancelled

    async def __aenter__(self) -> SensorStream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> SensorStream:
        return self

    async def __anext__(self) -> SampleBatch:
        while not self._ready:
            if self._error is not None:
                error, self._error = self._error, None
                self._ended = True
                raise error
            if self._ended:
                raise StopAsyncIteration
            item = await self._queue.get()
            if self.batch_interval_s > 0 and isinstance(item, tuple):
                # let a few notifications accumulate: one batch per interval, not per
                # notification, keeps the per-sample cost (and CPU) low
                wait_s = self.batch_interval_s - (time.time_ns() - item[1]) / 1e9
                if wait_s > 0:
                    await asyncio.sleep(wait_s)
            items = [item]
            while len(items) < 2000:
                try:
                    items.append(self._queue.get_nowait())
                except asyncio.QueueEmpty:
                    break
            self.stats.max_queue = max(self.stats.max_queue, len(items))
            self._consume(items)
        return self._ready.popleft()

    # -- consumer -----------------------------------------------------------------------------
    def _consume(self, items: list[Any]) -> None:
        """Decode queued notifications into batches (split at gaps and link losses)."""
        t_parts: list[np.ndarray] = []
        acc_parts: list[np.ndarray] = []
        gyr_parts: list[np.ndarray] = []
        cnt_parts: list[np.ndarray] = []
        gap_first = False

        def flush() -> None:
            nonlocal gap_first
            if t_parts:
                batch = SampleBatch(
                    t_ns=np.concatenate(t_parts),
                    acc_mps2=np.concatenate(acc_parts),
                    gyr_rads=np.concatenate(gyr_parts) if gyr_parts else None,
                    counter=np.concatenate(cnt_parts) if cnt_parts else None,
                    gap_before=gap_first,
                )
                self._ready.append(batch)
                self.stats.samples += len(batch)
                self.stats.gaps += int(batch.gap_before)
            t_parts.clear()
            acc_parts.clear()
            gyr_parts.clear()
            cnt_parts.clear()
            gap_first = False

        for item in items:
            if isinstance(item, tuple):
                data, arrival_ns = item
                decoded = self._decode(data)
                if decoded is None or len(decoded) == 0:
                    continue
                try:
                    res = self._clock.assign(len(decoded), arrival_ns, decoded.device_time_ns)
                except ValueError as exc:  # e.g. device timestamps that go backwards
                    self._count_garbage(len(data), str(exc))
                    continue
                gap = bool(res.gap_before) or self._gap_pending
                t = np.asarray(res.t_ns, dtype=np.int64)
                if gap or (t_parts and t[0] <= t_parts[-1][-1]):
                    flush()
                    gap_first = gap
                    self._gap_pending = False
                t_parts.append(t)
                acc_parts.append(np.asarray(decoded.acc_mps2, dtype=np.float64))
                if decoded.gyr_rads is not None:
                    gyr_parts.append(np.asarray(decoded.gyr_rads, dtype=np.float64))
                if decoded.device_time_ns is not None:
                    cnt_parts.append(np.asarray(decoded.device_time_ns, dtype=np.int64))
            elif isinstance(item, _LinkLost):
                flush()
                self._gap_pending = True
                self.profile.reset()
                self._clock.reset()
            elif isinstance(item, _Failed):
                flush()
                self._error = item.error  # raised once the ready batches are taken
                return
            elif item is _END:
                flush()
                self._ended = True
                return
        flush()

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
                self.device.address,
                n_bytes,
                reason,
            )

    # -- callbacks (only enqueue) ---------------------------------------------------------------
    def _data_callback(self, gen: int) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
        queue = self._queue
        stats = self.stats

        def on_data(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            if gen != self._live_gen:
                stats.stale_dropped += 1
                return
            now = time.time_ns()
            stats.notifications += 1
            self._last_data = time.monotonic()
            queue.put_nowait((bytes(data), now))

        return on_data

    def _control_callback(self, gen: int, uuid: str) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
        def on_control(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            if gen == self._live_gen:
                self._control.put_nowait((uuid, bytes(data)))

        return on_control

    def _disconnected_callback(self, gen: int) -> Callable[[BleakClient], None]:
        def on_disconnected(_client: BleakClient) -> None:
            if gen != self._live_gen:
                return
            self._live_gen = None
            self._up = False
            if not self._closing:
                logger.warning("link to %s lost", self.device.address)
                self.stats.link_losses += 1
                self._queue.put_nowait(_LinkLost(time.time_ns()))
            self._link_lost.set()

        return on_disconnected

    # -- connection management --------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._started is not None
        backoff = self.backoff_initial_s
        first_deadline = time.monotonic() + self.connect_timeout_s
        first = True
        last_error: BaseException | None = None
        try:
            while not self._closing:
                try:
                    await self._connect_once(first)
                except SensorError as exc:
                    await self._dispose()
                    if first or not isinstance(exc, NoDataError):
                        self._fail(exc, first)
                        return
                    last_error = exc
                except (BleakError, TimeoutError, OSError, EOFError) as exc:
                    await self._dispose()
                    mapped = _adapter_error(exc)
                    if mapped is not None:
                        self._fail(mapped, first)
                        return
                    last_error = exc
                    logger.info("connect to %s failed: %r", self.device.address, exc)
                    if first and time.monotonic() + backoff > first_deadline:
                        self._fail(
                            ConnectionFailedError(
                                f"could not connect to {self.device.name or self.device.address} "
                                f"({self.device.address}) within {self.connect_timeout_s:g} s: "
                                f"{_one_line(last_error)}"
                            ),
                            first,
                        )
                        return
                else:
                    self._up = True
                    if first:
                        first = False
                        self._started.set_result(None)
                    backoff = self.backoff_initial_s
                    await self._supervise()
                    await self._dispose()
                    if self._closing:
                        break
                if self._closing:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._close_event.wait(), timeout=backoff)
                backoff = min(self.backoff_max_s, backoff * 2)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - report anything to the consumer, as one line
            logger.debug("BLE stream failed", exc_info=True)
            self._fail(SensorError(f"Bluetooth stream failed unexpectedly: {_one_line(exc)}"), first)
            return
        finally:
            if not self._started.done():
                self._started.set_exception(SensorError("stream closed before it started"))
        self._queue.put_nowait(_END)

    def _fail(self, exc: BaseException, first: bool) -> None:
        assert self._started is not None
        if first and not self._started.done():
            self._started.set_exception(exc)
        else:
            self._queue.put_nowait(_Failed(exc))

    async def _supervise(self) -> None:
        """Wait for link loss or close; read the battery now and then; watch for silence."""
        next_battery = time.monotonic() + self.battery_interval_s
        while not self._closing and not self._link_lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._link_lost.wait(), timeout=0.5)
            now = time.monotonic()
            if self._closing or self._link_lost.is_set():
                break
            if now - self._last_data > self.data_timeout_s:
                logger.warning(
                    "no data from %s for %.1f s; reconnecting", self.device.address, now - self._last_data
                )
                self._live_gen = None
                self.stats.link_losses += 1
                self._queue.put_nowait(_LinkLost(time.time_ns()))
                break
            if now >= next_battery:
                next_battery = now + self.battery_interval_s
                await self._read_battery()

    async def _dispose(self) -> None:
        """Fully release the current client (D-Bus connection, watcher) before any new one."""
        client, self._client = self._client, None
        self._live_gen = None
        self._up = False
        if client is None:
            return
        if self._closing and client.is_connected:
            stop = getattr(self.profile, "stop_write", None)
            if callable(stop):
                with contextlib.suppress(Exception):
                    w = stop()
                    await asyncio.wait_for(client.write_gatt_char(w.char_uuid, w.data, response=w.response), 2)
        try:
            await asyncio.wait_for(client.disconnect(), timeout=10)
        except Exception as exc:  # noqa: BLE001 - disposal must go on
            logger.warning("disconnecting %s failed: %r", self.device.address, exc)

    async def _connect_once(self, first: bool) -> None:
        """One connection: connect, read info, configure, subscribe, wait for first data."""
        assert self._client is None, "one client at a time"
        self._gen += 1
        gen = self._gen
        self._link_lost.clear()
        while not self._control.empty():
            self._control.get_nowait()
        target: BLEDevice | str = self.device.ble_device or self.device.address
        client = BleakClient(
            target,
            disconnected_callback=self._disconnected_callback(gen),
            timeout=self.connect_timeout_s,
        )
        self._client = client
        self._live_gen = gen
        try:
            await asyncio.wait_for(client.connect(), timeout=self.connect_timeout_s)
        except BleakDeviceNotFoundError:
            # BlueZ forgot the device object; look it up by address next time
            self.device = replace(self.device, ble_device=None)
            raise
        self.stats.connects += 1
        logger.info("connected to %s (%s), connection %d", self.device.name, self.device.address, gen)

        profile = self.profile
        profile.reset()
        char_uuids = [c.uuid for s in client.services for c in s.characteristics]
        service_uuids = [s.uuid for s in client.services]
        adapt = getattr(profile, "adapt_to_discovered", None)
        if callable(adapt):
            try:
                adapt(char_uuids)
            except DecodeError as exc:
                raise UnsupportedDeviceError(
                    f"{self.device.name or self.device.address} lacks the expected characteristics: {exc}"
                ) from exc
        missing = [u for u in (*profile.notify_uuids, profile.data_uuid) if u not in char_uuids]
        if missing:
            raise UnsupportedDeviceError(
                f"{self.device.name or self.device.address} is not a {profile.model} as expected: "
                f"characteristic(s) {', '.join(missing)} missing; it has services "
                f"{', '.join(service_uuids) or 'none'}"
            )

        if first:
            await self._read_info(client, char_uuids)

        clock_rate = self.rate_hz
        writes = profile.config_writes(self.rate_hz)
        if profile.writes_after_subscribe():
            await self._subscribe(client, gen)
            await self._write_config(client, writes)
        else:
            await self._write_config(client, writes)
            await self._subscribe(client, gen)
        query = getattr(profile, "rate_query_write", None)
        if callable(query):
            await self._write_config(client, [query()])
        clock_rate = await self._check_rate(client, char_uuids, clock_rate)
        if any(u != profile.data_uuid for u in profile.notify_uuids):
            await self._check_replies()

        if clock_rate != self._clock.nominal_rate_hz:
            self._clock = SampleClock(clock_rate, has_device_time=self._clock.has_device_time)
        self.info.rate_hz = clock_rate
        # wait for the first data notification
        self._last_data = time.monotonic()
        start_count = self.stats.notifications
        deadline = time.monotonic() + self.data_timeout_s
        while self.stats.notifications == start_count:
            if self._link_lost.is_set():
                raise BleakError("link lost while starting the stream")
            if time.monotonic() > deadline:
                raise NoDataError(
                    f"{self.device.name or self.device.address} was configured but sent no data "
                    f"within {self.data_timeout_s:g} s"
                )
            await asyncio.sleep(0.02)

    async def _read_info(self, client: BleakClient, char_uuids: list[str]) -> None:
        for uuid, attr in ((MODEL_NUMBER_UUID, "model_number"), (FIRMWARE_REVISION_UUID, "firmware")):
            if uuid not in char_uuids:
                continue
            try:
                raw = await asyncio.wait_for(client.read_gatt_char(uuid), timeout=5)
            except Exception as exc:  # noqa: BLE001 - optional information
                if _is_pairing_error(exc):
                    raise PairingRequiredError(_pairing_message(self.device)) from exc
                logger.info("could not read %s: %r", attr, exc)
                continue
            text = bytes(raw).split(b"\0", 1)[0].decode("utf-8", "replace").strip()
            if attr == "firmware":
                self.info.firmware = text
            else:
                self.info.extra["model_number"] = text
        await self._read_battery(client, char_uuids)

    async def _read_battery(self, client: BleakClient | None = None, char_uuids: list[str] | None = None) -> None:
        client = client or self._client
        if client is None or not client.is_connected:
            return
        if char_uuids is None:
            char_uuids = [c.uuid for s in client.services for c in s.characteristics]
        if BATTERY_LEVEL_UUID not in char_uuids:
            return
        try:
            raw = await asyncio.wait_for(client.read_gatt_char(BATTERY_LEVEL_UUID), timeout=5)
        except Exception as exc:  # noqa: BLE001 - optional information
            logger.info("could not read the battery level: %r", exc)
            return
        if raw:
            self.stats.battery_pct = int(raw[0])
            self.info.battery_pct = int(raw[0])

    async def _subscribe(self, client: BleakClient, gen: int) -> None:
        profile = self.profile
        for uuid in profile.notify_uuids:
            callback = self._data_callback(gen) if uuid == profile.data_uuid else self._control_callback(gen, uuid)
            try:
                await client.start_notify(uuid, callback)
            except BleakError as exc:
                if _is_pairing_error(exc):
                    raise PairingRequiredError(_pairing_message(self.device)) from exc
                raise

    async def _write_config(self, client: BleakClient, writes: list[Any]) -> None:
        for w in writes:
            try:
                await client.write_gatt_char(w.char_uuid, w.data, response=w.response)
            except (BleakDBusError, BleakGATTProtocolError) as exc:
                if _is_pairing_error(exc):
                    raise PairingRequiredError(_pairing_message(self.device)) from exc
                raise ConfigurationRejectedError(
                    f"{self.device.name or self.device.address} rejected configuration write "
                    f"{w.data.hex(' ')} to {w.char_uuid}: {_one_line(exc)}"
                ) from exc
            if w.delay_s:
                await asyncio.sleep(w.delay_s)

    async def _check_rate(self, client: BleakClient, char_uuids: list[str], rate: float) -> float:
        uuid = self.profile.rate_readback_uuid()
        if uuid is None or uuid not in char_uuids:
            return rate
        try:
            raw = await asyncio.wait_for(client.read_gatt_char(uuid), timeout=5)
        except Exception as exc:  # noqa: BLE001 - confirmation is best effort
            if _is_pairing_error(exc):
                raise PairingRequiredError(_pairing_message(self.device)) from exc
            logger.info("could not read the rate back: %r", exc)
            return rate
        actual = self.profile.parse_rate_readback(bytes(raw))
        if actual is None:
            logger.info("rate read-back %s not interpretable", bytes(raw).hex(" "))
            return rate
        if abs(actual - rate) > 1e-6 * rate:
            logger.warning("%s runs at %g Hz (requested %g Hz)", self.device.address, actual, rate)
        return float(actual)

    async def _check_replies(self, timeout_s: float = 3.0) -> None:
        """Wait for a reply on control characteristics and let the profile judge it."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                logger.warning("no configuration reply from %s", self.device.address)
                return
            try:
                uuid, data = await asyncio.wait_for(self._control.get(), timeout=remaining)
            except TimeoutError:
                logger.warning("no configuration reply from %s", self.device.address)
                return
            error = self.profile.check_config_reply(uuid, data)
            if error:
                raise ConfigurationRejectedError(
                    f"{self.device.name or self.device.address} rejected the configuration: {error}"
                )
            return


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text[:200]


def _pairing_message(device: FoundDevice) -> str:
    return (
        f"pairing required: {device.name or device.address} ({device.address}) refused access; "
        "pair it first (bluetoothctl pair) or flash a program with open pairing"
    )


