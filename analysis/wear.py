"""Wear / non-wear of a back-worn IMU from per-second acceleration statistics.

The classic rules were made for wrist and hip devices: GGIR (van Hees et al.) flags a 60-min
window (15-min steps) as non-wear when at least 2 of 3 axes have SD < 13 mg and range < 50 mg;
actipy flags > 90 min in which every 10-s window has all axes SD < 15 mg. A sensor between
the shoulder blades of a person sitting quietly is much stiller than a wrist, so those
thresholds would call an hour at a desk "non-wear" (a top complaint about peer tools,
docs/domain.md §5). But a living trunk is never as still as a desk: breathing tilts the upper back
by a fraction of a degree at 0.2–0.4 Hz and there are constant micro-movements, both far above
the accelerometer noise of a sensor lying on a table (and the gyroscope sees the rotation
directly). So we keep GGIR's structure (per-axis SD **and** range, k of 3 axes) on **short**
centred windows (default 30 s) with thresholds tuned on the simulator, add a gyroscope test
when a gyroscope exists, require a still run to last ``wear_min_nonwear_s`` before it counts,
and relabel short wear islands between non-wear runs (GGIR's rescoring idea).

Measured on the simulator (see ``tests/analysis/test_truth.py``): the false-positive rate,
i.e. worn quiet-sitting minutes labelled non-wear, is reported by
:func:`quiet_sitting_false_positive_rate` and is documented in ``docs/glossary.md``.
"""

from __future__ import annotations

import logging
import math
from typing import NotRequired, TypedDict, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from analysis.settings import AnalysisSettings
from vocab.units import NS_PER_S

__all__ = [
    "G_MPS2",
    "WearInfo",
    "detect_wear",
    "gyro_still_limit",
    "noise_floor",
    "quiet_sitting_false_positive_rate",
    "runs",
    "still_limits",
    "WEAR_FEATURE_COLUMNS",
]

log = logging.getLogger(__name__)

#: Percentile of the per-second SD/√n taken as the noise floor (:func:`noise_floor`).
_FLOOR_PERCENTILE = 1.0

#: Standard gravity (m/s²) used to convert to milli-g.
G_MPS2 = 9.80665

_ScalarT = TypeVar("_ScalarT", bound=np.generic)


class WearInfo(TypedDict):
    """What :func:`detect_wear` found (see its ``info``); the last two only with data."""

    nonwear_seconds: int
    worn_seconds: int
    nonwear_runs: int
    used_gyroscope: bool
    breathing_observable: NotRequired[bool]
    rule: NotRequired[str]


#: Per-second feature columns :func:`detect_wear` needs (``gyr_mean_*/gyr_sd_*`` optional).
WEAR_FEATURE_COLUMNS: tuple[str, ...] = (
    "n_samples",
    "acc_mean_x",
    "acc_mean_y",
    "acc_mean_z",
    "acc_sd_x",
    "acc_sd_y",
    "acc_sd_z",
    "acc_min_x",
    "acc_min_y",
    "acc_min_z",
    "acc_max_x",
    "acc_max_y",
    "acc_max_z",
)


def runs(
    flag: NDArray[_ScalarT],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[_ScalarT]]:
    """Run-length encoding of a 1-D array.

    Parameters
    ----------
    flag : ndarray, shape (N,)
        Any values comparable with ``!=``.

    Returns
    -------
    starts, ends, values : ndarray, shape (R,)
        Run ``r`` covers ``flag[starts[r]:ends[r]]`` (end exclusive) with value ``values[r]``.
    """
    a = np.asarray(flag)
    if a.ndim != 1:
        raise ValueError(f"runs expects a 1-D array, got shape {a.shape}")
    if a.size == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, a[:0]
    change = np.flatnonzero(a[1:] != a[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    ends = np.concatenate((change, [a.size])).astype(np.int64)
    return starts, ends, a[starts]


def _second_grid(index: pd.DatetimeIndex) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Whole-second positions of ``index`` on a gap-free grid from its first second."""
    sec: NDArray[np.int64] = index.as_unit("ns").asi8 // NS_PER_S
    if sec.size and np.any(np.diff(sec) <= 0):
        raise ValueError("epochs index must be strictly increasing whole seconds")
    pos = sec - (sec[0] if sec.size else 0)
    return sec, pos


def _window_sd_range(pos: NDArray[np.int64], x: NDArray[np.float64], window: int
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """SD and range of per-second means over a centred window of ``window`` grid seconds.

    Per-second means average the white noise of the sensor away (by √fs), so what remains is
    slow motion: breathing and postural sway of a worn sensor, nothing on a table. Windows
    with less than half their seconds present give NaN.
    """
    size = int(pos[-1]) + 1
    grid = np.full(size, np.nan)
    grid[pos] = x
    ser = pd.Series(grid)
    half = max(window // 2, 1)
    roll = ser.rolling(window, center=True, min_periods=half)
    wsd: NDArray[np.float64] = roll.std(ddof=0).to_numpy()
    rng: NDArray[np.float64] = (roll.max() - roll.min()).to_numpy()
    return wsd[pos], rng[pos]


def noise_floor(sd_within: NDArray[np.float64], n: NDArray[np.float64]) -> float:
    """Sensor noise floor of per-second means, in the unit of ``sd_within``.

    The quietest seconds of a recording are the sensor at rest (or the stillest worn
    moments), so a low percentile over the data of (within-second SD / √n) estimates white
    noise / √n without being inflated by motion. A still sensor's window SD of means is ≈ 1×
    this; a worn one several times more.

    The 1st percentile of a sample SD of white noise with σ falls below σ by the factor
    ``sqrt(χ²₀.₀₁(n−1) / (n−1))`` (the SD's sampling distribution): about 0.77 with 50
    samples per second but 0.48 with 10. That factor is divided out (``n`` = the median count
    per second), so the floor is σ/√n at any rate; without it a 10-Hz sensor on a table reads
    twice its floor and is never still.

    Parameters
    ----------
    sd_within : ndarray, shape (S,)
        Within-second SD of one channel per second (NaN where fewer than two samples).
    n : ndarray, shape (S,)
        Samples in each second (≥ 1); seconds with one sample are left out.
    """
    v = sd_within / np.sqrt(n)
    usable = np.isfinite(v) & (n >= 2)  # a second with one sample has no SD
    if not usable.any():
        return 0.0
    low = float(np.percentile(v[usable], _FLOOR_PERCENTILE))
    dof = float(np.median(n[usable])) - 1.0
    return low / math.sqrt(float(stats.chi2.ppf(_FLOOR_PERCENTILE / 100.0, dof)) / dof)


def still_limits(floor_mps2: float, resolution_mps2: float,
                 s: AnalysisSettings) -> tuple[float, float]:
    """Limits of one axis's per-second means over a still window: (SD, range), m/s².

    The settings' limits (``wear_sd_mg``, ``wear_range_mg``), raised to ``wear_noise_ratio``
    × the noise floor (range: 4×) for a noisy sensor; with coarse data (``resolution_mps2``
    > 0, only where breathing cannot be seen) a still sensor may flicker by one or two
    quantisation steps. Used by :func:`detect_wear` and the live wear rule alike.
    """
    q = resolution_mps2
    lim_sd = max(s.wear_sd_mg * G_MPS2 / 1000.0, s.wear_noise_ratio * floor_mps2, q)
    lim_rng = max(s.wear_range_mg * G_MPS2 / 1000.0, 4.0 * s.wear_noise_ratio * floor_mps2,
                  2.0 * q + 1e-9 if q else 0.0)
    return lim_sd, lim_rng


def gyro_still_limit(floor_sq_sum: float, s: AnalysisSettings) -> float:
    """Limit of the gyroscope's window SD of per-second means (all axes together), rad/s:
    ``wear_gyro_sd_dps``, raised to ``wear_noise_ratio`` × the noise floor
    (``floor_sq_sum``: the three axes' floors squared and summed, (rad/s)²)."""
    return max(float(np.deg2rad(s.wear_gyro_sd_dps)), s.wear_noise_ratio * math.sqrt(floor_sq_sum))


def _dilate(flag: NDArray[np.bool_], pos: NDArray[np.int64], half: int) -> NDArray[np.bool_]:
    """Grow True runs by ``half`` grid seconds each side (undo the window's shrinking)."""
    if half <= 0 or not flag.any():
        return flag
    size = int(pos[-1]) + 1
    g = np.zeros(size, dtype=float)
    g[pos] = flag
    grown: NDArray[np.float64] = (
        pd.Series(g).rolling(2 * half + 1, center=True, min_periods=1).max().to_numpy()
    )
    return grown[pos] > 0


def breathing_observable(resolution_mps2: float | None, fs_hz: float | None,
                         s: AnalysisSettings) -> tuple[bool, str]:
    """Whether the micro-motion of breathing can be seen at this resolution and rate.

    Breathing tilts the upper trunk by ~0.2–0.5° at 0.2–0.4 Hz (see the module docstring):
    ``sin(0.2°) · 1 g ≈ 3.5 mg`` on the axes across it. A sensor quantised more coarsely
    than that (``wear_breathing_mg``; e.g. 1/64 g = 15.6 mg) reads a still, breathing person
    as constant, exactly like a sensor on a table; and a rate below ~1 Hz cannot follow a
    0.4 Hz breath (Nyquist). Then stillness alone cannot tell non-wear.
    """
    if fs_hz is not None and np.isfinite(fs_hz) and fs_hz < s.wear_breathing_min_rate_hz:
        return False, (f"{fs_hz:.2g} Hz cannot follow breathing (needs ≥ "
                       f"{s.wear_breathing_min_rate_hz:g} Hz)")
    if resolution_mps2 is not None and resolution_mps2 * 1000.0 / G_MPS2 > s.wear_breathing_mg:
        return False, (f"accelerometer resolution {resolution_mps2 * 1000.0 / G_MPS2:.1f} mg is "
                       f"coarser than the ~{s.wear_breathing_mg:g} mg of breathing")
    return True, ""


def _flat_deg(mean_acc: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle (degrees) between each gravity vector and its nearest sensor axis (±x, ±y, ±z).

    A sensor put down on a table or a shelf rests on one of its faces, so gravity lies
    within a few degrees of one of its axes; a sensor on a living back follows the curve of
    the trunk and the wearer's posture, and rarely lines up with an axis exactly.
    """
    a = np.abs(mean_acc)
    n = np.linalg.norm(mean_acc, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.max(a, axis=1) / n
    return np.asarray(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def detect_wear(
    epochs: pd.DataFrame, settings: AnalysisSettings | None = None, *,
    resolution_mps2: float | None = None, fs_hz: float | None = None,
) -> tuple[pd.DataFrame, WearInfo]:
    """Label each second worn / not worn.

    Parameters
    ----------
    epochs : DataFrame, shape (E, ...)
        Per-second features, index ``time`` (UTC, whole seconds, increasing, gaps allowed),
        with :data:`WEAR_FEATURE_COLUMNS` (accelerations in m/s²) and optionally
        ``gyr_mean_*``, ``gyr_sd_*`` (rad/s; NaN = no gyroscope).
    settings : AnalysisSettings, optional
        ``wear_*`` fields are used.
    resolution_mps2 : float, optional
        Accelerometer quantisation step (m/s²), e.g. from
        ``analysis.epochs.acc_resolution_mps2``.
    fs_hz : float, optional
        Median sampling rate (Hz).

    Returns
    -------
    epochs : DataFrame, shape (E, ...)
        A copy with ``worn`` (bool) and ``still`` (bool, window stillness before the
        duration rules) added.
    info : WearInfo
        ``nonwear_seconds``, ``worn_seconds``, ``nonwear_runs``, ``used_gyroscope``,
        ``breathing_observable`` and ``rule`` (which rule was used, with the reason).

    Notes
    -----
    Seconds without samples are not in ``epochs`` and get no label; a window spans them
    but only counts seconds that have data. Thresholds are in milli-g to compare with GGIR
    (13 mg SD / 50 mg range, 60-min windows) and actipy (15 mg, 10-s windows).
    """
    s = settings or AnalysisSettings()
    missing = [c for c in WEAR_FEATURE_COLUMNS if c not in epochs.columns]
    if missing:
        raise ValueError(f"detect_wear needs per-second columns {missing}")
    out = epochs.copy()
    if len(out) == 0:
        out["still"] = np.zeros(0, dtype=bool)
        out["worn"] = np.zeros(0, dtype=bool)
        return out, {"nonwear_seconds": 0, "worn_seconds": 0, "nonwear_runs": 0,
                     "used_gyroscope": False}
    if not isinstance(out.index, pd.DatetimeIndex):
        raise ValueError("epochs must have a DatetimeIndex named 'time'")
    _, pos = _second_grid(out.index)
    w = int(s.wear_window_s)
    n = np.maximum(out["n_samples"].to_numpy(dtype=float), 1.0)
    still_axes = np.zeros(len(out), dtype=int)
    valid = np.ones(len(out), dtype=bool)
    observable, why = breathing_observable(resolution_mps2, fs_hz, s)
    q = 0.0 if observable else float(resolution_mps2 or 0.0)
    for ax in "xyz":
        wsd, wrng = _window_sd_range(pos, out[f"acc_mean_{ax}"].to_numpy(dtype=float), w)
        floor = noise_floor(out[f"acc_sd_{ax}"].to_numpy(dtype=float), n)
        lim_sd, lim_rng = still_limits(floor, q, s)
        valid &= np.isfinite(wsd)
        still_axes += ((wsd < lim_sd) & (wrng < lim_rng)).astype(int)
    still = valid & (still_axes >= s.wear_axes_still)
    used_gyro = False
    if all(f"gyr_mean_{a}" in out.columns for a in "xyz"):
        finite = np.isfinite(out["gyr_mean_x"].to_numpy(dtype=float))
        if finite.mean() > 0.5:
            used_gyro = True
            gvar = np.zeros(len(out))
            gfloor = 0.0
            for ax in "xyz":
                gsd, _ = _window_sd_range(pos, out[f"gyr_mean_{ax}"].to_numpy(dtype=float), w)
                gvar += gsd**2
                gfloor += noise_floor(out[f"gyr_sd_{ax}"].to_numpy(dtype=float), n) ** 2
            gyro_sd = np.sqrt(gvar)
            lim = gyro_still_limit(gfloor, s)
            still &= (gyro_sd < lim) | ~np.isfinite(gyro_sd)
    still = _dilate(still, pos, w // 2)
    if observable:
        nonwear = _apply_durations(still, pos, s)
        rule = f"stillness ≥ {s.wear_min_nonwear_s:g} s (breathing visible)"
    else:
        acc_mean = out[[f"acc_mean_{a}" for a in "xyz"]].to_numpy(dtype=float)
        nonwear = _coarse_nonwear(still, pos, acc_mean, s)
        rule = (f"{why}: still ≥ {s.wear_coarse_min_nonwear_s / 60:g} min lying flat within "
                f"{s.wear_flat_deg:g}° of a sensor face, or still ≥ "
                f"{s.wear_coarse_long_s / 3600:g} h")
        log.info("wear rule: %s", rule)
    # handling (taking the sensor off / putting it on) moves it but is not wear
    nonwear = _dilate(nonwear, pos, int(s.wear_handling_s))
    out["still"] = still
    out["worn"] = ~nonwear
    starts, _, vals = runs(nonwear)
    info: WearInfo = {
        "nonwear_seconds": int(nonwear.sum()),
        "worn_seconds": int((~nonwear).sum()),
        "nonwear_runs": int(np.count_nonzero(vals)),
        "used_gyroscope": used_gyro,
        "breathing_observable": observable,
        "rule": rule,
    }
    log.debug("wear: %s", info)
    return out, info


def _apply_durations(still: NDArray[np.bool_], pos: NDArray[np.int64], s: AnalysisSettings
                     ) -> NDArray[np.bool_]:
    """Still runs ≥ ``wear_min_nonwear_s`` become non-wear; short wear islands are absorbed.

    Durations are measured on the time grid (``pos``), so a gap inside a run counts.
    """
    nonwear = np.zeros(still.size, dtype=bool)
    starts, ends, vals = runs(still)
    for a, b, v in zip(starts, ends, vals, strict=True):
        if v and pos[b - 1] - pos[a] + 1 >= s.wear_min_nonwear_s:
            nonwear[a:b] = True
    starts, ends, vals = runs(nonwear)
    for r in range(1, len(starts) - 1):
        if not vals[r] and vals[r - 1] and vals[r + 1]:
            a, b = starts[r], ends[r]
            if pos[b - 1] - pos[a] + 1 < s.wear_max_island_s:
                nonwear[a:b] = True
    return nonwear


def _coarse_nonwear(still: NDArray[np.bool_], pos: NDArray[np.int64],
                    acc_mean: NDArray[np.float64], s: AnalysisSettings) -> NDArray[np.bool_]:
    """Non-wear when breathing cannot be seen (coarse resolution or rate).

    Stillness is then also what a sleeping or resting person looks like, so a still run
    becomes non-wear only when it is long **and** looks like a sensor put down:

    * ≥ ``wear_coarse_min_nonwear_s`` (60 min: GGIR's non-wear window, van Hees et al. 2013,
      "SD < 13 mg in ≥ 2 of 3 axes over 60 min") and the median gravity direction of the run
      lies within ``wear_flat_deg`` of a sensor axis (:func:`_flat_deg`: a sensor on a table
      rests on a face); or
    * ≥ ``wear_coarse_long_s`` (3 h) in any orientation: people in bed change posture many
      times a night, a sensor in a drawer does not.
    """
    nonwear = np.zeros(still.size, dtype=bool)
    starts, ends, vals = runs(still)
    for a, b, v in zip(starts, ends, vals, strict=True):
        if not v:
            continue
        length = pos[b - 1] - pos[a] + 1
        if length >= s.wear_coarse_long_s:
            nonwear[a:b] = True
        elif length >= s.wear_coarse_min_nonwear_s:
            flat = _flat_deg(np.nanmedian(acc_mean[a:b], axis=0)[None, :])[0]
            nonwear[a:b] = bool(flat <= s.wear_flat_deg)
    return nonwear


def quiet_sitting_false_positive_rate(
    worn_pred: NDArray[np.bool_], worn_true: NDArray[np.bool_], quiet: NDArray[np.bool_]
) -> float:
    """Share of truly worn quiet seconds (e.g. sitting still) labelled non-wear.

    Parameters
    ----------
    worn_pred, worn_true, quiet : ndarray of bool, shape (E,)
        Predicted wear, true wear, and the quiet-sitting mask.

    Returns
    -------
    float
        False-positive non-wear rate in [0, 1]; NaN when there is no quiet worn time.
    """
    p = np.asarray(worn_pred, dtype=bool)
    t = np.asarray(worn_true, dtype=bool)
    q = np.asarray(quiet, dtype=bool)
    if not p.shape == t.shape == q.shape:
        raise ValueError("worn_pred, worn_true and quiet must have the same shape")
    base = t & q
    if not base.any():
        return float("nan")
    return float((~p & base).sum() / base.sum())
