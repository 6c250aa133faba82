"""Store → per-second epochs, one local day at a time, cached as Parquet.

Samples are read from Parquet straight into numpy (only the time and sample columns, no
DataFrame). Uncached days are computed by two processes (this one and a forked worker, on
machines with two or more CPUs; ``POSTURELOG_WORKERS`` or ``workers=`` to change): each
prepares a day at a time (read, tilt filter, per-second features, wear) and the days are
finished in date order, because a day's mounting can be carried into the next. The tilt
filter's working memory is ~150 bytes per sample of a gap-free segment, so the two processes
share a budget (:data:`TILT_BUDGET_SAMPLES`): two large segments are filtered one after the
other, the rest of each day's work overlaps with the other's filter. Memory stays bounded by
about two local days of raw samples (~4.3 M samples each at 50 Hz; < 2 GB summed RSS of both
processes for a 50 Hz week). Per-day epochs are cached under
``<data_dir>/cache/epochs/<YYYY-MM-DD>-<key>.parquet`` where ``key`` hashes the raw data
identity (names, sizes and mtimes of the sample files of that day and its neighbours), the
calibration marks, the analysis settings and the mounting carried in from the day before;
a JSON sidecar keeps the mounting to carry to the next day.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.calibration import Mounting
from analysis.episodes import find_episodes
from analysis.epochs import (
    EPOCH_COLUMNS,
    PreparedDay,
    compute_epochs_arrays,
    finish_day,
    prepare_day,
)
from analysis.metrics import daily_metrics, hourly_profile, local_day_bounds
from analysis.pain import PainAnalysis, analyse_pain
from analysis.settings import AnalysisSettings
from posturelog.segments import SAMPLE_COLUMNS
from posturelog.store import Store

__all__ = [
    "Analysis",
    "CACHE_VERSION",
    "analyze_range",
    "compute_epochs",
    "estimate_rate_hz",
    "read_day_arrays",
]

log = logging.getLogger(__name__)

#: Bumped when the epoch computation changes in a way the settings hash does not capture.
CACHE_VERSION = "epochs-3"

_NS = 1_000_000_000


def estimate_rate_hz(samples: pd.DataFrame | np.ndarray) -> float:
    """Sampling rate (Hz) from the median interval between samples (gaps ignored).

    ``samples`` is a DataFrame with a time index or the sample times (int64 ns).
    """
    if isinstance(samples, pd.DataFrame):
        t = pd.DatetimeIndex(samples.index).as_unit("ns").asi8
    else:
        t = np.asarray(samples, dtype=np.int64)
    if t.size < 2:
        raise ValueError("need at least two samples to estimate the sampling rate")
    return float(_NS / np.median(np.diff(t)))


def _mounting_to_json(m: Mounting | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {
        "up_sensor": np.asarray(m.up_sensor, dtype=float).tolist(),
        "forward_sensor": np.asarray(m.forward_sensor, dtype=float).tolist(),
        "source": str(m.source),
        "fitted_ns": int(m.fitted_ns),
    }


def _mounting_from_json(d: dict[str, Any] | None) -> Mounting | None:
    if not d:
        return None
    return Mounting(np.asarray(d["up_sensor"]), np.asarray(d["forward_sensor"]),
                    d["source"], int(d["fitted_ns"]), {"carried": True})


def _cache_key(store: Store, day: date, marks: pd.DataFrame, settings: AnalysisSettings,
               carried: dict[str, Any] | None) -> str:
    ident = {
        "version": CACHE_VERSION,
        "files": [store.samples_fingerprint(day + timedelta(days=k)) for k in (-1, 0, 1)],
        "tz": store.timezone(),
        "marks": [[str(a), str(b)] for a, b in zip(marks["start"], marks["end"], strict=True)],
        "settings": settings.fingerprint(),
        "carried": carried,
    }
    text = json.dumps(ident, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _day_files(store: Store, lo_ns: int, hi_ns: int) -> list[Path]:
    """Parquet files that may hold samples in ``[lo_ns, hi_ns)``: the local-date partitions
    from the UTC day before ``lo_ns`` to the UTC day after ``hi_ns`` (as
    ``Store.read_samples_arrow``), in path order."""
    root = Path(store.samples_dir) / f"participant={store.participant}"
    if not root.exists():
        return []
    first = (datetime.fromtimestamp(lo_ns / _NS, tz=UTC).date() - timedelta(days=1)).isoformat()
    last = (datetime.fromtimestamp(hi_ns / _NS, tz=UTC).date() + timedelta(days=1)).isoformat()
    files = []
    for part in sorted(root.glob("date=*")):
        d = part.name.removeprefix("date=")
        if first <= d <= last:
            files.extend(sorted(part.glob("*.parquet")))
    return files


def _time_range(pf: pq.ParquetFile) -> tuple[int, int] | None:
    """Min and max of the ``time`` column from the row-group statistics, if recorded."""
    md = pf.metadata
    col = pf.schema_arrow.get_field_index("time")
    lo: int | None = None
    hi: int | None = None
    for r in range(md.num_row_groups):
        st = md.row_group(r).column(col).statistics
        if st is None or not st.has_min_max:
            return None
        a, b = int(st.min_raw), int(st.max_raw)
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    return None if lo is None or hi is None else (lo, hi)


def read_day_arrays(
    files: list[Path], lo_ns: int, hi_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples in ``[lo_ns, hi_ns)`` straight from Parquet to numpy (no DataFrame).

    Same samples as ``Store.read_samples(lo_ns, hi_ns)``: sorted by time (stable), the
    first of duplicate times kept. Files whose statistics lie outside the range are skipped
    unread; only ``time`` and the six sample columns are decoded, single-threaded.

    Parameters
    ----------
    files : list of Path
        Candidate Parquet files (``_day_files``).
    lo_ns, hi_ns : int
        UTC bounds (ns), end exclusive.

    Returns
    -------
    t_ns : ndarray, shape (N,), int64
    acc : ndarray, shape (N, 3), float64
        m/s².
    gyr : ndarray, shape (N, 3), float64
        rad/s (NaN for accelerometer-only sensors).
    """
    # pass 1: times only (and which rows of each file are in range)
    chosen: list[tuple[pq.ParquetFile, np.ndarray | None]] = []
    ts: list[np.ndarray] = []
    for path in files:
        pf = pq.ParquetFile(path)
        rng = _time_range(pf)
        if rng is not None and (rng[1] < lo_ns or rng[0] >= hi_ns):
            continue
        col = pf.read(columns=["time"], use_threads=False).column(0)
        t = np.asarray(col.cast(pa.int64()).to_numpy())
        del col
        keep: np.ndarray | None = None
        if rng is None or rng[0] < lo_ns or rng[1] >= hi_ns:
            keep = (t >= lo_ns) & (t < hi_ns)
            t = t[keep]
        if t.size:
            ts.append(t)
            chosen.append((pf, keep))
    t_ns = np.concatenate(ts) if ts else np.zeros(0, dtype=np.int64)
    del ts
    # pass 2: sample columns decoded file by file straight into the output arrays
    acc = np.empty((t_ns.size, 3))
    gyr = np.empty((t_ns.size, 3))
    row = 0
    for pf, keep in chosen:
        table = pf.read(columns=list(SAMPLE_COLUMNS), use_threads=False)
        m = 0
        for j, name in enumerate(SAMPLE_COLUMNS):
            x = np.asarray(table.column(name).to_numpy())
            if keep is not None:
                x = x[keep]
            m = x.size
            (acc if j < 3 else gyr)[row:row + m, j % 3] = x
        row += m
        del table
    pa.default_memory_pool().release_unused()
    if t_ns.size > 1 and not bool(np.all(t_ns[1:] > t_ns[:-1])):
        order = np.argsort(t_ns, kind="stable")
        t_ns, acc, gyr = t_ns[order], acc[order], gyr[order]
        first = np.concatenate(([True], t_ns[1:] != t_ns[:-1]))
        if not first.all():
            t_ns, acc, gyr = t_ns[first], acc[first], gyr[first]
    return t_ns, acc, gyr


def _workers(n_days: int, workers: int | None) -> int:
    if workers is None:
        env = os.environ.get("POSTURELOG_WORKERS")
        workers = int(env) if env else min(2, os.cpu_count() or 1)
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
        workers = 1
    return max(1, min(int(workers), n_days))


def compute_epochs(
    store: Store,
    start_date: date,
    end_date: date,
    settings: AnalysisSettings | None = None,
    progress: Callable[[date, int, int], None] | None = None,
    *,
    use_cache: bool = True,
    all_columns: bool = False,
    workers: int | None = None,
) -> pd.DataFrame:
    """Per-second epochs for the local dates ``start_date`` … ``end_date`` (inclusive).

    Parameters
    ----------
    store : Store
    start_date, end_date : date
        Local dates in the wearer's zone (``store.timezone()``), inclusive.
    settings : AnalysisSettings, optional
    progress : callable, optional
        Called after each day as ``progress(day, done, total)``.
    use_cache : bool
        Read and write ``<data_dir>/cache/epochs``.
    all_columns : bool
        Also return the per-second features (acc/gyro statistics, step power, up vector).
    workers : int, optional
        Processes computing uncached days (default: ``POSTURELOG_WORKERS`` or
        ``min(2, CPUs)``). With more than one, the expensive part of each day (reading,
        tilt filter, per-second features, wear) runs in parallel; the mounting carried from
        day to day is still applied in date order, so the results do not depend on it. Each
        worker holds one day of samples at a time.

    Returns
    -------
    DataFrame, shape (E, 8+)
        Index ``time`` (UTC, 1 s), :data:`analysis.epochs.EPOCH_COLUMNS` (+ ``bout``, a
        per-day wear-bout number). ``slouch`` is recomputed over the whole range so an
        episode crossing midnight is one episode. ``attrs["day_info"]`` maps each local
        date (ISO) to ``{"fs_hz", "walking_available", "walking_reason"}``.
    """
    s = settings or AnalysisSettings()
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    tz = store.timezone()
    marks = store.calibration_marks()
    cache_dir = Path(store.data_dir) / "cache" / "epochs"
    if use_cache:
        cache_dir.mkdir(parents=True, exist_ok=True)
    n_days = (end_date - start_date).days + 1
    days = [start_date + timedelta(days=i) for i in range(n_days)]
    tasks: list[_DayTask] = []
    for day in days:
        lo, hi = local_day_bounds(day, tz)
        day_marks = marks[(marks["end"] > lo) & (marks["start"] < hi)]
        tasks.append(_DayTask(day, int(lo.value), int(hi.value), day_marks,
                              _day_files(store, int(lo.value), int(hi.value))))
    keep_cols = None if all_columns else [*EPOCH_COLUMNS, "bout"]

    def cached(i: int, carried: dict[str, Any] | None) -> tuple[Path, _Result | None]:
        task = tasks[i]
        key = _cache_key(store, task.day, task.marks, s, carried)
        path = cache_dir / f"{task.day.isoformat()}-{key}.parquet"
        side = path.with_suffix(".json")
        if use_cache and path.exists() and side.exists():
            ep = pd.read_parquet(path)
            log.debug("epochs %s from cache", task.day)
            return path, (ep if keep_cols is None else ep[keep_cols], json.loads(side.read_text()))
        return path, None

    parts: list[pd.DataFrame] = []
    day_info: dict[str, dict[str, Any]] = {}
    carried: dict[str, Any] | None = None
    i = 0
    # days already cached are read in order; the first miss starts the computation
    while i < n_days:
        _, hit = cached(i, carried)
        if hit is None:
            break
        parts.append(hit[0])
        day_info[days[i].isoformat()] = _day_info(hit[1])
        carried = hit[1].get("carry")
        i += 1
        if progress is not None:
            progress(days[i - 1], i, n_days)
    if i < n_days:
        runner = _DayRunner(tasks[i:], s, _workers(n_days - i, workers))
        try:
            for j in range(i, n_days):
                t0 = time.perf_counter()
                path, hit = cached(j, carried)
                if hit is not None:
                    runner.skip(j - i)
                    ep, meta = hit
                else:
                    ep, meta = runner.result(j - i, carried, path if use_cache else None,
                                             keep_cols)
                    log.info("epochs %s: %d s in %.1f s", days[j], len(ep),
                             time.perf_counter() - t0)
                carried = meta.get("carry")
                day_info[days[j].isoformat()] = _day_info(meta)
                parts.append(ep)
                if progress is not None:
                    progress(days[j], j + 1, n_days)
        finally:
            runner.close()
    epochs = pd.concat(parts) if parts else pd.DataFrame(columns=[*EPOCH_COLUMNS, "bout"])
    if len(epochs):
        epochs = epochs[~epochs.index.duplicated(keep="first")]
        epochs, _ = find_episodes(epochs, s)
    epochs.attrs["day_info"] = day_info
    return epochs


def _day_info(meta: dict[str, Any]) -> dict[str, Any]:
    """What a day's metadata tells the report: its rate and whether walking is available."""
    return {"fs_hz": meta.get("fs_hz"),
            "walking_available": bool(meta.get("walking_available", True)),
            "walking_reason": str(meta.get("walking_reason", ""))}


_Result = tuple[pd.DataFrame, dict[str, Any]]


@dataclass(frozen=True)
class _DayTask:
    """One local day to compute: its UTC bounds, calibration marks and candidate files."""

    day: date
    lo_ns: int
    hi_ns: int
    marks: pd.DataFrame
    files: list[Path]


@dataclass
class _Prepared:
    """A day after the carry-independent part (``prep`` None when it has < 2 samples)."""

    prep: PreparedDay | None
    settings: AnalysisSettings
    fs_hz: float
    first_ns: int


def _prepare(task: _DayTask, s: AnalysisSettings,
             tilt_gate: _TiltBudget | None = None) -> _Prepared:
    """Read the day and run everything that does not depend on the carried mounting."""
    t0 = time.perf_counter()
    t_ns, acc, gyr = read_day_arrays(task.files, task.lo_ns, task.hi_ns)
    t1 = time.perf_counter()
    if t_ns.size < 2:
        return _Prepared(None, s, 50.0, 0)
    fs = estimate_rate_hz(t_ns)
    first = int(t_ns[0])
    waited = tilt_gate.waited_s if tilt_gate is not None else 0.0
    prep = prepare_day(t_ns, acc, gyr, fs, s, tilt_gate=tilt_gate)
    log.debug("prepared %s: read %.1f s, features %.1f s (%.1f s waiting for the tilt filter)",
              task.day, t1 - t0, time.perf_counter() - t1,
              (tilt_gate.waited_s if tilt_gate is not None else 0.0) - waited)
    return _Prepared(prep, s, fs, first)


#: Samples the tilt filter may hold at once across processes (its working memory is about
#: 150 bytes per sample of a segment: ~0.7 GB). A larger segment runs alone.
TILT_BUDGET_SAMPLES = 4_500_000


class _TiltBudget:
    """Shared budget of samples in the tilt filter, for processes forked after it is made.

    ``budget(n)`` is a context manager that waits until ``n`` more samples fit (or nothing
    else is running); it adds up this process's waiting time in ``waited_s``.
    """

    def __init__(self, ctx: Any, samples: int) -> None:
        self.samples = int(samples)
        self.cond = ctx.Condition()
        self.in_use = ctx.Value("q", 0, lock=False)
        self.waited_s = 0.0

    @contextmanager
    def __call__(self, n: int) -> Iterator[None]:
        t0 = time.perf_counter()
        with self.cond:
            self.cond.wait_for(lambda: self.in_use.value == 0
                               or self.in_use.value + n <= self.samples)
            self.in_use.value += n
        self.waited_s += time.perf_counter() - t0
        try:
            yield
        finally:
            with self.cond:
                self.in_use.value -= n
                self.cond.notify_all()


def _day_result(
    p: _Prepared, task: _DayTask, carried: dict[str, Any] | None, cache_path: Path | None,
    keep_cols: list[str] | None,
) -> _Result:
    """Finish a prepared day with the carried mounting; write its cache files."""
    if p.prep is None:
        ep, _ = compute_epochs_arrays(np.zeros(0, dtype=np.int64), np.zeros((0, 3)), None,
                                      50.0, p.settings)
        ep = ep.assign(bout=np.zeros(0, dtype=np.int32))
        meta: dict[str, Any] = {"carry": None}
    else:
        ep, meta = _finish(p, task, carried)
    if cache_path is not None:
        for old in cache_path.parent.glob(f"{task.day.isoformat()}-*"):
            old.unlink(missing_ok=True)
        tmp = cache_path.with_suffix(".tmp")
        ep.to_parquet(tmp)
        tmp.replace(cache_path)
        cache_path.with_suffix(".json").write_text(json.dumps(meta))
    return (ep if keep_cols is None else ep[keep_cols]), meta


def _finish(p: _Prepared, task: _DayTask, carried: dict[str, Any] | None) -> _Result:
    """Mountings (with the carried one), angles, context and slouch of a prepared day."""
    if p.prep is None:
        raise ValueError("nothing prepared")
    s = p.settings
    initial = _mounting_from_json(carried)
    # carry the previous day's mounting only into a bout that starts at local midnight
    if initial is not None and (p.first_ns - task.lo_ns) / _NS >= s.calibration_min_bout_s:
        initial = None
    ep, info = finish_day(p.prep, calibration_marks=task.marks, initial_mounting=initial)
    p.prep = None
    carry = None
    bouts = info["mountings"]
    hi = pd.Timestamp(task.hi_ns, tz="UTC")
    if bouts and (hi - bouts[-1]["end"]).total_seconds() < s.calibration_min_bout_s:
        carry = _mounting_to_json(info["last_mounting"])
    return ep, {"carry": carry, "tilt": info["tilt"], "fs_hz": p.fs_hz,
                "walking_available": bool(info.get("walking_available", True)),
                "walking_reason": str(info.get("walking_reason", "")),
                "wear_rule": str(info.get("wear", {}).get("rule", "")),
                "mountings": [
        {k: (str(v) if isinstance(v, pd.Timestamp) else v) for k, v in b.items()} for b in bouts
    ]}


def _worker_main(conn: Connection, tasks: list[_DayTask], settings: AnalysisSettings,
                 tilt_gate: _TiltBudget) -> None:
    """Worker process: prepare each of its days, then finish it once the carry arrives.

    Messages in: ``("day", k)``, then ``("carry", carried, cache_path, keep_cols)`` or
    ``("skip",)``; ``None`` ends. Out: ``("ok", result)`` or ``("error", text)``.
    """
    # the system allocator hands freed sample buffers back to the OS right away
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        while True:
            msg = conn.recv()
            if msg is None:
                return
            task = tasks[msg[1]]
            prepared: _Prepared | None = None
            error: str | None = None
            try:
                prepared = _prepare(task, settings, tilt_gate)
            except Exception:  # reported to the parent with the traceback
                error = traceback.format_exc()
            cmd = conn.recv()
            if cmd is None:
                return
            if cmd[0] == "skip":
                continue
            if error is None and prepared is not None:
                try:
                    result = _day_result(prepared, task, cmd[1], cmd[2], cmd[3])
                    del prepared
                    conn.send(("ok", result))
                    del result
                    continue
                except Exception:
                    error = traceback.format_exc()
            conn.send(("error", error))
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        conn.close()


class _DayRunner:
    """Uncached days, computed by this process and ``n - 1`` forked workers, finished in
    date order with the mounting carried from the day before.

    Day ``k`` belongs to process ``k % n`` (0: this one). Preparing a day (reading, tilt
    filter, per-second features, wear) does not need the carry, so while this process waits
    for a worker's day it prepares its own next one, and each worker prepares its next day
    as soon as it has handed in the previous one. The tilt filter runs under a shared budget
    of samples (:class:`_TiltBudget`): its working memory is several times its segment's.
    """

    def __init__(self, tasks: list[_DayTask], settings: AnalysisSettings, n: int) -> None:
        self.tasks = tasks
        self.settings = settings
        self.n = n
        self.mine: dict[int, _Prepared] = {}
        self.conns: dict[int, Connection] = {}
        self.procs: list[BaseProcess] = []
        self.gate: _TiltBudget | None = None
        if n > 1:
            ctx = mp.get_context("fork")  # workers see the tasks without pickling
            self.gate = _TiltBudget(ctx, TILT_BUDGET_SAMPLES)
            for w in range(1, n):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(child, tasks, settings, self.gate),
                                   daemon=True, name=f"posturelog-epochs-{w}")
                proc.start()
                child.close()
                self.conns[w] = parent
                self.procs.append(proc)
                if w < len(tasks):
                    parent.send(("day", w))

    def _after(self, k: int) -> None:
        """Day ``k`` of a worker is settled: queue the worker's next day."""
        if k + self.n < len(self.tasks):
            self.conns[k % self.n].send(("day", k + self.n))

    def _prepared(self, k: int) -> _Prepared:
        p = self.mine.pop(k, None)
        return p if p is not None else _prepare(self.tasks[k], self.settings, self.gate)

    def skip(self, k: int) -> None:
        """Day ``k`` was found in the cache after all."""
        if k % self.n == 0:
            self.mine.pop(k, None)
        else:
            self.conns[k % self.n].send(("skip",))
            self._after(k)

    def result(self, k: int, carried: dict[str, Any] | None, cache_path: Path | None,
               keep_cols: list[str] | None) -> _Result:
        """Epochs and metadata of day ``k`` given the mounting carried into it."""
        task = self.tasks[k]
        if k % self.n == 0:
            return _day_result(self._prepared(k), task, carried, cache_path, keep_cols)
        conn = self.conns[k % self.n]
        conn.send(("carry", carried, cache_path, keep_cols))
        self._after(k)
        own = k + (-k % self.n)
        if own < len(self.tasks) and own not in self.mine:
            self.mine[own] = _prepare(self.tasks[own], self.settings, self.gate)
        try:
            status, payload = conn.recv()
        except EOFError:
            raise RuntimeError("an epochs worker process died (out of memory?)") from None
        if status != "ok":
            raise RuntimeError(f"computing epochs failed in a worker process:\n{payload}")
        result: _Result = payload
        return result

    def close(self) -> None:
        """Stop the workers (also after an error)."""
        self.mine.clear()
        for conn in self.conns.values():
            try:
                conn.send(None)
                conn.send(None)
            except (OSError, ValueError):
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for conn in self.conns.values():
            conn.close()


@dataclass(frozen=True)
class Analysis:
    """Everything the weekly report needs for a date range."""

    epochs: pd.DataFrame
    episodes: pd.DataFrame
    daily: pd.DataFrame
    hourly: pd.DataFrame
    pain: PainAnalysis
    timezone: str


def analyze_range(
    store: Store,
    start_date: date,
    end_date: date,
    settings: AnalysisSettings | None = None,
    progress: Callable[[date, int, int], None] | None = None,
) -> Analysis:
    """Epochs, episodes, daily metrics, hour profile and pain analysis for a date range."""
    s = settings or AnalysisSettings()
    tz = store.timezone()
    epochs = compute_epochs(store, start_date, end_date, s, progress)
    epochs, episodes = find_episodes(epochs, s)
    lo, _ = local_day_bounds(start_date, tz)
    _, hi = local_day_bounds(end_date, tz)
    pain = store.pain_log(int(lo.value), int(hi.value))
    remedies = store.remedy_log(int(lo.value), int(hi.value))
    daily = daily_metrics(epochs, episodes, pain, tz, s)
    hourly = hourly_profile(epochs, tz, s)
    pa = analyse_pain(daily, pain, epochs, remedies, tz, s)
    return Analysis(epochs, episodes, daily, hourly, pa, tz)
