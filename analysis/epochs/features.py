"""Per-second features of raw IMU samples: acceleration and gyroscope statistics, step-band
power, mean acceleration direction and mean up vector.

A day's sample arrays (~4.3 M samples at 50 Hz, ~100 MB each) are reduced to one row per
recorded second right away (:func:`second_features`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import signal

from analysis.rows import row_norms, unit_rows
from vocab.units import NS_PER_S

__all__ = [
    "FEATURE_COLUMNS",
    "MIN_STEP_RATE_HZ",
    "acc_resolution_mps2",
    "second_features",
    "step_of_distinct_values",
    "walking_min_rate_hz",
    "step_band",
    "step_band_availability",
]

_NS = NS_PER_S

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


#: Lowest sampling rate (Hz) at which the step band is computed: the band's upper edge
#: (2.5 Hz) must stay below ~0.45 × fs (Nyquist, fs/2, with a margin for the filter's
#: roll-off), i.e. fs ≥ 2.5 / 0.45 ≈ 5.6 Hz; rounded up to 6 Hz.
MIN_STEP_RATE_HZ = 6.0


def walking_min_rate_hz(band: tuple[float, float]) -> float:
    """Lowest median sampling rate (Hz) at which walking is measured: the step band's upper
    edge (Hz) must stay below ~0.45 × the rate, and never below ``MIN_STEP_RATE_HZ``."""
    return float(max(MIN_STEP_RATE_HZ, band[1] / 0.45))


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
    need = walking_min_rate_hz(band)
    if fs_hz < need:
        return False, (f"walking not available: {fs_hz:.2g} Hz median sampling rate cannot "
                       f"resolve the {band[0]}–{band[1]} Hz step band (needs ≥ {need:.0f} Hz, "
                       "Nyquist)")
    return True, ""


def step_band(acc_norm_mps2: np.ndarray, fs_hz: float, band: tuple[float, float],
               t_ns: np.ndarray | None = None) -> np.ndarray:
    """|acc| band-passed to the step band (zero phase); zeros for too-short segments.

    ``acc_norm_mps2`` (shape (N,)) is |acc| of a gap-free segment (:func:`row_norms`).
    With ``t_ns`` and irregular sample times (any interval off the nominal 1/fs by more
    than a quarter period), |acc| is first interpolated linearly onto a uniform grid at
    ``fs_hz``, filtered there, and read back at the sample times: a digital band-pass
    assumes uniform sampling. NaN everywhere when the rate cannot resolve the band
    (:func:`step_band_availability`).
    """
    mag = np.asarray(acc_norm_mps2, dtype=np.float64)
    if mag.ndim != 1:
        raise ValueError(f"acc_norm_mps2 must have shape (N,), got {mag.shape}")
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
    """Quantisation step of the accelerometer (m/s²) from its first ``max_rows`` samples
    (``acc`` shape (N, 3)): :func:`step_of_distinct_values` of each axis's distinct values."""
    a = np.asarray(acc, dtype=float)[:max_rows]
    n_axes = a.shape[1] if a.ndim == 2 else 0
    return step_of_distinct_values([np.unique(a[np.isfinite(a[:, i]), i]) for i in range(n_axes)])


def step_of_distinct_values(distinct: Sequence[np.ndarray]) -> float:
    """Quantisation step (m/s²): median spacing of the sorted distinct values of an axis.

    For quantised data the spacings of the sorted distinct values of an axis are multiples of
    the step, so their median is the step (e.g. 1/64 g ≈ 0.153 m/s² for an 8-bit ±2 g
    sensor); for unquantised or finely quantised data it is tiny. The smallest median over
    the axes with at least 3 spacings is returned; 0 when none has (unknown).

    Parameters
    ----------
    distinct : sequence of ndarray
        Per axis, its sorted distinct values (m/s²; non-finite ones are ignored).
    """
    steps = []
    for v in distinct:
        d = np.diff(v[np.isfinite(v)])
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
    acc_norm_mps2: np.ndarray | None = None,
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
    acc_norm_mps2 : ndarray, shape (N,), optional
        |acc| (m/s²) when the caller has it already (:func:`row_norms` of ``acc``).

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
    mag = row_norms(acc) if acc_norm_mps2 is None else acc_norm_mps2
    with np.errstate(invalid="ignore", divide="ignore"):
        d = red.sum(acc / mag[:, None]) / counts[:, None]
    del mag
    for i, a in enumerate("xyz"):
        cols[f"accdir_{a}"] = d[:, i]
    u = unit_rows(red.sum(up))
    for i, a in enumerate("xyz"):
        cols[f"up_{a}"] = u[:, i]
    index = pd.DatetimeIndex(pd.to_datetime(sec[starts], unit="s", utc=True), name="time")
    return pd.DataFrame(cols, index=index)

