"""Raw IMU samples → per-second epochs: flexion, wear, context, slouch.

Designed for one local day (~4.3 M samples at 50 Hz) at a time: the sample arrays of a day
(~100 MB each) are reduced to one row per recorded second right away; nothing of size N
survives the call.

Pipeline (:func:`compute_epochs`):

1. split the samples into gap-free segments (gaps > ``max_gap_s``);
2. gravity ("up") direction per sample with the **offline** tilt filter
   (``analysis.tilt.gravity_direction(..., causal=False)``; a zero-phase low-pass of the
   accelerometer is the fallback while that module is absent) and the 1.5–2.5 Hz
   band-pass of |acc| per segment;
3. per-second statistics (mean/SD/min/max of acceleration per axis, gyroscope mean/SD,
   step-band power, mean up vector);
4. wear (:func:`analysis.wear.detect_wear`) → wear bouts (runs of wear separated by
   ≥ ``calibration_min_bout_s`` of non-wear or missing data: the sensor may have been
   re-attached at another angle, so each bout is calibrated anew);
5. mounting per bout: a marked/found stand-tall + bend routine inside the bout, else the
   mounting carried over from the previous day when the bout continues it, else a fit from
   the bout's walking (upright = mean gravity direction while walking; forward = main axis
   of the trunk's sway, signed so that forward flexion dominates), else none (flexion NaN);
6. flexion / lateral bend / inclination per second, context, slouch.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import signal

from analysis.context import classify_context, walking_flag
from analysis.episodes import find_episodes
from analysis.settings import AnalysisSettings
from analysis.wear import detect_wear, runs

__all__ = [
    "EPOCH_COLUMNS",
    "FEATURE_COLUMNS",
    "MountingLike",
    "SimpleMounting",
    "angles_from_up",
    "compute_epochs",
    "fit_routine",
    "fit_walking",
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
)

#: Per-second feature columns also kept in the epochs table.
FEATURE_COLUMNS: tuple[str, ...] = (
    *(f"acc_{k}_{a}" for k in ("mean", "sd", "min", "max") for a in "xyz"),
    *(f"gyr_{k}_{a}" for k in ("mean", "sd") for a in "xyz"),
    "step_power",
    "up_x",
    "up_y",
    "up_z",
    "still",
    "bout",
)


class MountingLike(Protocol):
    """What epochs need of a mounting (``analysis.calibration.Mounting`` satisfies it).

    Attributes
    ----------
    up_sensor : ndarray, shape (3,)
        Unit gravity-up direction in the sensor frame while the wearer stands upright.
    forward_sensor : ndarray, shape (3,)
        Unit anterior (forward) direction of the trunk in the sensor frame, ⟂ ``up_sensor``.
    source : str
        ``routine``, ``walking``, …
    """

    @property
    def up_sensor(self) -> np.ndarray: ...

    @property
    def forward_sensor(self) -> np.ndarray: ...

    @property
    def source(self) -> str: ...


@dataclass(frozen=True)
class SimpleMounting:
    """A mounting fitted here (same fields as ``analysis.calibration.Mounting``)."""

    up_sensor: np.ndarray
    forward_sensor: np.ndarray
    source: str
    fitted_ns: int
    quality: float


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / n)


def angles_from_up(up: np.ndarray, mounting: MountingLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flexion, lateral bend and inclination (degrees) from gravity-up vectors.

    Uses ``analysis.flexion.flexion_angles`` when that module exists; otherwise the same
    definitions here: with upright ``u0``, forward ``f`` and right ``r = f × u0``, a forward
    flexion by θ turns the sensor-frame up vector to ``cos θ u0 − sin θ f``, so
    ``flexion = atan2(−up·f, up·u0)``, ``lateral = atan2(−up·r, up·u0)``,
    ``inclination = angle(up, u0)``.

    Parameters
    ----------
    up : ndarray, shape (E, 3)
        Unit gravity-up directions in the sensor frame.
    mounting : MountingLike

    Returns
    -------
    flexion_deg, lateral_deg, inclination_deg : ndarray, shape (E,)
    """
    try:
        flexion_mod = importlib.import_module("analysis.flexion")
    except ImportError:
        flexion_mod = None
    if flexion_mod is not None and hasattr(flexion_mod, "flexion_angles"):
        fx, lat, inc = flexion_mod.flexion_angles(up, mounting)
        return (np.asarray(fx, dtype=float), np.asarray(lat, dtype=float),
                np.asarray(inc, dtype=float))
    u0 = _unit(np.asarray(mounting.up_sensor, dtype=float))
    f = np.asarray(mounting.forward_sensor, dtype=float)
    f = _unit(f - np.dot(f, u0) * u0)
    r = np.cross(f, u0)
    a = up @ u0
    flex = np.degrees(np.arctan2(-(up @ f), a))
    lat = np.degrees(np.arctan2(-(up @ r), a))
    inc = np.degrees(np.arccos(np.clip(a, -1.0, 1.0)))
    return flex, lat, inc


def _gravity_direction() -> Callable[..., np.ndarray] | None:
    try:
        tilt = importlib.import_module("analysis.tilt")
    except ImportError:
        return None
    fn = getattr(tilt, "gravity_direction", None)
    return fn if callable(fn) else None


def _lowpass_up(acc: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth low-pass of the accelerometer, normalised."""
    sos = signal.butter(2, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    if acc.shape[0] > 30:
        acc = signal.sosfiltfilt(sos, acc, axis=0)
    return _unit(acc)


def _step_band(acc: np.ndarray, fs_hz: float, band: tuple[float, float]) -> np.ndarray:
    """|acc| band-passed to the step band (zero phase); zeros for too-short segments."""
    mag = np.linalg.norm(acc, axis=1)
    hi = min(band[1], 0.45 * fs_hz)
    if hi <= band[0]:
        raise ValueError(f"sampling rate {fs_hz} Hz is too low for the step band {band}")
    sos = signal.butter(2, [band[0], hi], btype="band", fs=fs_hz, output="sos")
    if mag.size < 4 * fs_hz:
        return np.zeros_like(mag)
    return np.asarray(signal.sosfiltfilt(sos, mag - mag.mean()))


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
    cols: dict[str, np.ndarray] = {"n_samples": counts.astype(np.int32)}

    def mean_sd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = np.add.reduceat(x, starts, axis=0) / counts[:, None]
        dev = x - np.repeat(m, counts, axis=0)
        v = np.add.reduceat(dev * dev, starts, axis=0) / counts[:, None]
        return m, np.sqrt(v)

    m, sd = mean_sd(acc)
    lo = np.minimum.reduceat(acc, starts, axis=0)
    hi = np.maximum.reduceat(acc, starts, axis=0)
    for i, a in enumerate("xyz"):
        cols[f"acc_mean_{a}"] = m[:, i]
        cols[f"acc_sd_{a}"] = sd[:, i]
        cols[f"acc_min_{a}"] = lo[:, i]
        cols[f"acc_max_{a}"] = hi[:, i]
    if gyr is not None:
        gm, gsd = mean_sd(gyr)
    else:
        gm = gsd = np.full((starts.size, 3), np.nan)
    for i, a in enumerate("xyz"):
        cols[f"gyr_mean_{a}"] = gm[:, i]
        cols[f"gyr_sd_{a}"] = gsd[:, i]
    cols["step_power"] = np.add.reduceat(step_band * step_band, starts) / counts
    u = _unit(np.add.reduceat(up, starts, axis=0))
    for i, a in enumerate("xyz"):
        cols[f"up_{a}"] = u[:, i]
    index = pd.DatetimeIndex(pd.to_datetime(sec[starts], unit="s", utc=True), name="time")
    return pd.DataFrame(cols, index=index)


def fit_routine(up: np.ndarray, t_s: np.ndarray, stand_s: float = 5.0,
                min_bend_deg: float = 10.0) -> SimpleMounting | None:
    """Mounting from a stand-tall (first ``stand_s`` seconds) + bend-forward routine.

    Parameters
    ----------
    up : ndarray, shape (K, 3)
        Per-second unit up vectors inside the routine interval, time order.
    t_s : ndarray, shape (K,)
        Their whole seconds (UTC).

    Returns
    -------
    SimpleMounting or None
        None when the routine holds no bend of at least ``min_bend_deg``.
    """
    if up.shape[0] < 3:
        return None
    stand = t_s < t_s[0] + stand_s
    u0 = _unit(np.nanmean(up[stand], axis=0))
    ang = np.degrees(np.arccos(np.clip(up @ u0, -1, 1)))
    bend = ang > max(min_bend_deg, 0.5 * float(np.nanmax(ang)))
    if not bend.any() or not np.all(np.isfinite(u0)):
        return None
    dev = up[bend] - np.outer(up[bend] @ u0, u0)
    f = _unit(-dev.mean(axis=0))
    quality = float(np.clip(np.linalg.norm(dev.mean(axis=0)) / np.mean(np.linalg.norm(dev, axis=1)), 0, 1))
    return SimpleMounting(u0, f, "routine", int(t_s[0]) * _NS, quality)


def fit_walking(up_walk: np.ndarray, up_sway: np.ndarray, fitted_ns: int) -> SimpleMounting | None:
    """Mounting from walking (upright) and the bout's sway (forward axis).

    Parameters
    ----------
    up_walk : ndarray, shape (W, 3)
        Per-second up vectors while walking: their mean is upright (the trunk is near
        upright in gait and the mean acceleration over gait cycles is gravity).
    up_sway : ndarray, shape (S, 3)
        Per-second up vectors of the bout's upright (sitting/standing) time; the main
        axis of their deviation from upright is the sagittal one, signed so that the
        larger excursions are forward (people flex far more than they extend).

    Returns
    -------
    SimpleMounting or None
    """
    if up_walk.shape[0] == 0:
        return None
    u0 = _unit(np.nanmean(up_walk, axis=0))
    if not np.all(np.isfinite(u0)):
        return None
    dev = up_sway - np.outer(up_sway @ u0, u0)
    dev = dev[np.all(np.isfinite(dev), axis=1)]
    if dev.shape[0] < 10:
        return SimpleMounting(u0, _any_perpendicular(u0), "walking", fitted_ns, 0.0)
    cov = dev.T @ dev / dev.shape[0]
    w, v = np.linalg.eigh(cov)
    e = v[:, -1]
    e = _unit(e - np.dot(e, u0) * u0)
    p = -(dev @ e)  # flexion-like coordinate along +e as "forward"
    q90, q10 = np.percentile(p, [90, 10])
    if abs(q90) < abs(q10):
        e = -e
    quality = float(1.0 - w[-2] / w[-1]) if w[-1] > 0 else 0.0
    return SimpleMounting(u0, e, "walking", fitted_ns, quality)


def _any_perpendicular(u: np.ndarray) -> np.ndarray:
    ref = np.eye(3)[int(np.argmin(np.abs(u)))]
    return _unit(ref - np.dot(ref, u) * u)


def _validate(samples: pd.DataFrame, fs_hz: float) -> None:
    if not isinstance(samples.index, pd.DatetimeIndex) or samples.index.tz is None:
        raise ValueError("samples must have a tz-aware DatetimeIndex 'time' (UTC)")
    need = ["acc_x", "acc_y", "acc_z"]
    missing = [c for c in need if c not in samples.columns]
    if missing:
        raise ValueError(f"samples lack columns {missing}")
    if not np.isfinite(fs_hz) or fs_hz < 6:
        raise ValueError(f"fs_hz must be >= 6 Hz for the 1.5–2.5 Hz step band, got {fs_hz}")


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
    mountings: Sequence[MountingLike] | None = None,
    initial_mounting: MountingLike | None = None,
    up_sensor: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-second epochs from raw samples (one local day at a time).

    Parameters
    ----------
    samples : DataFrame, shape (N, 6)
        Index ``time`` (tz-aware UTC, increasing); ``acc_x, acc_y, acc_z`` (m/s²) and
        optionally ``gyr_x, gyr_y, gyr_z`` (rad/s; all-NaN = no gyroscope).
    fs_hz : float
        Nominal sampling rate (Hz).
    settings : AnalysisSettings, optional
    calibration_marks : DataFrame, optional
        ``start``, ``end`` (UTC) of stand-tall + bend routines (store marks, or routines found
        elsewhere). A routine inside a wear bout calibrates that bout.
    mountings : sequence of MountingLike, optional
        Known mountings; bout ``k`` uses ``mountings[min(k, len-1)]`` instead of fitting
        (for tests and for mountings stored by ``posturelog calibrate``).
    initial_mounting : MountingLike, optional
        Mounting carried over from the previous day; used for a bout that starts at the
        first sample when no routine is inside it.
    up_sensor : ndarray, shape (N, 3), optional
        Precomputed gravity-up directions (skips the tilt filter).

    Returns
    -------
    epochs : DataFrame, shape (E, ...)
        Index ``time`` (UTC, floor to the second), one row per second with samples;
        :data:`EPOCH_COLUMNS` then :data:`FEATURE_COLUMNS`.
    info : dict
        ``tilt`` (which filter), ``segments``, ``mountings`` (list of dicts per bout),
        ``last_mounting`` (to carry to the next day), ``wear``, ``context``,
        ``episodes`` (DataFrame).
    """
    s = settings or AnalysisSettings()
    _validate(samples, fs_hz)
    t_ns = pd.DatetimeIndex(samples.index).as_unit("ns").asi8
    if t_ns.size and np.any(np.diff(t_ns) <= 0):
        raise ValueError("samples must be sorted by time without duplicates")
    acc = samples[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=np.float64)
    gyr: np.ndarray | None = None
    if {"gyr_x", "gyr_y", "gyr_z"} <= set(samples.columns):
        g = samples[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(dtype=np.float64)
        if np.isfinite(g).all():
            gyr = g
        elif np.isfinite(g).any():
            log.warning("gyroscope has NaN samples; using the accelerometer only")
    if up_sensor is not None and np.shape(up_sensor) != acc.shape:
        raise ValueError(f"up_sensor must have shape {acc.shape}, got {np.shape(up_sensor)}")
    bad = ~np.isfinite(acc).all(axis=1)
    if bad.any():
        log.warning("dropping %d samples with non-finite acceleration", int(bad.sum()))
        keep = ~bad
        t_ns, acc = t_ns[keep], acc[keep]
        gyr = gyr[keep] if gyr is not None else None
        up_sensor = np.asarray(up_sensor)[keep] if up_sensor is not None else None
    info: dict[str, Any] = {}
    if t_ns.size == 0:
        empty = _empty_epochs()
        info.update(tilt="none", segments=0, mountings=[], last_mounting=initial_mounting,
                    wear={}, context={}, episodes=find_episodes(empty, s)[1])
        return empty, info

    gravity = _gravity_direction()
    info["tilt"] = ("given" if up_sensor is not None
                    else "analysis.tilt" if gravity is not None else "low-pass fallback")
    cut = np.flatnonzero(np.diff(t_ns) > s.max_gap_s * _NS) + 1
    edges = np.concatenate(([0], cut, [t_ns.size]))
    info["segments"] = int(edges.size - 1)
    up = np.empty_like(acc) if up_sensor is None else _unit(np.asarray(up_sensor, dtype=float))
    band = np.empty(t_ns.size)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        seg_acc = acc[a:b]
        if up_sensor is None:
            if gravity is not None and b - a >= 2:
                seg_gyr = gyr[a:b] if gyr is not None else None
                up[a:b] = _unit(np.asarray(gravity(seg_acc, seg_gyr, fs_hz, causal=False)))
            else:
                up[a:b] = _lowpass_up(seg_acc, fs_hz, s.tilt_cutoff_hz)
        band[a:b] = _step_band(seg_acc, fs_hz, s.walking_band_hz)
    feats = second_features(t_ns, acc, gyr, up, band)
    del up, band, acc, gyr

    feats, wear_info = detect_wear(feats, s)
    info["wear"] = wear_info
    feats["bout"] = _bouts(feats, s)
    walk = walking_flag(feats, s) & feats["worn"].to_numpy(dtype=bool)
    sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // _NS
    upv = feats[["up_x", "up_y", "up_z"]].to_numpy()
    n = len(feats)
    flex = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    inc = np.full(n, np.nan)
    cal = np.full(n, "none", dtype=object)
    marks = _marks_seconds(calibration_marks)
    bout = feats["bout"].to_numpy()
    mount_info: list[dict[str, Any]] = []
    last = initial_mounting
    for k in range(int(bout.max()) + 1 if (bout >= 0).any() else 0):
        idx = np.flatnonzero(bout == k)
        m = _mount_for_bout(k, idx, sec, upv, walk, marks, mountings,
                            initial_mounting if idx[0] == 0 else None, s)
        if m is not None:
            fx, lt, ic = angles_from_up(upv[idx], m)
            flex[idx], lat[idx], inc[idx] = fx, lt, ic
            cal[idx] = str(m.source)
            last = m
        else:
            # no mounting: inclination from the bout's typical direction (for lying only)
            u0 = _unit(np.nanmedian(upv[idx], axis=0))
            inc[idx] = np.degrees(np.arccos(np.clip(upv[idx] @ u0, -1, 1)))
        mount_info.append({
            "bout": k,
            "start": pd.Timestamp(int(sec[idx[0]]) * _NS, tz="UTC"),
            "end": pd.Timestamp((int(sec[idx[-1]]) + 1) * _NS, tz="UTC"),
            "source": "none" if m is None else str(m.source),
            "up_sensor": None if m is None else np.asarray(m.up_sensor).tolist(),
            "forward_sensor": None if m is None else np.asarray(m.forward_sensor).tolist(),
        })
    info["mountings"] = mount_info
    info["last_mounting"] = last
    feats["flexion_deg"] = flex
    feats["lateral_deg"] = lat
    feats["inclination_deg"] = inc
    feats["calibration"] = pd.Categorical(cal, categories=sorted(
        {"routine", "walking", "none", *(str(c) for c in set(cal))}))
    feats, ctx_info = classify_context(feats, s)
    info["context"] = ctx_info
    feats, episodes = find_episodes(feats, s)
    info["episodes"] = episodes
    rest = [c for c in feats.columns if c not in EPOCH_COLUMNS]
    return feats[list(EPOCH_COLUMNS) + rest], info


def _marks_seconds(marks: pd.DataFrame | None) -> list[tuple[int, int]]:
    if marks is None or len(marks) == 0:
        return []
    for c in ("start", "end"):
        if c not in marks.columns:
            raise ValueError(f"calibration_marks lack column '{c}'")
    a = pd.DatetimeIndex(pd.to_datetime(marks["start"], utc=True)).as_unit("ns").asi8 // _NS
    b = pd.DatetimeIndex(pd.to_datetime(marks["end"], utc=True)).as_unit("ns").asi8 // _NS
    return sorted(zip(a.tolist(), b.tolist(), strict=True))


def _mount_for_bout(
    k: int,
    idx: np.ndarray,
    sec: np.ndarray,
    upv: np.ndarray,
    walk: np.ndarray,
    marks: list[tuple[int, int]],
    mountings: Sequence[MountingLike] | None,
    carried: MountingLike | None,
    s: AnalysisSettings,
) -> MountingLike | None:
    if mountings:
        return mountings[min(k, len(mountings) - 1)]
    t0, t1 = int(sec[idx[0]]), int(sec[idx[-1]]) + 1
    for a, b in marks:
        if a >= t0 - 1 and b <= t1 + 1:
            sel = idx[(sec[idx] >= a) & (sec[idx] < b)]
            m = fit_routine(upv[sel], sec[sel])
            if m is not None:
                return m
            log.warning("calibration routine %s–%s holds no clear bend; ignored",
                        pd.Timestamp(a, unit="s", tz="UTC"), pd.Timestamp(b, unit="s", tz="UTC"))
    if carried is not None:
        return carried
    w = idx[walk[idx]]
    if w.size >= s.calibration_min_walking_s:
        u0 = _unit(np.nanmean(upv[w], axis=0))
        ang = np.degrees(np.arccos(np.clip(upv[idx] @ u0, -1, 1)))
        sway = idx[(~walk[idx]) & (ang < s.lying_inclination_deg)]
        return fit_walking(upv[w], upv[sway], int(sec[w[0]]) * _NS)
    log.info("wear bout %d (%d s) has no routine and only %d s of walking: not calibrated",
             k, idx.size, w.size)
    return None


def _empty_epochs() -> pd.DataFrame:
    from analysis.context import CONTEXT_DTYPE

    idx = pd.DatetimeIndex([], tz="UTC", name="time")
    df = pd.DataFrame(index=idx)
    for c in ("flexion_deg", "lateral_deg", "inclination_deg"):
        df[c] = np.zeros(0)
    df["worn"] = np.zeros(0, dtype=bool)
    df["context"] = pd.Categorical([], dtype=CONTEXT_DTYPE)
    df["slouch"] = np.zeros(0, dtype=bool)
    df["n_samples"] = np.zeros(0, dtype=np.int32)
    df["calibration"] = pd.Categorical([], categories=["none", "routine", "walking"])
    return df
