"""The stream: connect, configure, subscribe and yield :class:`SampleBatch` objects, reconnecting
after link loss.

Design
------
* The notification callback only hands ``bytes`` to the :class:`~sensor.ble.feed.BatchFeed`
  (a queue); the consumer (:meth:`SensorStream.__anext__`) takes batches from it.
* One client at a time. On link loss (bleak's ``disconnected_callback``) the old client is
  disposed of completely (``disconnect()`` releases its D-Bus connection and watcher) before a
  new one is created, waiting between attempts as :mod:`sensor.ble.reconnect` says (capped
  exponential backoff; which failures end the stream).
* Every connection has a generation number captured by its callbacks; a callback from an older
  generation is dropped and counted (``StreamStats.stale_dropped``). That is the guard against
  doubled notifications after a reconnect (bleak issue #2002): a stale client's deliveries can
  never reach the queue, so no sample is delivered twice.
* The first batch after a reconnect has ``gap_before=True``; decoder and clock are reset.
* After configuring, the rate is confirmed where the sensor can say (:mod:`sensor.ble.rate`:
  a read-back characteristic, or a query answered among the data notifications) and recorded
  in :attr:`SensorStream.info`; a sensor that did not take the rate is timed at the rate it
  reports.
* Failures a person can act on raise :class:`~sensor.ble.errors.SensorError` subclasses with a
  one-line message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakDeviceNotFoundError, BleakError

from sensor.batch import SampleBatch, SourceInfo
from sensor.ble.batching import BatchAssembler, StreamStats
from sensor.ble.errors import NoDataError, SensorError, UnsupportedDeviceError, one_line
from sensor.ble.feed import BatchFeed
from sensor.ble.gatt import (
    check_replies,
    match_characteristics,
    read_battery,
    read_info,
    subscribe,
    write_config,
)
from sensor.ble.rate import RateConfirmation
from sensor.ble.reconnect import Backoff, fatal_error
from sensor.ble.scan import FoundDevice, unsupported_message
from sensor.clock import SampleClock
from sensor.profiles import profile_by_key
from vocab.units import require_positive_finite

__all__ = ["SensorStream"]

logger = logging.getLogger(__name__)


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
    rate_reply_timeout_s : float
        How long to wait for the sensor to report its rate after being asked (WitMotion).

    Attributes
    ----------
    info : SourceInfo
        Model, address, name, firmware, battery and the rate in use (after :meth:`start`).
        ``info.extra["rate_confirmed"]`` says whether the sensor confirmed the rate
        (``yes``/``no``/``unknown``, where it can say); ``info.extra["rate_note"]`` says when
        it did not take the requested rate (it then runs, and is timed, at the rate it reports).
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
        rate_reply_timeout_s: float = 2.0,
    ) -> None:
        if device.profile_key is None:
            raise UnsupportedDeviceError(unsupported_message(device))
        if rate_hz is not None:
            require_positive_finite("rate_hz", rate_hz)
        self.device = device
        self.connect_timeout_s = connect_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.data_timeout_s = data_timeout_s
        self.battery_interval_s = battery_interval_s
        self.batch_interval_s = batch_interval_s
        self.rate_reply_timeout_s = rate_reply_timeout_s
        cls = profile_by_key(device.profile_key)
        self.rate_hz = cls.from_rate().nearest_rate(50.0 if rate_hz is None else rate_hz)
        self.profile = cls.from_rate(self.rate_hz)
        self.info = SourceInfo(
            model=cls.model,
            address=device.address,
            name=device.name,
            rate_hz=self.rate_hz,
            has_gyroscope=cls.has_gyroscope,
        )
        self.stats = StreamStats()
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
        self._rate = RateConfirmation(self.profile, self.info, self.rate_hz, rate_reply_timeout_s)
        clock = SampleClock(self.rate_hz, has_device_time=cls.has_device_time)
        self._batches = BatchAssembler(self.profile, clock, self.stats, device.address)
        self._feed = BatchFeed(self._batches, self.stats, batch_interval_s)

    @property
    def closing(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closing

    @property
    def connected(self) -> bool:
        """Whether a connection is up and streaming now."""
        return self._up and self._live_gen is not None

    @property
    def client(self) -> BleakClient | None:
        """The connected bleak client, for extra writes (alert cues); None while the link is down.

        Writes through it must not touch the motion characteristics; a failed write must be
        caught by the caller (the stream reconnects on its own).
        """
        return self._client if self.connected else None

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
        self._feed.end()  # wakes a consumer even if the runner was cancelled

    async def __aenter__(self) -> SensorStream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __aiter__(self) -> SensorStream:
        return self

    async def __anext__(self) -> SampleBatch:
        batch = await self._feed.next_batch()
        if batch is None:
            raise StopAsyncIteration
        return batch

    # -- callbacks (only enqueue) ---------------------------------------------------------------
    def _data_callback(self, gen: int) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
        feed = self._feed
        stats = self.stats

        def on_data(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            if gen != self._live_gen:
                stats.stale_dropped += 1
                return
            self._last_data = time.monotonic()
            payload = bytes(data)
            feed.data(payload)
            self._rate.offer(payload)

        return on_data

    def _control_callback(
        self, gen: int, uuid: str
    ) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
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
                self._feed.link_lost()
            self._link_lost.set()

        return on_disconnected

    # -- connection management --------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._started is not None
        backoff = Backoff(self.backoff_initial_s, self.backoff_max_s)
        first_deadline = time.monotonic() + self.connect_timeout_s
        first = True
        try:
            while not self._closing:
                try:
                    await self._connect_once(first)
                except (SensorError, BleakError, TimeoutError, OSError, EOFError) as exc:
                    await self._dispose()
                    out_of_time = time.monotonic() + backoff.delay_s > first_deadline
                    fatal = fatal_error(
                        exc,
                        self.device,
                        first=first,
                        out_of_time=out_of_time,
                        connect_timeout_s=self.connect_timeout_s,
                    )
                    if fatal is not None:
                        self._fail(fatal, first)
                        return
                else:
                    self._up = True
                    if first:
                        first = False
                        self._started.set_result(None)
                    backoff.reset()
                    await self._supervise()
                    await self._dispose()
                    if self._closing:
                        break
                if self._closing:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._close_event.wait(), timeout=backoff.delay_s)
                backoff.grow()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - report anything to the consumer, as one line
            logger.debug("BLE stream failed", exc_info=True)
            self._fail(SensorError(f"Bluetooth stream failed unexpectedly: {one_line(exc)}"), first)
            return
        finally:
            if not self._started.done():
                self._started.set_exception(SensorError("stream closed before it started"))
        self._feed.end()

    def _fail(self, exc: BaseException, first: bool) -> None:
        assert self._started is not None
        if first and not self._started.done():
            self._started.set_exception(exc)
        else:
            self._feed.fail(exc)

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
                    "no data from %s for %.1f s; reconnecting",
                    self.device.address,
                    now - self._last_data,
                )
                self._live_gen = None
                self.stats.link_losses += 1
                self._feed.link_lost()
                break
            if now >= next_battery:
                next_battery = now + self.battery_interval_s
                await self._read_battery()

    async def _read_battery(self) -> None:
        client = self._client
        if client is None:
            return
        char_uuids = [c.uuid for s in client.services for c in s.characteristics]
        battery = await read_battery(client, char_uuids)
        if battery is not None:
            self.stats.battery_pct = self.info.battery_pct = battery

    async def _dispose(self) -> None:
        """Fully release the current client (D-Bus connection, watcher) before any new one."""
        client, self._client = self._client, None
        self._live_gen = None
        self._up = False
        if client is None:
            return
        if self._closing and client.is_connected:
            stop = self.profile.stop_write()
            if stop is not None:
                with contextlib.suppress(Exception):
                    write = client.write_gatt_char(
                        stop.char_uuid, stop.data, response=stop.response
                    )
                    await asyncio.wait_for(write, 2)
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
        logger.info(
            "connected to %s (%s), connection %d", self.device.name, self.device.address, gen
        )

        profile = self.profile
        profile.reset()
        char_uuids = [c.uuid for s in client.services for c in s.characteristics]
        match_characteristics(client, char_uuids, profile, self.device)
        if first:
            await read_info(client, char_uuids, self.device, self.info)
            self.stats.battery_pct = self.info.battery_pct

        writes = profile.config_writes(self.rate_hz)
        if profile.writes_after_subscribe():
            await self._subscribe(client, gen)
            await write_config(client, writes, self.device)
        else:
            await write_config(client, writes, self.device)
            await self._subscribe(client, gen)
        clock_rate = await self._rate.confirm(client, char_uuids, self.device)
        if any(u != profile.data_uuid for u in profile.notify_uuids):
            await check_replies(self._control, profile, self.device)

        clock = self._batches.clock
        if clock_rate != clock.nominal_rate_hz:
            self._batches.clock = SampleClock(clock_rate, has_device_time=clock.has_device_time)
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

    async def _subscribe(self, client: BleakClient, gen: int) -> None:
        await subscribe(
            client,
            self.profile,
            self.device,
            self._data_callback(gen),
            lambda uuid: self._control_callback(gen, uuid),
        )
