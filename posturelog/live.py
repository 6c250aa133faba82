"""``posturelog scan`` and ``posturelog record``: the live BLE side of the application.

``scan`` lists the supported sensors nearby and marks the wearer's remembered one. ``record``
connects to the wearer's sensor (:mod:`posturelog.sensor_choice`: the remembered one, or
``--device NAME|ADDR``, remembered from then on) and records it through
:class:`posturelog.recorder.Recorder` (session record, gaps, crash-safe segments flushed at
least every second, compaction at the end); the run's steps (:mod:`posturelog.record_run`)
show a rich status line with the achieved rate, samples, gaps and battery, and under it the
live posture (flexion, state, today's slouch minutes, time since the last break) with slouch
and break alerts (:mod:`posturelog.live_alerts`). Ctrl-C (SIGINT) or SIGTERM stop cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table

from posturelog.alert_config import load_alert_settings
from posturelog.config import resolve_up_axis
from posturelog.display import literal
from posturelog.errors import UserError
from posturelog.record_run import LiveOptions, RecordRun
from posturelog.recorder import Recorder
from posturelog.sensor_choice import (
    DEVICE_ADDRESS_KEY,
    choose_device,
    describe_device,
    remember_device,
    scan_timeout_s,
)
from posturelog.store import Store
from sensor.batch import SourceInfo
from sensor.ble import FoundDevice, SensorError, SensorStream, scan

__all__ = ["run_record", "run_scan"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


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


# ----------------------------------------------------------------------------- record
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
        live = LiveOptions(live_view, alert_after_s, axis)
        return _run(_record(store, console, device, duration_s, rate_hz, timeout_s, live))


async def _record(
    store: Store,
    console: Console,
    device: str | None,
    duration_s: float | None,
    rate_hz: float | None,
    timeout_s: float,
    live: LiveOptions,
) -> int:
    remembered = store.get_setting(DEVICE_ADDRESS_KEY)
    chosen = await choose_device(remembered, device, timeout_s)
    stream = SensorStream(chosen, rate_hz)
    info = await stream.start()
    try:
        return await _stream_to_store(store, console, stream, chosen, remembered, info, duration_s, live)
    finally:
        await stream.close()  # no-op after a normal stop; releases the sensor after a failure


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
    live_opts: LiveOptions,
) -> int:
    remember_device(store, console, chosen, remembered)
    loop = asyncio.get_running_loop()
    stop, stop_task = _stop_task(loop, stream, duration_s)
    if live_opts.up_axis:
        info = replace(info, up_axis=live_opts.up_axis)
    run = RecordRun(store, console, stream, info)
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
        f"Recorded {rec.result.n_samples:,} samples from {describe_device(chosen)} in session "
        f"{rec.result.session_id}: {len(rec.result.gaps)} gap(s), {stats.link_losses} link loss(es), "
        f"{stats.garbage} undecodable notification(s) skipped.",
        markup=False,
    )
    if run.error is not None:
        raise run.error
    return 0
