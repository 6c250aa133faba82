"""Guided routines on the live sensor stream: prompts on the terminal while samples are collected.

:func:`run_guided` connects to the wearer's remembered sensor (the same BLE path as
``record``: :func:`posturelog.sensor_choice.choose_device`, :class:`sensor.ble.SensorStream`), shows
each :class:`posturelog.stretch.Prompt` when its time comes, optionally stores the samples
through a :class:`posturelog.recorder.Recorder` session (so a calibration routine is in the
data the report analyses), and returns the collected samples for checking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rich.console import Console

from posturelog.errors import UserError
from posturelog.recorder import Recorder
from posturelog.sensor_choice import DEVICE_ADDRESS_KEY, choose_device, scan_timeout_s
from posturelog.store import Store
from posturelog.stretch import Prompt
from sensor.batch import SampleBatch, SourceInfo
from sensor.ble import SensorError, SensorStream
from vocab.samples import rate_from_times

__all__ = ["BatchListener", "Collected", "collect", "run_guided"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Collected:
    """Samples of a guided routine.

    Attributes
    ----------
    t_ns : ndarray, shape (N,)
        UTC ns.
    acc_mps2 : ndarray, shape (N, 3)
    gyr_rads : ndarray, shape (N, 3) or None
    fs_hz : float
    start_ns : int
        UTC ns of the first prompt (t = 0 of the prompt schedule).
    info : SourceInfo
    """

    t_ns: NDArray[np.int64]
    acc_mps2: NDArray[np.float64]
    gyr_rads: NDArray[np.float64] | None
    fs_hz: float
    start_ns: int
    info: SourceInfo

    @property
    def t_s(self) -> NDArray[np.float64]:
        """Seconds from the first prompt."""
        return np.asarray((self.t_ns - self.start_ns) / 1e9, dtype=np.float64)


def collect(batches: Sequence[SampleBatch], start_ns: int, info: SourceInfo) -> Collected:
    """Join batches into one :class:`Collected` (empty input gives N = 0)."""
    if not batches:
        empty = np.empty((0, 3))
        return Collected(np.empty(0, dtype=np.int64), empty, None, info.rate_hz, start_ns, info)
    t = np.concatenate([b.t_ns for b in batches])
    acc = np.concatenate([b.acc_mps2 for b in batches])
    gyr = (np.concatenate([b.gyr_rads for b in batches])
           if info.has_gyroscope and all(b.gyr_rads is not None for b in batches) else None)
    fs = rate_from_times(t) or info.rate_hz
    return Collected(t, acc, gyr, fs, start_ns, info)


#: Called with each batch and the UTC ns of the first prompt (e.g. live per-repetition checks).
BatchListener = Callable[[SampleBatch, int], None]


def run_guided(store: Store, prompts: Sequence[Prompt], duration_s: float, console: Console,
               *, record: bool, on_batch: BatchListener | None = None) -> Collected:
    """Prompt a routine on the remembered sensor and collect its samples.

    ``on_batch`` sees every batch as it arrives; an exception in it is logged once and the
    listener is dropped (the routine goes on).

    Raises
    ------
    UserError
        Sensor not found or failing (one line), or no sensor remembered and none unique nearby.
    """
    try:
        return asyncio.run(_guided(store, list(prompts), duration_s, console, record, on_batch))
    except SensorError as exc:
        raise UserError(str(exc)) from exc


async def _guided(store: Store, prompts: list[Prompt], duration_s: float, console: Console,
                  record: bool, on_batch: BatchListener | None = None) -> Collected:
    remembered = store.get_setting(DEVICE_ADDRESS_KEY)
    chosen = await choose_device(remembered, None, scan_timeout_s())
    stream = SensorStream(chosen, None)
    info = await stream.start()
    batches: list[SampleBatch] = []
    start_ns = time.time_ns()
    t0 = time.monotonic()

    async def prompter() -> None:
        for p in prompts:
            await asyncio.sleep(max(0.0, p.at_s - (time.monotonic() - t0)))
            console.print(f"[bold cyan]▶[/] {p.text}")
        await asyncio.sleep(max(0.0, duration_s - (time.monotonic() - t0)))
        await stream.close()

    task = asyncio.get_running_loop().create_task(prompter())
    rec_ctx = (Recorder(store, info, store.timezone(), source="ble; guided routine") if record
               else contextlib.nullcontext())
    try:
        with rec_ctx as rec:
            async for batch in stream:
                if rec is not None:
                    rec.add(batch)
                batches.append(batch)
                if on_batch is not None:
                    try:
                        on_batch(batch, start_ns)
                    except Exception:
                        log.exception("live check failed; the routine goes on without it")
                        on_batch = None
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await stream.close()
    return collect(batches, start_ns, info)
