"""Raw IMU samples → per-second epochs: flexion, wear, context, slouch.

Designed for one local day (~4.3 M samples at 50 Hz) at a time: the sample arrays of a day
(~100 MB each) are reduced to one row per recorded second right away; nothing of size N
survives the call.

Pipeline (:func:`compute_epochs`):

1. split the samples into gap-free segments (gaps > ``max_gap_s``);
2. gravity ("up") direction per sample with the tilt filter
   (``analysis.tilt.gravity_direction``; causal by default, offline with
   ``AnalysisSettings.tilt_offline``) and the 1.5–2.5 Hz band-pass of
   |acc| per segment;
3. per-second statistics (mean/SD/min/max of acceleration per axis, gyroscope mean/SD,
   step-band power, mean up vector);
4. wear (:func:`analysis.wear.detect_wear`) → wear bouts (runs of wear separated by
   ≥ ``calibration_min_bout_s`` of non-wear or missing data);
5. mounting per bout (``analysis.calibration.Mounting``), in this order:

   a. a marked stand-tall + bend routine inside the bout (``calibration_marks``; fitted with
      ``analysis.calibration.fit_routine``, else from the mark directly; rejected with a
      warning when there is no still stand or no bend — never a silent bad calibration);
   b. the previous bout's (or previous day's) mounting when
      ``analysis.calibration.detect_reattachment`` sees no change of the typical up
      direction across the non-wear gap (a detector false alarm must not cost a calibration);
   c. ``analysis.calibration.fit_from_walking`` on the bout (upright = walking mean tilted
      back by ``walking_lean_deg``; forward axis from step-band acceleration), with the
      forward *sign* checked by brief excursions (:func:`_check_forward_sign`);
   d. the previous mounting; else none (flexion NaN, ``calibration == "none"``);

6. flexion / lateral bend / inclination (``analysis.flexion.flexion_angles``), context
   (:mod:`analysis.context`), slouch (:mod:`analysis.episodes`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal

from analysis.calibration import (
    Mounting,
    detect_reattachment,
    estimate_upright,
    fit_from_walking,
    fit_routine,
    movement_spread_deg,
)
from analysis.context import CONTEXT_DTYPE, classify_context, walking_flag
from analysis.episodes import find_episodes
from analysis.flexion import flexion_angles
from analysis.settings import AnalysisSettings
from analysis.tilt import gravity_direction
from analysis.upright import split_upright_lying
from analysis.wear import detect_wear, runs

__all__ = [
    "CALIBRATION_CONFIDENCE",
    "CALIBRATION_SOURCES",
    "MIN_STEP_RATE_HZ",
    "acc_resolution_mps2",
    "step_band_availability",
    "EPOCH_COLUMNS",
    "FEATURE_COLUMNS",
    "PreparedDay",
    "compute_epochs",
    "compute_epochs_arrays",
    "finish_day",
    "prepare_day",
    "second_features",
]

log = logging.getLogger(__name__)

_NS = 1_000_000_000

#: Contract columns of the epochs table (docs/architecture.md).
EPOCH_COLUMNS: tuple[str, ...] = (
    "flexion_deg",
    "lateral_deg",
    "inclination_deg",
    "worn",
    "context",
    "slouch",
    "n_samples",
    "calibration",
    "calibration_confidence",
)

#: Values of the ``calibration`` column.
CALIBRATION_SOURCES: tuple[str, ...] = ("routine", "walking", "estimated", "none")

#: Values of the ``calibration_confidence`` column.
CALIBRATION_CONFIDENCE: tuple[str, ...] = ("high", "medium", "low")

#: Per-second feature columns also kept in the epochs table.
FEATURE_COLUMNS: tuple[str, ...] = (
    *(f"acc_{k}_{a}" for k in ("mean", "sd", "min", "max") for a in "xyz"),
    *(f"gyr_{k}_{a}" for k in ("mean", "sd") for a in "xyz"),
    "step_power",
    "accdir_x",
    "accdir_y",
    "accdir_z",
    "up_x",
    "up_y",
    "up_z",
    "still",
    "bout",
)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / n)


def _unit_inplace(v: np.ndarray) -> np.ndarray:
    """:func:`_unit` without a second (N, 3) array: ``v`` is divided in place."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        v /= n
    return v


#: Lowest sampling rate (Hz) at which the step band is computed: the band's upper edge
#: (2.5 Hz) must stay below ~0.45 × fs (Nyquist, fs/2, with a margin for the filter's
#: roll-off), i.e. fs ≥ 2.5 / 0.45 ≈ 5.6 Hz; rounded up to 6 Hz.
MIN_STEP_RATE_HZ = 6.0


def step_band_availability(fs_hz: float, band: tuple[float, float]) -> tuple[bool, str]:
    """Whether walking (the step band) can be measured at a (median) sampling rate.

    Returns
    -------
    available : bool
    reason : str
        Empty when available, else why not (shown in the report's quality section).
    """
    if not np.isfinite(fs_hz) or fs_hz <= 0:
        return False, f"sampling rate unknown ({fs_hz})"
    need = max(MIN_STEP_RATE_HZ, band[1] / 0.45)
    if fs_hz < need:
        return False, (f"walking not available: {fs_hz:.2g} Hz median sampling rate cannot "
                       f"resolve the {band[0]}–{band[1]} Hz step band (needs ≥ {need:.0f} Hz, "
                       "Nyquist)")
    return True, ""


def _step_band(acc: np.ndarray, fs_hz: float, band: tuple[float, float],
               t_ns: np.ndarray | None = None) -> np.ndarray:
    """|acc| band-passed to the step band (zero phase); zeros for too-short segments.

    With ``t_ns`` and irregular sample times (any interval off the nominal 1/fs by more
    than a quarter period), |acc| is first interpolated linearly onto a uniform grid at
    ``fs_hz``, filtered there, and read back at the sample times: a digital band-pass
    assumes uniform sampling. NaN everywhere when the rate cannot resolve the band
    (:func:`step_band_availability`).
    """
    mag = np.linalg.norm(acc, axis=1)
    ok, _ = step_band_availability(fs_hz, band)
    if not ok:
        return np.full_like(mag, np.nan)
    hi = min(band[1], 0.45 * fs_hz)
    sos = signal.butter(2, [band[0], hi], btype="band", fs=fs_hz, output="sos")
    if t_ns is not None and mag.size > 1:
        dt = np.diff(t_ns) * fs_hz / _NS
        if np.any(np.abs(dt - 1.0) > 0.25):
            t_s = (t_ns - t_ns[0]) / _NS
            grid = np.arange(0.0, t_s[-1] + 0.5 / fs_hz, 1.0 / fs_hz)
            if grid.size < 4 * fs_hz:
                return np.zeros_like(mag)
            g = np.interp(grid, t_s, mag)
            fg = signal.sosfiltfilt(sos, g - g.mean())
            return np.asarray(np.interp(t_s, grid, fg))
    if mag.size < 4 * fs_hz:
        return np.zeros_like(mag)
    return np.asarray(signal.sosfiltfilt(sos, mag - mag.mean()))


def acc_resolution_mps2(acc: np.ndarray, max_rows: int = 200_000) -> float:
    """Quantisation step of the accelerometer (m/s²): median spacing of distinct values.

    For quantised data the spacings of the sorted distinct values of an axis are multiples of
    the step, so their median is the step (e.g. 1/64 g ≈ 0.153 m/s² for an 8-bit ±2 g
    sensor); for unquantised or finely quantised data it is tiny. The smallest axis median is
    returned (0 when unknown).
    """
    a = np.asarray(acc, dtype=float)[:max_rows]
    steps = []
    for i in range(a.shape[1] if a.ndim == 2 else 0):
        u = np.unique(a[np.isfinite(a[:, i]), i])
        d = np.diff(u)
        d = d[d > 1e-9]
        if d.size >= 3:
            steps.append(float(np.median(d)))
    return min(steps) if steps else 0.0


#: Seconds per block of :class:`_SecondReducer`.
_BLOCK_S = 2048


class _SecondReducer:
    """Per-second sums, means, SDs and extremes of samples grouped in consecutive seconds.

    Seconds holding the usual number of samples ``k`` (almost all of them at a steady rate)
    are reduced as a ``(seconds, k, ...)`` reshaped view, a run of full seconds at a time;
    the few other seconds (at gaps, clock steps) with ``ufunc.reduceat``. Same results as a
    plain ``reduceat`` up to floating-point rounding, several times faster.
    """

    def __init__(self, starts: np.ndarray, counts: np.ndarray) -> None:
        self.starts = starts
        self.counts = counts
        n = counts.size
        self.k = int(np.bincount(counts).argmax()) if n else 0
        full = counts == self.k
        edges = np.flatnonzero(np.diff(np.concatenate(([False], full, [False])).astype(np.int8)))
        #: runs [a, b) of consecutive full seconds
        self.runs = list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))
        self.other = np.flatnonzero(~full)
        if self.other.size:
            c = counts[self.other]
            self.other_starts = np.concatenate(([0], np.cumsum(c)[:-1]))
            self.other_rows = np.repeat(starts[self.other] - self.other_starts, c) + np.arange(
                int(c.sum()))
        else:
            self.other_starts = np.zeros(0, dtype=np.int64)
            self.other_rows = np.zeros(0, dtype=np.int64)

    def _blocks(self, x: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
        """``(a, b, v)``: seconds ``a:b`` as ``v`` of shape ``(d, b - a, k)`` (sample axis last
        and contiguous, so reductions over it are fast)."""
        # blocks of at most _BLOCK_S seconds keep temporaries small and in cache
        x2 = x.reshape(x.shape[0], -1)
        out = []
        for a0, b0 in self.runs:
            for a in range(a0, b0, _BLOCK_S):
                b = min(a + _BLOCK_S, b0)
                s0 = int(self.starts[a])
                v = np.ascontiguousarray(x2[s0:s0 + (b - a) * self.k].T)
                out.append((a, b, v.reshape(v.shape[0], b - a, self.k)))
        return out

    def _empty(self, x: np.ndarray) -> np.ndarray:
        return np.empty((self.counts.size, *x.shape[1:]))

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Per-second sums, shape ``(seconds, *x.shape[1:])``."""
        out = self._empty(x)
        o2 = out.reshape(out.shape[0], -1)
        for a, b, v in self._blocks(x):
            o2[a:b] = v.sum(axis=2).T
        if self.other.size:
            out[self.other] = np.add.reduceat(x[self.other_rows], self.other_starts, axis=0)
        return out

    def stats(self, x: np.ndarray, *, extremes: bool = False
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-second mean, SD (ddof 0, two-pass) and, with ``extremes``, min and max."""
        m = self._empty(x)
        sd = self._empty(x)
        lo = self._empty(x) if extremes else m
        hi = self._empty(x) if extremes else m
        m2, sd2, lo2, hi2 = (o.reshape(o.shape[0], -1) for o in (m, sd, lo, hi))
        for a, b, v in self._blocks(x):
            mm = v.sum(axis=2) / self.k
            dev = v - mm[:, :, None]
            sd2[a:b] = np.sqrt(np.einsum("ijk,ijk->ij", dev, dev) / self.k).T
            m2[a:b] = mm.T
            if extremes:
                lo2[a:b] = v.min(axis=2).T
                hi2[a:b] = v.max(axis=2).T
        if self.other.size:
            xo = x[self.other_rows]
            c = self.counts[self.other].reshape(-1, *([1] * (x.ndim - 1)))
            mo = np.add.reduceat(xo, self.other_starts, axis=0) / c
            dev = xo - np.repeat(mo, self.counts[self.other], axis=0)
            sd[self.other] = np.sqrt(np.add.reduceat(dev * dev, self.other_starts, axis=0) / c)
            m[self.other] = mo
            if extremes:
                lo[self.other] = np.minimum.reduceat(xo, self.other_starts, axis=0)
                hi[self.other] = np.maximum.reduceat(xo, self.other_starts, axis=0)
        return m, sd, lo, hi


def second_features(
    t_ns: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    up: np.ndarray,
    step_band: np.ndarray,
) -> pd.DataFrame:
    """Reduce samples to one row per whole UTC second.

    Parameters
    ----------
    t_ns : ndarray, shape (N,), int64
        Increasing sample times (ns, UTC).
    acc : ndarray, shape (N, 3)
        m/s².
    gyr : ndarray, shape (N, 3) or None
        rad/s.
    up : ndarray, shape (N, 3)
        Unit gravity-up direction per sample.
    step_band : ndarray, shape (N,)
        Step-band-passed |acc| (m/s²).

    Returns
    -------
    DataFrame, shape (E, ...)
        Index ``time`` (UTC, floor to the second); ``n_samples``, ``acc_{mean,sd,min,max}_*``
        (m/s²), ``gyr_{mean,sd}_*`` (rad/s, NaN without gyroscope), ``step_power``
        ((m/s²)²), ``up_x, up_y, up_z`` (unit vector).
    """
    sec = t_ns // _NS
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sec)) + 1))
    counts = np.diff(np.append(starts, sec.size))
    red = _SecondReducer(starts, counts)
    cols: dict[str, np.ndarray] = {"n_samples": counts.astype(np.int32)}
    m, sd, lo, hi = red.stats(acc, extremes=True)
    for i, a in enumerate("xyz"):
        cols[f"acc_mean_{a}"] = m[:, i]
        cols[f"acc_sd_{a}"] = sd[:, i]
        cols[f"acc_min_{a}"] = lo[:, i]
        cols[f"acc_max_{a}"] = hi[:, i]
    if gyr is not None:
        gm, gsd, _, _ = red.stats(gyr)
    else:
        gm = gsd = np.full((starts.size, 3), np.nan)
    for i, a in enumerate("xyz"):
        cols[f"gyr_mean_{a}"] = gm[:, i]
        cols[f"gyr_sd_{a}"] = gsd[:, i]
    cols["step_power"] = red.sum(step_band * step_band) / counts
    mag = np.linalg.norm(acc, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = red.sum(acc / mag) / counts[:, None]
    del mag
    for i, a in enumerate("xyz"):
        cols[f"accdir_{a}"] = d[:, i]
    u = _unit(red.sum(up))
    for i, a in enumerate("xyz"):
        cols[f"up_{a}"] = u[:, i]
    index = pd.DatetimeIndex(pd.to_datetime(sec[starts], unit="s", utc=True), name="time")
    return pd.DataFrame(cols, index=index)


def _validate(samples: pd.DataFrame, fs_hz: float) -> None:
    if not isinstance(samples.index, pd.DatetimeIndex) or samples.index.tz is None:
        raise ValueError("samples must have a tz-aware DatetimeIndex 'time' (UTC)")
    need = ["acc_x", "acc_y", "acc_z"]
    missing = [c for c in need if c not in samples.columns]
    if missing:
        raise ValueError(f"samples lack columns {missing}")
    if not np.isfinite(fs_hz) or fs_hz <= 0:
        raise ValueError(f"fs_hz must be a finite positive sampling rate, got {fs_hz}")


def _bouts(epochs: pd.DataFrame, s: AnalysisSettings) -> np.ndarray:
    """Wear bout number per second (-1 for non-wear)."""
    sec = pd.DatetimeIndex(epochs.index).as_unit("ns").asi8 // _NS
    worn = epochs["worn"].to_numpy(dtype=bool)
    bout = np.full(sec.size, -1, dtype=np.int32)
    if sec.size == 0:
        return bout
    # a bout ends at non-wear runs or data gaps lasting >= calibration_min_bout_s
    starts, ends, vals = runs(worn)
    current = -1
    last_end_s: int | None = None
    for a, b, v in zip(starts, ends, vals, strict=True):
        if not v:
            continue
        if last_end_s is None or sec[a] - last_end_s >= s.calibration_min_bout_s:
            current += 1
        # data gaps inside a worn run also split it
        inner = np.flatnonzero(np.diff(sec[a:b]) >= s.calibration_min_bout_s) + a + 1
        edges = np.concatenate(([a], inner, [b]))
        for k in range(edges.size - 1):
            if k > 0:
                current += 1
            bout[edges[k]:edges[k + 1]] = current
        last_end_s = int(sec[b - 1]) + 1
    return bout


def compute_epochs(
    samples: pd.DataFrame,
    fs_hz: float,
    settings: AnalysisSettings | None = None,
    *,
    calibration_marks: pd.DataFrame | None = None,
    mountings: Sequence[Mounting] | None = None,
    initial_mounting: Mounting | None = None,
    up_sensor: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-second epochs from raw samples (one local day at a time).

    Parameters
    ----------
    samples : DataFrame, shape (N, 6)
        Index ``time`` (tz-aware UTC, increasing); ``acc_x, acc_y, acc_z`` (m/s²) and
        optionally ``gyr_x, gyr_y, gyr_z`` (rad/s; all-NaN = accelerometer-only sensor).
    fs_hz : float
        Nominal sampling rate (Hz).
    settings : AnalysisSettings, optional
    calibration_marks : DataFrame, optional
        ``start``, ``end`` (UTC) of stand-tall + bend routines (``Store.calibration_marks()``
        or routines found elsewhere). A routine inside a wear bout calibrates that bout.
    mountings : sequence of Mounting, optional
        Known mountings; bout ``k`` uses ``mountings[min(k, len-1)]`` instead of fitting.
    initial_mounting : Mounting, optional
        Mounting carried over from the previous day: used for a bout that starts at the first
        sample when no routine is inside it and no re-attachment is seen.
    up_sensor : ndarray, shape (N, 3), optional
        Precomputed gravity-up directions (skips the tilt filter).

    Returns
    -------
    epochs : DataFrame, shape (E, 8 + features)
        Index ``time`` (UTC, floor to the second), one row per second with samples;
        :data:`EPOCH_COLUMNS` then :data:`FEATURE_COLUMNS`.
    info : dict
        ``tilt`` (which up estimate), ``segments``, ``mountings`` (one dict per wear bout:
        start, end, source, up/forward vectors, quality), ``last_mounting`` (Mounting or None,
        to carry to the next day), ``wear``, ``context`` (seconds per class), ``episodes``
        (DataFrame of :func:`analysis.episodes.find_episodes`).

    See Also
    --------
    compute_epochs_arrays : the same from plain arrays (no DataFrame of samples).
    """
    _validate(samples, fs_hz)
    t_ns = pd.DatetimeIndex(samples.index).as_unit("ns").asi8
    acc = samples[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=np.float64)
    gyr: np.ndarray | None = None
    if {"gyr_x", "gyr_y", "gyr_z"} <= set(samples.columns):
        gyr = samples[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(dtype=np.float64)
    return compute_epochs_arrays(
        t_ns, acc, gyr, fs_hz, settings, calibration_marks=calibration_marks,
        mountings=mountings, initial_mounting=initial_mounting, up_sensor=up_sensor,
    )


def compute_epochs_arrays(
    t_ns: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    fs_hz: float,
    settings: AnalysisSettings | None = None,
    *,
    calibration_marks: pd.DataFrame | None = None,
    mountings: Sequence[Mounting] | None = None,
    initial_mounting: Mounting | None = None,
    up_sensor: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`compute_epochs` from plain arrays (the store reads Arrow straight to numpy).

    Parameters
    ----------
    t_ns : ndarray, shape (N,), int64
        Sample times (ns since the epoch, UTC), strictly increasing.
    acc : ndarray, shape (N, 3)
        m/s² (any float dtype; computed in float64).
    gyr : ndarray, shape (N, 3), or None
        rad/s; None or all-NaN for an accelerometer-only sensor.
    fs_hz, settings, calibration_marks, mountings, initial_mounting, up_sensor
        As for :func:`compute_epochs`.

    Returns
    -------
    epochs, info
        As for :func:`compute_epochs`.
    """
    prep = prepare_day(t_ns, acc, gyr, fs_hz, settings, up_sensor=up_sensor)
    return finish_day(prep, calibration_marks=calibration_marks, mountings=mountings,
                      initial_mounting=initial_mounting)


@dataclass
class PreparedDay:
    """The part of a day's epochs that does not depend on the mounting carried in.

    Made by :func:`prepare_day` (the tilt filter, per-second features, wear, bouts — the
    expensive part) and consumed by :func:`finish_day` (mountings, angles, context, slouch),
    so days can be prepared in parallel while the carried mounting still flows day to day.
    """

    settings: AnalysisSettings
    fs_hz: float
    t_ns: np.ndarray
    acc: np.ndarray
    up: np.ndarray
    feats: pd.DataFrame | None
    walk: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def prepare_day(
    t_ns: np.ndarray,
    acc: np.ndarray,
    gyr: np.ndarray | None,
    fs_hz: float,
    settings: AnalysisSettings | None = None,
    *,
    up_sensor: np.ndarray | None = None,
    tilt_gate: Callable[[int], AbstractContextManager[Any]] | None = None,
) -> PreparedDay:
    """Steps 1–4 of the pipeline (see the module docstring) for one day of samples.

    Parameters are those of :func:`compute_epochs_arrays`, and

    tilt_gate : callable, optional
        ``tilt_gate(n)`` gives a context manager entered around each call of the tilt filter
        on a segment of ``n`` samples (e.g. a memory budget shared by processes that prepare
        days in parallel: the filter's working memory is several times its segment's).

    Returns a :class:`PreparedDay` (``feats`` is None when no finite sample is left).
    """
    s = settings or AnalysisSettings()
    if not np.isfinite(fs_hz) or fs_hz <= 0:
        raise ValueError(f"fs_hz must be a finite positive sampling rate, got {fs_hz}")
    t_ns = np.asarray(t_ns, dtype=np.int64)
    acc = np.asarray(acc, dtype=np.float64)
    if acc.shape != (t_ns.size, 3):
        raise ValueError(f"acc must have shape ({t_ns.size}, 3), got {acc.shape}")
    if t_ns.size and np.any(np.diff(t_ns) <= 0):
        raise ValueError("samples must be sorted by time without duplicates")
    if gyr is not None:
        g = np.asarray(gyr, dtype=np.float64)
        gyr = None
        if np.isfinite(g).all():
            gyr = g
        elif np.isfinite(g).any():
            log.warning("gyroscope has NaN samples; using the accelerometer only")
        del g
    if up_sensor is not None and np.shape(up_sensor) != acc.shape:
        raise ValueError(f"up_sensor must have shape {acc.shape}, got {np.shape(up_sensor)}")
    bad = ~np.isfinite(acc).all(axis=1)
    if bad.any():
        log.warning("dropping %d samples with non-finite acceleration", int(bad.sum()))
        keep = ~bad
        t_ns, acc = t_ns[keep], acc[keep]
        gyr = gyr[keep] if gyr is not None else None
        up_sensor = np.asarray(up_sensor)[keep] if up_sensor is not None else None
    del bad
    info: dict[str, Any] = {}
    if t_ns.size == 0:
        return PreparedDay(s, fs_hz, t_ns, acc, np.empty_like(acc), None,
                           np.zeros(0, dtype=bool), info)

    info["tilt"] = (
        "given" if up_sensor is not None
        else f"analysis.tilt {'offline' if s.tilt_offline else 'causal'}"
    )
    walk_ok, walk_reason = step_band_availability(fs_hz, s.walking_band_hz)
    info["walking_available"] = walk_ok
    info["walking_reason"] = walk_reason
    if not walk_ok:
        log.warning("%s", walk_reason)
    # a gap is longer than max_gap_s and than a few sample periods (at 1 Hz every interval
    # is 1 s: that is the rate, not a gap)
    cut = np.flatnonzero(np.diff(t_ns) > max(s.max_gap_s, 5.0 / fs_hz) * _NS) + 1
    edges = np.concatenate(([0], cut, [t_ns.size]))
    info["segments"] = int(edges.size - 1)
    bounds = list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))
    if up_sensor is None:
        # one segment at a time through the tilt filter (its working memory is several
        # times the segment's); ``tilt_gate`` lets parallel callers take turns
        ups = []
        for a, b in bounds:
            seg_gyr = gyr[a:b] if gyr is not None else None
            with tilt_gate(b - a) if tilt_gate is not None else nullcontext():
                try:
                    u = np.asarray(gravity_direction(acc[a:b], seg_gyr, fs_hz,
                                                     causal=not s.tilt_offline))
                except ValueError as exc:
                    if fs_hz >= MIN_STEP_RATE_HZ:
                        raise
                    # at ~1 Hz the samples are further apart than the accelerometer-only
                    # low-pass's time constant (1 s), which the filter then refuses; the
                    # normalised acceleration is what it would converge to
                    log.info("tilt filter not usable at %.2g Hz (%s); using normalised "
                             "acceleration", fs_hz, exc)
                    info["tilt"] = f"normalised acceleration ({fs_hz:.2g} Hz)"
                    u = np.array(acc[a:b], dtype=float)
            ups.append(_unit_inplace(u))
            del u
        up = ups[0] if len(ups) == 1 else np.concatenate(ups)
        del ups
    else:
        up = _unit(np.asarray(up_sensor, dtype=float))
    band = np.empty(t_ns.size)
    for a, b in bounds:
        band[a:b] = _step_band(acc[a:b], fs_hz, s.walking_band_hz, t_ns[a:b])
    feats = second_features(t_ns, acc, gyr, up, band)
    del band, gyr
    resolution = acc_resolution_mps2(acc)
    info["acc_resolution_mps2"] = resolution
    info["fs_hz"] = float(fs_hz)

    feats, wear_info = detect_wear(feats, s, resolution_mps2=resolution, fs_hz=fs_hz)
    info["wear"] = wear_info
    feats["bout"] = _bouts(feats, s)
    walk = walking_flag(feats, s) & feats["worn"].to_numpy(dtype=bool)
    return PreparedDay(s, fs_hz, t_ns, acc, up, feats, walk, info)


def finish_day(
    prep: PreparedDay,
    *,
    calibration_marks: pd.DataFrame | None = None,
    mountings: Sequence[Mounting] | None = None,
    initial_mounting: Mounting | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Steps 5–6 of the pipeline: mountings, angles, context and slouch.

    Parameters
    ----------
    prep : PreparedDay
        From :func:`prepare_day`; its per-sample arrays are released.
    calibration_marks, mountings, initial_mounting
        As for :func:`compute_epochs`.

    Returns
    -------
    epochs, info
        As for :func:`compute_epochs`.
    """
    s = prep.settings
    info = prep.info
    feats = prep.feats
    if feats is None:
        empty = _empty_epochs()
        info.update(tilt="none", segments=0, mountings=[], last_mounting=initial_mounting,
                    wear={}, context={}, episodes=find_episodes(empty, s)[1])
        return empty, info
    t_ns, acc, up = prep.t_ns, prep.acc, prep.up
    prep.t_ns = prep.acc = prep.up = np.zeros(0)
    prep.feats = None
    walk = prep.walk
    counts = feats["n_samples"].to_numpy()
    bout = feats["bout"].to_numpy()
    sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // _NS
    first_sample = np.concatenate(([0], np.cumsum(counts)[:-1]))
    fitted = _fit_mountings(
        t_ns, acc, up, prep.fs_hz, sec, counts, first_sample, bout, walk,
        feats[["up_x", "up_y", "up_z"]].to_numpy(), _marks_ns(calibration_marks),
        mountings, initial_mounting, s,
    )
    del up, acc, t_ns

    upv = feats[["up_x", "up_y", "up_z"]].to_numpy()
    n = len(feats)
    flex = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    inc = np.full(n, np.nan)
    cal = np.full(n, "none", dtype=object)
    conf = np.full(n, "low", dtype=object)
    mount_info: list[dict[str, Any]] = []
    last = initial_mounting
    intensity: np.ndarray | None = None
    lying_hint = np.zeros(n, dtype=bool)
    for k, m in enumerate(fitted):
        idx = np.flatnonzero(bout == k)
        source = "none" if m is None else str(m.source)
        up_est: np.ndarray | None = None
        if m is not None:
            fx, lt, ic = flexion_angles(upv[idx], m)
            flex[idx], lat[idx], inc[idx] = fx, lt, ic
            source = "none" if m.source == "default" else str(m.source)
            conf[idx] = _confidence(m)
            last = m
        else:
            # no routine, no walking, no mounting before or after: upright from the bout's
            # active periods (analysis.calibration.estimate_upright); inclination from it,
            # no flexion (the forward direction is unknown)
            if intensity is None:
                intensity = movement_spread_deg(
                    sec, feats[[f"accdir_{a}" for a in "xyz"]].to_numpy(), counts)
            est = estimate_upright(upv[idx], intensity[idx], active_deg=s.estimate_active_deg,
                                   min_active_s=s.estimate_min_active_s)
            if est is None:
                est = _neighbour_estimate(k, bout, feats["worn"].to_numpy(dtype=bool), upv,
                                          intensity, s)
            if est is not None:
                up_est = est[0]
                split = split_upright_lying(upv[idx], intensity[idx], up_est)
                if split is not None:
                    up_est = split.upright
                    lying_hint[idx] = split.lying_mask
                source = "estimated"
                conf[idx] = "medium" if est[1] >= s.estimate_confident_active_s else "low"
            else:
                # last resort: the bout's typical direction (its most common posture)
                up_est = _unit(np.nanmedian(upv[idx], axis=0))
                conf[idx] = "low"
            inc[idx] = np.degrees(np.arccos(np.clip(upv[idx] @ up_est, -1, 1)))
        cal[idx] = source
        mount_info.append({
            "bout": k,
            "start": pd.Timestamp(int(sec[idx[0]]) * _NS, tz="UTC"),
            "end": pd.Timestamp((int(sec[idx[-1]]) + 1) * _NS, tz="UTC"),
            "source": source,
            "confidence": str(conf[idx[0]]),
            "up_sensor": (np.asarray(m.up_sensor).tolist() if m is not None
                          else None if up_est is None else np.asarray(up_est).tolist()),
            "forward_sensor": None if m is None else np.asarray(m.forward_sensor).tolist(),
            "quality": {} if m is None else dict(m.quality),
        })
    info["mountings"] = mount_info
    info["last_mounting"] = last
    feats["flexion_deg"] = flex
    feats["lateral_deg"] = lat
    feats["inclination_deg"] = inc
    feats["lying_hint"] = lying_hint
    feats["calibration"] = pd.Categorical(cal, categories=list(CALIBRATION_SOURCES))
    feats["calibration_confidence"] = pd.Categorical(
        conf, categories=list(CALIBRATION_CONFIDENCE))
    feats, ctx_info = classify_context(feats, s)
    info["context"] = ctx_info
    feats, episodes = find_episodes(feats, s)
    info["episodes"] = episodes
    rest = [c for c in feats.columns if c not in EPOCH_COLUMNS]
    return feats[list(EPOCH_COLUMNS) + rest], info


def _marks_ns(marks: pd.DataFrame | None) -> list[tuple[int, int]]:
    if marks is None or len(marks) == 0:
        return []
    for c in ("start", "end"):
        if c not in marks.columns:
            raise ValueError(f"calibration_marks lack column '{c}'")
    a = pd.DatetimeIndex(pd.to_datetime(marks["start"], utc=True)).as_unit("ns").asi8
    b = pd.DatetimeIndex(pd.to_datetime(marks["end"], utc=True)).as_unit("ns").asi8
    return sorted(zip(a.tolist(), b.tolist(), strict=True))


def _fit_marked_routine(
    t_ns: np.ndarray, up: np.ndarray, start_ns: int, end_ns: int, fs_hz: float,
    stand_s: float = 4.0, min_bend_deg: float = 15.0, max_spread_deg: float = 3.0,
) -> Mounting | None:
    """Mounting from a marked "stand tall, then bend forward" routine.

    The mark says where the routine is, so no search is needed: upright = mean up direction
    of the stillest ``stand_s`` window in the first half of the mark; forward = opposite of
    the mean deviation from upright of the samples bent more than half the peak (bending
    forward moves the sensor-frame up vector backward). ``analysis.calibration.fit_routine``
    is tried first; its routine search is used when it succeeds.

    Returns None (with a warning) when the mark holds no bend of ``min_bend_deg`` or no
    stand still within ``max_spread_deg`` (RMS): a bad routine must not calibrate silently.
    """
    when = pd.Timestamp(start_ns, unit="ns", tz="UTC")
    try:
        m = fit_routine(up, fs_hz, fitted_ns=start_ns)
        if float(m.quality.get("stand_spread_deg", np.inf)) <= max_spread_deg:
            return m
    except ValueError:
        pass
    inside = (t_ns >= start_ns) & (t_ns <= end_ns) & np.isfinite(up).all(axis=1)
    u = up[inside]
    k = max(int(round(stand_s * fs_hz)), 2)
    half = max(u.shape[0] // 2, k)
    if u.shape[0] < k + 3:
        log.warning("calibration routine at %s: too few samples", when)
        return None
    step = max(int(fs_hz // 2), 1)
    best, best_spread = 0, np.inf
    for i in range(0, max(half - k, 0) + 1, step):
        w = u[i:i + k]
        spread = float(np.linalg.norm(w.std(axis=0)))
        if spread < best_spread:
            best, best_spread = i, spread
    spread_deg = float(np.degrees(best_spread))
    if spread_deg > max_spread_deg:
        log.warning("calibration routine at %s: no still stand (spread %.1f°)", when, spread_deg)
        return None
    u0 = _unit(u[best:best + k].mean(axis=0))
    ang = np.degrees(np.arccos(np.clip(u @ u0, -1.0, 1.0)))
    peak = float(ang.max())
    if peak < min_bend_deg:
        log.warning("calibration routine at %s: bend of %.1f° is too small", when, peak)
        return None
    bent = u[ang > 0.5 * peak]
    dev = bent - np.outer(bent @ u0, u0)
    fwd = -dev.mean(axis=0)
    quality = {"stand_spread_deg": spread_deg, "bend_peak_deg": peak,
               "n_bend": int(bent.shape[0])}
    return Mounting.from_axes(u0, fwd, "routine", start_ns, quality)


def _check_forward_sign(
    m: Mounting, sec: np.ndarray, upv: np.ndarray, s: AnalysisSettings,
    window_s: int = 121, min_excursion_deg: float = 8.0,
) -> Mounting:
    """Choose the sign of a walking-fitted forward axis from brief excursions.

    Walking fixes the antero-posterior *axis* but not its sign. The sign "people flex forward
    more than they extend" fails on a day of reclined sofa sitting, which is sustained. Brief
    excursions are different: reaching, picking something up and bending are forward, brief
    backward leans of many degrees are rare. So the pitch (upright, non-walking seconds) minus
    its 2-min running median is summed over excursions beyond ``min_excursion_deg``; a
    negative sum flips the forward axis (and the walking-lean correction with it).
    """
    if sec.size < window_s:
        return m
    pitch = np.degrees(np.arcsin(np.clip(-(upv @ m.forward_sensor), -1.0, 1.0)))
    grid = np.full(int(sec[-1] - sec[0]) + 1, np.nan)
    grid[sec - sec[0]] = pitch
    base = pd.Series(grid).rolling(window_s, center=True, min_periods=window_s // 4).median()
    resid = pitch - base.to_numpy()[sec - sec[0]]
    big = np.abs(resid) > min_excursion_deg
    score = float(np.nansum(resid[big]))
    m.quality["excursion_score_deg_s"] = score
    if score >= 0:
        return m
    lean = np.radians(s.walking_lean_deg)
    up_walk = np.cos(lean) * m.up_sensor - np.sin(lean) * m.forward_sensor
    ap = -m.forward_sensor
    up0 = np.cos(lean) * up_walk + np.sin(lean) * ap
    log.info("walking calibration: forward sign flipped by brief excursions (%.0f deg·s)", score)
    return Mounting.from_axes(up0, ap, "walking", m.fitted_ns, {**m.quality, "sign_flipped": True})


def _neighbour_estimate(
    k: int, bout: np.ndarray, worn: np.ndarray, upv: np.ndarray, spread_deg: np.ndarray,
    s: AnalysisSettings,
) -> tuple[np.ndarray, int] | None:
    """Estimated upright of the nearest bout (previous first) that is separated from bout
    ``k`` only by missing data, not by non-wear: the sensor was not taken off in between,
    so its mounting is the same (e.g. a link loss in the middle of the night)."""
    n_bouts = int(bout.max()) + 1
    idx = np.flatnonzero(bout == k)
    for j in (k - 1, k + 1):
        if not 0 <= j < n_bouts:
            continue
        jdx = np.flatnonzero(bout == j)
        lo, hi = (jdx[-1], idx[0]) if j < k else (idx[-1], jdx[0])
        if not worn[lo + 1:hi].all():
            continue
        est = estimate_upright(upv[jdx], spread_deg[jdx], active_deg=s.estimate_active_deg,
                               min_active_s=s.estimate_min_active_s)
        if est is not None:
            return est
    return None


def _confidence(m: Mounting) -> str:
    """Confidence of a mounting: routine high; walking high unless its forward axis is weak
    (AP/ML step-band ratio < 1.1), its sign was flipped by excursions, or it rests on less
    than 2 min of walking (then medium); the nominal default low."""
    if m.source == "routine":
        return "high"
    if m.source == "walking":
        q = m.quality
        weak = (float(q.get("ap_ml_ratio", 2.0)) < 1.1 or bool(q.get("sign_flipped", False))
                or float(q.get("walking_s", 120.0)) < 120.0)
        return "medium" if weak else "high"
    return "low"


def _fit_mountings(
    t_ns: np.ndarray,
    acc: np.ndarray,
    up: np.ndarray,
    fs_hz: float,
    sec: np.ndarray,
    counts: np.ndarray,
    first_sample: np.ndarray,
    bout: np.ndarray,
    walk: np.ndarray,
    upv: np.ndarray,
    marks: list[tuple[int, int]],
    given: Sequence[Mounting] | None,
    carried: Mounting | None,
    s: AnalysisSettings,
) -> list[Mounting | None]:
    """One mounting per wear bout: routine > carried/unchanged > walking > previous > none."""
    n_bouts = int(bout.max()) + 1 if (bout >= 0).any() else 0
    if given:
        return [given[min(k, len(given) - 1)] for k in range(n_bouts)]
    out: list[Mounting | None] = []
    previous = carried
    worn_s = bout >= 0
    reattached = set(detect_reattachment(upv, worn_s, 1.0, walking=walk,
                                         threshold_deg=s.reattach_threshold_deg,
                                         window_s=120.0, min_nonwear_s=1.0))
    for k in range(n_bouts):
        idx = np.flatnonzero(bout == k)
        lo = int(first_sample[idx[0]])
        hi = int(first_sample[idx[-1]] + counts[idx[-1]])
        m: Mounting | None = None
        t0, t1 = int(t_ns[lo]), int(t_ns[hi - 1])
        for a, b in marks:
            if b < t0 or a > t1:
                continue
            pad = int(3 * _NS)
            i0 = int(np.searchsorted(t_ns, a - pad))
            i1 = int(np.searchsorted(t_ns, b + pad))
            m = _fit_marked_routine(t_ns[i0:i1], up[i0:i1], a, b, fs_hz)
            if m is not None:
                break
        new_attachment = k == 0 and previous is None or int(idx[0]) in reattached
        if m is None and previous is not None and not new_attachment:
            m = previous
        if m is None:
            bsec = np.zeros(sec.size, dtype=bool)
            bsec[idx] = True
            wsec = bsec & walk
            if wsec.sum() >= s.calibration_min_walking_s:
                u_walk = _unit(np.nanmean(upv[wsec], axis=0))
                ang = np.degrees(np.arccos(np.clip(upv @ u_walk, -1, 1)))
                upr = bsec & ~walk & (ang < s.lying_inclination_deg)
                wmask = np.repeat(wsec, counts)[lo:hi]
                umask = np.repeat(upr, counts)[lo:hi]
                try:
                    m = fit_from_walking(
                        acc[lo:hi], up[lo:hi], fs_hz, wmask, upright_mask=umask,
                        lean_deg=s.walking_lean_deg, fitted_ns=int(sec[idx[0]]) * _NS,
                        min_walking_s=s.calibration_min_walking_s,
                    )
                    m = _check_forward_sign(m, sec[upr], upv[upr], s)
                except ValueError as exc:
                    log.warning("walking calibration of wear bout %d failed: %s", k, exc)
        if m is None and previous is not None:
            log.info("wear bout %d: no routine or walking; keeping the previous mounting", k)
            m = previous
        if m is None:
            log.info("wear bout %d (%d s): no routine or walking of its own yet",
                     k, idx.size)
        out.append(m)
        if m is not None:
            previous = m
    # backward: a bout without a mounting of its own takes the next bout's when the sensor
    # was not re-attached in between (the same mounting; e.g. the night before the first
    # walk of a recording that starts while the wearer is asleep)
    for k in range(n_bouts - 2, -1, -1):
        if out[k] is None and out[k + 1] is not None:
            nxt = int(np.flatnonzero(bout == k + 1)[0])
            if nxt not in reattached:
                log.info("wear bout %d: mounting of the next bout applied backward", k)
                out[k] = out[k + 1]
    return out


def _empty_epochs() -> pd.DataFrame:
    idx = pd.DatetimeIndex([], tz="UTC", name="time")
    df = pd.DataFrame(index=idx)
    for c in ("flexion_deg", "lateral_deg", "inclination_deg"):
        df[c] = np.zeros(0)
    df["worn"] = np.zeros(0, dtype=bool)
    df["context"] = pd.Categorical([], dtype=CONTEXT_DTYPE)
    df["slouch"] = np.zeros(0, dtype=bool)
    df["n_samples"] = np.zeros(0, dtype=np.int32)
    df["calibration"] = pd.Categorical([], categories=list(CALIBRATION_SOURCES))
    df["calibration_confidence"] = pd.Categorical([], categories=list(CALIBRATION_CONFIDENCE))
    return df
