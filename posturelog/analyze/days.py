"""Store → per-second epochs for a range of local days, cached, optionally in parallel.

Each local day is *prepared* (read, tilt filter, per-second features, wear, each bout's
routine and walking fits: :func:`analysis.epochs.prepare_day`) and then *finished* in date
order (mountings, angles, context: :func:`analysis.epochs.finish_day`), because a day's
mounting can be carried into the next. Preparing does not need the carried mounting, so
with ``workers > 1`` days are prepared ahead in forked processes
(:func:`posturelog.forking.forked_pool`) while this process finishes them in order. Each
worker holds one day of samples (~4.3 M at 50 Hz) at a time; the tilt filter's working
memory (~150 bytes per sample of a gap-free segment) is shared through a budget
(:data:`TILT_BUDGET_SAMPLES`): two large segments are filtered one after the other.
Slouch episodes are found once, over the whole range (:func:`epochs_for_days`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.episodes import find_episodes
from analysis.epochs import (
    EPOCH_COLUMNS,
    EpochsInfo,
    PreparedDay,
    empty_epochs,
    finish_day,
    prepare_day,
)
from analysis.metrics import local_day_bounds
from analysis.settings import AnalysisSettings
from analysis.upaxis import UpPrior
from posturelog.analyze.cache import (
    CacheSidecar,
    DayCache,
    MountingRecord,
    bout_json,
    cache_key,
    empty_sidecar,
    mounting_from_record,
    mounting_record,
)
from posturelog.analyze.reading import estimate_rate_hz
from posturelog.forking import forked_pool
from posturelog.samplereader import read_sample_files
from posturelog.store import Store
from vocab.units import NS_PER_S

__all__ = ["DayProgress", "DayTask", "EpochsRange", "TILT_BUDGET_SAMPLES", "epochs_for_days"]

log = logging.getLogger(__name__)

_NS = NS_PER_S

#: Samples the tilt filter may hold at once across processes (its working memory is about
#: 150 bytes per sample of a segment: ~0.7 GB). A larger segment runs alone.
TILT_BUDGET_SAMPLES = 4_500_000

DayProgress = Callable[[date, int, int], None]


@dataclass(frozen=True)
class DayTask:
    """One local day to compute: its UTC bounds (ns, end exclusive), calibration marks,
    candidate sample files and how the sensor was worn in its sessions (up-axis priors)."""

    day: date
    lo_ns: int
    hi_ns: int
    marks: pd.DataFrame
    files: list[Path]
    priors: tuple[UpPrior, ...] = ()


@dataclass(frozen=True)
class EpochsRange:
    """Epochs of a range of local days.

    Attributes
    ----------
    epochs : DataFrame, shape (E, 10+)
        Index ``time`` (UTC, 1 s), :data:`analysis.epochs.EPOCH_COLUMNS` + ``bout`` (a
        per-day wear-bout number); ``slouch`` from :attr:`episodes`.
    episodes : DataFrame
        Slouch episodes of the whole range (:func:`analysis.episodes.find_episodes`, once:
        an episode crossing midnight is one episode).
    days : tuple of CacheSidecar
        Per local day, in order: rate, tilt filter, walking availability, wear rule, one
        record per wear bout.
    """

    epochs: pd.DataFrame
    episodes: pd.DataFrame
    days: tuple[CacheSidecar, ...]


class _TiltBudget:
    """Shared budget of samples in the tilt filter, for processes forked after it is made.

    Calling it with ``n`` gives a context manager that waits until ``n`` more samples fit
    (or nothing else is running).
    """

    def __init__(self, samples: int) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self.samples = int(samples)
        self.cond = ctx.Condition()
        self.in_use = ctx.Value("q", 0, lock=False)

    @contextmanager
    def __call__(self, n: int) -> Iterator[None]:
        with self.cond:
            self.cond.wait_for(lambda: self.in_use.value == 0
                               or self.in_use.value + n <= self.samples)
            self.in_use.value += n
        try:
            yield
        finally:
            with self.cond:
                self.in_use.value -= n
                self.cond.notify_all()


#: The tilt budget of a worker process (set by :func:`_init_worker` in each forked child).
_worker_gate: _TiltBudget | None = None


def _init_worker(gate: _TiltBudget) -> None:
    global _worker_gate
    _worker_gate = gate
    # the system allocator hands freed sample buffers back to the OS right away
    pa.set_memory_pool(pa.system_memory_pool())


def _prepare(task: DayTask, s: AnalysisSettings,
             gate: _TiltBudget | None = None) -> tuple[PreparedDay, int]:
    """Read a day and run everything that does not depend on the carried mounting.

    Returns the prepared day and its first sample time (ns; 0 without samples).
    """
    gate = gate if gate is not None else _worker_gate
    t0 = time.perf_counter()
    day = read_sample_files(task.files, task.lo_ns, task.hi_ns)
    t_ns, acc, gyr = day.t_ns, day.acc_mps2, day.gyr_rads
    t1 = time.perf_counter()
    if t_ns.size < 2:
        empty = np.zeros(0, dtype=np.int64)
        return prepare_day(empty, np.zeros((0, 3)), None, 50.0, s), 0
    prep = prepare_day(t_ns, acc, gyr, estimate_rate_hz(t_ns), s,
                       calibration_marks=task.marks, tilt_gate=gate)
    log.debug("prepared %s: read %.1f s, the rest %.1f s", task.day, t1 - t0,
              time.perf_counter() - t1)
    return prep, int(t_ns[0])


def _finish(prep: PreparedDay, first_ns: int, task: DayTask,
            carried: MountingRecord | None) -> tuple[pd.DataFrame, CacheSidecar]:
    """Mountings (with the carried one), angles and context of a prepared day; its sidecar."""
    s = prep.settings
    if prep.feats is None:
        return empty_epochs().assign(bout=np.zeros(0, dtype=np.int32)), empty_sidecar()
    initial = mounting_from_record(carried)
    # carry the previous day's mounting only into a bout that starts at local midnight
    if initial is not None and (first_ns - task.lo_ns) / _NS >= s.calibration_min_bout_s:
        initial = None
    ep, info = finish_day(prep, initial_mounting=initial, up_priors=task.priors)
    return ep, _sidecar(info, task, s)


def _sidecar(info: EpochsInfo, task: DayTask, s: AnalysisSettings) -> CacheSidecar:
    """The day's facts and the mounting to carry into the next day (its last wear bout
    reaches local midnight)."""
    carry = None
    bouts = info.mountings
    hi = pd.Timestamp(task.hi_ns, tz="UTC")
    if bouts and (hi - bouts[-1]["end"]).total_seconds() < s.calibration_min_bout_s:
        carry = mounting_record(info.last_mounting)
    return CacheSidecar(carry=carry, tilt=info.tilt, fs_hz=info.fs_hz,
                        walking_available=info.walking_available,
                        walking_reason=info.walking_reason,
                        wear_rule=str(info.wear.get("rule", "")),
                        mountings=[bout_json(b) for b in bouts],
                        rejected_routines=list(info.rejected_routines))


class _Preparer:
    """Prepares uncached days: here (``pool`` None) or ahead in forked workers."""

    def __init__(self, tasks: list[DayTask], s: AnalysisSettings,
                 pool: ProcessPoolExecutor | None, ahead: int, cache_dir: Path | None) -> None:
        self.tasks, self.s, self.pool, self.ahead = tasks, s, pool, ahead
        self.cache_dir = cache_dir
        self.futures: dict[int, Future[tuple[PreparedDay, int]]] = {}

    def _likely_cached(self, k: int) -> bool:
        """A cache file of that date exists: it will probably hit once the carry is known,
        so it is not prepared ahead."""
        return self.cache_dir is not None and any(
            self.cache_dir.glob(f"{self.tasks[k].day.isoformat()}-*.parquet"))

    def _submit(self, k: int) -> None:
        if self.pool is not None and k < len(self.tasks) and k not in self.futures:
            self.futures[k] = self.pool.submit(_prepare, self.tasks[k], self.s)

    def look_ahead(self, k: int) -> None:
        """Start preparing the uncached days after ``k``, up to ``ahead`` days in flight
        (one per worker and one queued, which a worker takes as soon as it is free; each
        worker holds one day of samples at a time)."""
        for j in range(k + 1, len(self.tasks)):
            if len(self.futures) >= self.ahead:
                break
            if not self._likely_cached(j):
                self._submit(j)

    def discard(self, k: int) -> None:
        """Day ``k`` was found in the cache after all."""
        fut = self.futures.pop(k, None)
        if fut is not None:
            fut.cancel()

    def get(self, k: int) -> tuple[PreparedDay, int]:
        """Day ``k`` prepared (waiting for its worker, or preparing it here); the freed
        worker is given the next uncached day before this one is finished."""
        if self.pool is None:
            return _prepare(self.tasks[k], self.s)
        self._submit(k)  # first: the pool's queue is first in, first out
        self.look_ahead(k)
        try:
            result = self.futures.pop(k).result()
        except BrokenProcessPool:
            raise RuntimeError("an epochs worker process died (out of memory?)") from None
        self.look_ahead(k)
        return result


def _tasks(store: Store, days: list[date]) -> list[DayTask]:
    tz = store.timezone()
    marks = store.calibration_marks()
    out = []
    for day in days:
        lo, hi = local_day_bounds(day, tz)
        lo_ns, hi_ns = int(lo.value), int(hi.value)
        day_marks = marks[(marks["end"] > lo) & (marks["start"] < hi)]
        out.append(DayTask(day, lo_ns, hi_ns, day_marks, store.sample_files(lo_ns, hi_ns),
                           tuple(store.up_priors(lo_ns, hi_ns))))
    return out


def epochs_for_days(
    store: Store,
    start_date: date,
    end_date: date,
    settings: AnalysisSettings | None = None,
    progress: DayProgress | None = None,
    *,
    use_cache: bool = True,
    all_columns: bool = False,
    workers: int = 1,
) -> EpochsRange:
    """Per-second epochs and slouch episodes for the local dates ``start_date`` … ``end_date``.

    Parameters
    ----------
    store : Store
    start_date, end_date : date
        Local dates in the wearer's zone (``store.timezone()``), inclusive.
    settings : AnalysisSettings, optional
    progress : callable, optional
        Called after each day as ``progress(day, done, total)``.
    use_cache : bool
        Read and write ``<data_dir>/cache/epochs`` (:mod:`posturelog.analyze.cache`).
    all_columns : bool
        Also return the per-second features (acc/gyro statistics, step power, up vector).
    workers : int
        Processes that may compute uncached days (``1``: all in this process). The results
        do not depend on it.

    Returns
    -------
    EpochsRange
    """
    s = settings or AnalysisSettings()
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    days = [start_date + timedelta(days=i) for i in range((end_date - start_date).days + 1)]
    tasks = _tasks(store, days)
    cache_dir = Path(store.data_dir) / "cache" / "epochs" if use_cache else None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    keep_cols = None if all_columns else [*EPOCH_COLUMNS, "bout"]
    parts: list[pd.DataFrame] = []
    sides: list[CacheSidecar] = []
    carried: MountingRecord | None = None
    gate = _TiltBudget(TILT_BUDGET_SAMPLES) if workers > 1 else None
    pool = forked_pool(workers, initializer=_init_worker, initargs=(gate,))
    # cache files are written by a thread while the next day is finished (pyarrow writes
    # without holding the GIL)
    writes: list[Future[None]] = []
    with pool if pool is not None else _no_pool(), ThreadPoolExecutor(1) as writer:
        prep = _Preparer(tasks, s, pool, max(1, workers) + 1, cache_dir)
        for k, task in enumerate(tasks):
            cache = DayCache(cache_dir, task.day,
                             cache_key(store, task.day, task.marks, s, carried,
                                       priors=task.priors))
            hit = cache.read()
            if hit is not None:
                prep.discard(k)
                ep, side = hit
            else:
                t0 = time.perf_counter()
                prepared, first_ns = prep.get(k)
                ep, side = _finish(prepared, first_ns, task, carried)
                del prepared
                writes.append(writer.submit(cache.write, ep, side))
                log.info("epochs %s: %d s in %.1f s", task.day, len(ep),
                         time.perf_counter() - t0)
            carried = side["carry"]
            parts.append(ep if keep_cols is None else ep[keep_cols])
            sides.append(side)
            if progress is not None:
                progress(task.day, k + 1, len(tasks))
    for w in writes:
        w.result()  # a failed cache write is raised here
    epochs = pd.concat(parts) if parts else empty_epochs().assign(bout=np.zeros(0, np.int32))
    epochs = epochs[~epochs.index.duplicated(keep="first")]
    epochs, episodes = find_episodes(epochs, s)
    return EpochsRange(epochs, episodes, tuple(sides))


@contextmanager
def _no_pool() -> Iterator[Any]:
    yield None
