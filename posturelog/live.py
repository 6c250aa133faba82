"""``posturelog scan`` and ``posturelog record``: the live BLE side of the application.

The wearer's own sensor is remembered in the data directory (setting ``device_address``):
``record`` connects to that one only and never silently picks another sensor of the same
model (a colleague's). ``--device NAME|ADDR`` switches on purpose and remembers the choice.

Recording goes through :class:`posturelog.recorder.Recorder` (session record, gaps, crash-safe
segments flushed at least every second, compaction at the end); a rich status line shows the
achieved rate, samples, gaps and battery, and under it the live posture (flexion, state,
today's slouch minutes, time since the last break) with slouch and break alerts
(:mod:`posturelog.live_alerts`). Ctrl-C (SIGINT) or SIGTERM stop cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
from collections import deque
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from posturelog.alert_config import load_alert_settings
from posturelog.config import resolve_up_axis
from posturelog.display import clean, literal
from posturelog.errors import UserError
from posturelog.live_alerts import LiveSession, start_live_session
from posturelog.live_keys import SnoozeKeys, TerminalKeys
from posturelog.recorder import Recorder
from posturelog.store import Store
from sensor.batch import SourceInfo
from sensor.ble import (
    DeviceNotFoundError,
    FoundDevice,
    SensorError,
    SensorStream,
    UnsupportedDeviceError,
    find_device,
    gatt_services,
    scan,
    unsupported_message,
)

__all__ = [
    "DEVICE_ADDRESS_KEY",
    "DEVICE_NAME_KEY",
    "choose_device",
    "run_record",
    "run_scan",
    "scan_timeout_s",
]

logger = logging.getLogger(__name__)

#: Setting that remembers the wearer's sensor (its Bluetooth address).
DEVICE_ADDRESS_KEY = "device_address"
#: Setting with the remembered sensor's name (for messages only).
DEVICE_NAME_KEY = "device_name"

_ADDRESS_RE = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_FLUSH_EVERY_S = 0.5
T = TypeVar("T")


@dataclass(frozen=True)
class _LiveOptions:
    """Live view switches of one ``record`` run."""

    enabled: bool = True
    alert_after_s: float | None = None
    #: how the sensor is worn (``--up-axis`` / ``[sensor] up_axis``), stored with the session
    up_axis: str = ""


def scan_timeout_s() -> float:
    """Seconds ``record`` scans for sensors: ``$POSTURELOG_SCAN_TIMEOUT`` or 5."""
    raw = os.environ.get("POSTURELOG_SCAN_TIMEOUT", "")
    try:
        value = float(raw) if raw else 5.0
    except ValueError:
        raise UserError(f"POSTURELOG_SCAN_TIMEOUT must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise UserError(f"POSTURELOG_SCAN_TIMEOUT must be positive, got {raw!r}")
    return value


def _run(coro: Awaitable[T]) -> T:
    """Run a coroutine; turn sensor errors into one-line user errors."""

    async def wrapper() -> T:
        return await coro

    try:
        return asyncio.run(wrapper())
    except SensorError as exc:
        raise UserError(str(exc)) from exc


# ----------------------------------------------------------------------------- scan
def run_scan(data_dir: Path, timeout_s: float) -> int:
    """Print nearby supported sensors as a table; mark the remembered one.

    Parameters
    ----------
    data_dir : Path
        Data directory (for the remembered sensor).
    timeout_s : float
        Scan duration, seconds.

    Returns
    -------
    int
        Exit code (0).

    Raises
    ------
    UserError
        No Bluetooth adapter / BlueZ not running, or a non-positive timeout.
    """
    if not timeout_s > 0:
        raise UserError(f"--timeout must be positive, got {timeout_s}")
    with Store(data_dir) as store:
        remembered = (store.get_setting(DEVICE_ADDRESS_KEY) or "").upper()
    console = Console()
    with console.status(f"Scanning for {timeout_s:g} s…"):
        found = _run(scan(timeout_s))
    supported = [d for d in found if d.supported]
    others = len(found) - len(supported)
    if not supported:
        console.print(f"No supported sensor found in {timeout_s:g} s ({others} other device(s) seen).")
        return 0
    table = Table(title="Supported sensors nearby")
    table.add_column("", width=1)
    table.add_column("Name")
    table.add_column("Address")
    table.add_column("Model")
    table.add_column("RSSI (dBm)", justify="right")
    for d in supported:
        mine = d.address == remembered
        table.add_row(
            "★" if mine else "",
            literal(d.name or "—"),
            literal(d.address),
            literal(d.model or "—"),
            "—" if d.rssi is None else str(d.rssi),
            style="bold" if mine else None,
        )
    console.print(table)
    if remembered:
        console.print("★ = your sensor (remembered)" if any(d.address == remembered for d in supported)
                      else f"Your sensor {remembered} was not seen.")
    if others:
        console.print(f"{others} other device(s) seen that are not supported sensors.")
    return 0


# ----------------------------------------------------------------------------- choice
def _describe(d: FoundDevice) -> str:
    """A device for display; its advertised name is cleaned of control characters."""
    return clean(f"{d.name or '(no name)'} ({d.address}, {d.model or 'unsupported'})")


async def choose_device(
    remembered: str | None, device: str | None, timeout_s: float
) -> FoundDevice:
    """Pick the sensor to record from.

    Parameters
    ----------
    remembered : str or None
        Address remembered in the data directory.
    device : str or None
        ``--device`` (name or address): switches on purpose.
    timeout_s : float
        Scan timeout, seconds.

    Returns
    -------
    FoundDevice
        A supported sensor.

    Raises
    ------
    SensorError
        Not found, unsupported, or ambiguous (several sensors and none chosen).
    """
    if device:
        wanted = device.strip()
        if _ADDRESS_RE.match(wanted):
            found = await find_device(wanted, timeout_s)
        else:
            seen = await scan(timeout_s)
            named = [d for d in seen if d.name.lower() == wanted.lower()]
            if not named:
                names = ", ".join(sorted({_describe(d) for d in seen if d.supported})) or "none"
                raise DeviceNotFoundError(
                    f"no device named {wanted!r} found within {timeout_s:g} s (supported sensors seen: {names})"
                )
            if len(named) > 1:
                raise SensorError(
                    f"several devices are named {wanted!r} ({', '.join(d.address for d in named)}); "
                    "choose one with --device ADDRESS"
                )
            found = named[0]
        if not found.supported:
            services = list(found.service_uuids) or await gatt_services(found)
            raise UnsupportedDeviceError(unsupported_message(found, services))
        return found
    if remembered:
        try:
            found = await find_device(remembered, timeout_s)
        except DeviceNotFoundError:
            raise DeviceNotFoundError(
                f"your sensor {remembered} was not found within {timeout_s:g} s; switch it on and "
                "bring it close, or choose another with --device NAME|ADDR"
            ) from None
        if not found.supported:
            raise UnsupportedDeviceError(
                f"your remembered sensor {remembered} no longer looks like a supported model; "
                "choose one with --device NAME|ADDR"
            )
        return found
    seen = await scan(timeout_s)
    supported = [d for d in seen if d.supported]
    if not supported:
        raise DeviceNotFoundError(
            f"no supported sensor found within {timeout_s:g} s ({len(seen)} other device(s) seen); "
            "switch it on and bring it close"
        )
    if len(supported) > 1:
        listing = "; ".join(_describe(d) for d in supported)
        raise SensorError(
            f"several supported sensors found ({listing}); choose yours with --device NAME|ADDR"
        )
    return supported[0]


# ----------------------------------------------------------------------------- record
class _Status:
    """Live status: achieved rate over the last seconds, samples, gaps, battery."""

    def __init__(self, stream: SensorStream, started: float, live: LiveSession | None = None) -> None:
        self.stream = stream
        self.live = live
        self.started = started
        self.samples = 0
        self.gaps = 0
        self.window: deque[tuple[float, int]] = deque()

    def add(self, n: int, gap: bool) -> None:
        self.samples += n
        self.gaps += int(gap)
        now = time.monotonic()
        self.window.append((now, self.samples))
        while self.window and now - self.window[0][0] > 5.0:
            self.window.popleft()

    def rate(self) -> float:
        if len(self.window) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self.window[0], self.window[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def render(self) -> Text:
        stats = self.stream.stats
        info = self.stream.info
        elapsed = time.monotonic() - self.started
        battery = "—" if stats.battery_pct is None else f"{stats.battery_pct}%"
        link = "stopping" if self.stream.closing else "connected" if self.stream.connected else "reconnecting…"
        return Text.assemble(
            ("● REC ", "bold red"),
            f"{info.name or info.address} · {self.rate():5.1f}/{info.rate_hz:g} Hz · "
            f"{self.samples:,} samples · {self.gaps} gap(s) · battery {battery} · {link} · "
            f"{int(elapsed) // 3600:02d}:{int(elapsed) % 3600 // 60:02d}:{int(elapsed) % 60:02d}",
            *((("\n  ", ""), (self.live.status(), "bold")) if self.live is not None else ()),
            *((("\n  ", ""), (self.live.key_hint, "dim")) if self.live is not None and self.live.key_hint else ()),
        )


def run_record(data_dir: Path, device: str | None, duration_s: float | None, rate_hz: float | None,
               alert_after_s: float | None = None, *, live_view: bool = True,
               up_axis: str | None = None) -> int:
    """Record the wearer's sensor into the store until ``duration_s`` or Ctrl-C.

    Parameters
    ----------
    data_dir : Path
        Data directory.
    device : str or None
        ``--device NAME|ADDR``: record from this sensor and remember it.
    duration_s : float or None
        Stop after this many seconds of streaming (``None``: until Ctrl-C / SIGTERM).
    rate_hz : float or None
        Requested sample rate (nearest supported); ``None``: 50 Hz or nearest.
    alert_after_s : float or None
        ``--alert-after``: seconds of slouch before an alert (overrides ``[alerts]``).
    live_view : bool
        Run the live posture view and alerts (:mod:`posturelog.live_alerts`) on the stream.
    up_axis : str or None
        ``--up-axis``: the device axis pointing toward the head when standing (``"+y"``);
        default ``[sensor] up_axis`` of ``config.toml``, else unknown. Stored with the session.

    Returns
    -------
    int
        Exit code (0 after a clean stop).

    Raises
    ------
    UserError
        Sensor not found / ambiguous / unsupported, pairing required, configuration rejected,
        no adapter / BlueZ not running, or bad arguments.
    """
    if duration_s is not None and not duration_s > 0:
        raise UserError(f"--duration must be positive, got {duration_s}")
    if rate_hz is not None and not rate_hz > 0:
        raise UserError(f"--rate must be positive, got {rate_hz}")
    timeout_s = scan_timeout_s()
    axis = resolve_up_axis(up_axis, data_dir)  # bad axis or config: fail before connecting
    if live_view:
        load_alert_settings(data_dir, alert_after_s=alert_after_s)  # bad config: fail before connecting
    console = Console()
    with Store(data_dir) as store:
        pending = store.compact_pending()
        if pending:
            logger.info("compacted %d segment(s) left by an earlier recorder", pending)
        live = _LiveOptions(live_view, alert_after_s, axis)
        return _run(_record(store, console, device, duration_s, rate_hz, timeout_s, live))


async def _record(
    store: Store,
    console: Console,
    device: str | None,
    duration_s: float | None,
    rate_hz: float | None,
    timeout_s: float,
    live: _LiveOptions,
) -> int:
    remembered = store.get_setting(DEVICE_ADDRESS_KEY)
    chosen = await choose_device(remembered, device, timeout_s)
    stream = SensorStream(chosen, rate_hz)
    info = await stream.start()
    try:
        return await _stream_to_store(store, console, stream, chosen, remembered, info, duration_s, live)
    finally:
        await stream.close()  # no-op after a normal stop; releases the sensor after a failure


@dataclass
class _Run:
    """One ``record`` run from a connected stream to the stored session (split into steps)."""

    store: Store
    console: Console
    stream: SensorStream
    info: SourceInfo
    session: LiveSession | None = None
    status: _Status | None = None
    live: Live | None = None
    error: SensorError | None = None

    def start_live(self, live_opts: _LiveOptions, loop: asyncio.AbstractEventLoop) -> None:
        """The live session (engine, policy, channels), the status and the rich live view."""
        if live_opts.enabled:
            stream = self.stream
            self.session = start_live_session(self.store, self.info, self.store.timezone(),
                                              alert_after_s=live_opts.alert_after_s, console=self.console,
                                              client=lambda: stream.client, loop=loop)
        self.status = _Status(self.stream, time.monotonic(), self.session)
        if self.console.is_terminal:
            self.live = Live(self.status.render(), console=self.console, refresh_per_second=2,
                             transient=False)

    @contextlib.contextmanager
    def keys(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """Read the snooze keys from a terminal stdin while the live view shows (else nothing)."""
        session = self.session
        if session is None or self.live is None or session.feedback.policy is None:
            yield
            return
        keys = SnoozeKeys(self.store, session.feedback.policy, session.settings.snooze_s)

        def on_key(key: str) -> None:
            message = keys(key)
            if message is not None:
                self.console.print(message, markup=False)

        with TerminalKeys(on_key, loop) as reader:
            session.key_hint = keys.hint if reader.active else ""
            try:
                yield
            finally:
                session.key_hint = ""

    async def flusher(self, rec: Recorder) -> None:
        """Flush at least every second even when no batch arrives (link down); refresh the view."""
        assert self.status is not None
        last_print = time.monotonic()
        while True:
            await asyncio.sleep(_FLUSH_EVERY_S)
            rec.flush()
            if self.live is not None:
                self.live.update(self.status.render())
            elif time.monotonic() - last_print >= 10:
                last_print = time.monotonic()
                self.console.print(self.status.render())

    async def pump(self, rec: Recorder) -> None:
        """Batches from the stream into the recorder until the stream ends or fails."""
        assert self.status is not None
        try:
            async for batch in self.stream:
                rec.add(batch)
                self.status.add(len(batch), batch.gap_before)
        except SensorError as exc:
            self.error = exc

    async def finish_live(self) -> None:
        """Close the last live second, wait for pending alert sends, stop the view."""
        if self.session is not None:
            self.session.finish()
            await self.session.dispatcher.drain()
        if self.live is not None:
            assert self.status is not None
            self.live.update(self.status.render())
            self.live.stop()

    def session_fields(self) -> dict[str, object]:
        """What the stream learnt about the sensor, for the session row."""
        info = self.stream.info
        fields: dict[str, object] = {"rate_hz": float(info.rate_hz)}
        if info.battery_pct is not None:
            fields["battery_pct"] = info.battery_pct
        if info.firmware:
            fields["firmware"] = info.firmware
        return fields


def _remember(store: Store, console: Console, chosen: FoundDevice, remembered: str | None) -> None:
    """Remember the chosen sensor as the wearer's (when it is another one)."""
    if chosen.address != (remembered or "").upper():
        store.set_setting(DEVICE_ADDRESS_KEY, chosen.address)
        store.set_setting(DEVICE_NAME_KEY, chosen.name)
        console.print(f"Remembering {_describe(chosen)} as your sensor.", markup=False)


def _stop_task(loop: asyncio.AbstractEventLoop, stream: SensorStream, duration_s: float | None
               ) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """SIGINT, SIGTERM or the duration set the stop event; the task then closes the stream."""
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if duration_s is not None:
        loop.call_later(duration_s, stop.set)

    async def stopper() -> None:
        await stop.wait()
        await stream.close()

    return stop, loop.create_task(stopper())


async def _stream_to_store(
    store: Store,
    console: Console,
    stream: SensorStream,
    chosen: FoundDevice,
    remembered: str | None,
    info: SourceInfo,
    duration_s: float | None,
    live_opts: _LiveOptions,
) -> int:
    _remember(store, console, chosen, remembered)
    loop = asyncio.get_running_loop()
    stop, stop_task = _stop_task(loop, stream, duration_s)
    if live_opts.up_axis:
        info = replace(info, up_axis=live_opts.up_axis)
    run = _Run(store, console, stream, info)
    run.start_live(live_opts, loop)
    with Recorder(store, info, store.timezone(), source="ble") as rec:
        if run.session is not None:
            rec.on_batch(run.session.listener)
        flush_task = loop.create_task(run.flusher(rec))
        try:
            if run.live is not None:
                run.live.start()
            with run.keys(loop):
                await run.pump(rec)
        finally:
            flush_task.cancel()
            stop.set()
            with contextlib.suppress(BaseException):
                await stop_task
            await run.finish_live()
        assert rec.result is not None
        store.update_session(rec.result.session_id, **run.session_fields())
    stats = stream.stats
    console.print(
        f"Recorded {rec.result.n_samples:,} samples from {_describe(chosen)} in session "
        f"{rec.result.session_id}: {len(rec.result.gaps)} gap(s), {stats.link_losses} link loss(es), "
        f"{stats.garbage} undecodable notification(s) skipped.",
        markup=False,
    )
    if run.error is not None:
        raise run.error
    return 0
