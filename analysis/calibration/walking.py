"""Mounting from walking (no guided routine needed).

Upright = mean up over walking (the mean acceleration over whole gait cycles is gravity),
tilted back by a typical forward walking lean (``lean_deg``, default 5°: people walk with
the trunk a few degrees forward of their stand-tall posture). The antero-posterior axis is
the horizontal direction with the larger acceleration variance in the step-frequency band
(AP trunk acceleration oscillates at the step frequency, medio-lateral mostly at the stride
frequency, half of it). Variance cannot tell forward from backward, so the sign is taken
from how the trunk pitches outside walking: people bend forward (sitting, reaching,
slouching) far more than backward, so the 95th percentile of tilt along the AP axis is
larger on the forward side. Known weakness: long reclined sitting (a sofa) can outweigh
forward flexion and flip the sign; ``quality["sign_margin_deg"]`` near zero flags it (the
epochs pipeline checks the sign again from brief excursions). Prefer the routine when there
is one.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal

from analysis.calibration._common import (
    BoolArray,
    FloatArray,
    angle_deg,
    check_rate,
    check_up,
    mean_direction,
)
from analysis.calibration.mounting import Mounting
from analysis.rows import finite_rows

__all__ = ["fit_from_walking"]

logger = logging.getLogger(__name__)


def _ap_axis(acc: FloatArray, u: FloatArray, walk_good: BoolArray,
             up_walk: FloatArray, fs: float,
             step_band_hz: tuple[float, float]) -> tuple[FloatArray, float]:
    """Antero-posterior axis (sign undecided) and its AP/ML step-band SD ratio.

    The horizontal direction (perpendicular to ``up_walk``) with the larger variance of the
    linear acceleration band-passed around the step frequency, per walking run of ≥ 2 s.
    """
    sos = signal.butter(2, step_band_hz, btype="bandpass", fs=fs, output="sos")
    d = np.diff(walk_good.astype(np.int8), prepend=0, append=0)
    cov = np.zeros((3, 3))
    for s0, s1 in zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True):
        if s1 - s0 < round(2 * fs):
            continue
        # linear acceleration of the run (all its samples are finite: ``walk_good``)
        seg = signal.sosfiltfilt(sos, acc[s0:s1] - 9.81 * u[s0:s1], axis=0)
        edge = min(round(0.5 * fs), (s1 - s0) // 4)
        seg = seg[edge : seg.shape[0] - edge]
        cov += seg.T @ seg
    # horizontal plane basis
    e1 = np.cross(up_walk, [1.0, 0.0, 0.0])
    if np.linalg.norm(e1) < 0.5:
        e1 = np.cross(up_walk, [0.0, 1.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(up_walk, e1)
    basis = np.stack([e1, e2])
    w, v = np.linalg.eigh(basis @ cov @ basis.T)
    ap = np.asarray(basis.T @ v[:, 1])
    return ap, float(math.sqrt(w[1] / max(w[0], 1e-300)))


def fit_from_walking(
    acc_mps2: ArrayLike,
    up: ArrayLike,
    fs_hz: float,
    walking_mask: ArrayLike,
    *,
    upright_mask: ArrayLike | None = None,
    lean_deg: float = 5.0,
    step_band_hz: tuple[float, float] = (1.3, 3.0),
    fitted_ns: int = 0,
    min_walking_s: float = 30.0,
) -> Mounting:
    """Mounting from walking periods (no guided routine needed).

    Parameters
    ----------
    acc_mps2 : array_like, shape (N, 3)
        Accelerometer, m/s².
    up : array_like, shape (N, 3)
        Up vectors in the sensor frame (same samples).
    fs_hz : float
        Sampling rate, Hz (must exceed ``2 * step_band_hz[1]``).
    walking_mask : array_like of bool, shape (N,)
        Samples known to be walking.
    upright_mask : array_like of bool, shape (N,), optional
        Worn, non-walking, non-lying samples used to choose the forward sign (people flex
        forward far more than they extend). Default: non-walking samples within 60° of the
        walking upright.
    lean_deg : float
        Typical forward trunk lean while walking relative to standing tall, degrees; the
        walking mean is tilted back by this much.
    step_band_hz : (float, float)
        Band containing the step frequency, Hz.
    fitted_ns : int
        Time stamp stored in the result.
    min_walking_s : float
        Minimum walking time required, s.

    Returns
    -------
    Mounting
        ``source="walking"``; ``quality`` holds ``walking_s``, ``ap_ml_ratio`` (step-band
        standard deviation along AP over ML; near 1 means the axis is poorly defined) and
        ``sign_margin_deg`` (forward minus backward 95th-percentile tilt; near 0 means the
        forward sign is a guess).
    """
    acc = np.asarray(acc_mps2, dtype=np.float64)
    u = check_up(up)
    fs = check_rate(fs_hz)
    walk = np.asarray(walking_mask, dtype=bool)
    if acc.shape != u.shape:
        raise ValueError(f"acc_mps2 and up must have the same shape, got {acc.shape} and {u.shape}")
    if walk.shape != (u.shape[0],):
        raise ValueError(f"walking_mask must have shape ({u.shape[0]},), got {walk.shape}")
    if not 0 < step_band_hz[0] < step_band_hz[1] < 0.5 * fs:
        raise ValueError(f"step_band_hz {step_band_hz} must lie inside (0, fs/2)")
    good: BoolArray = finite_rows(acc) & finite_rows(u)
    walk_good = walk & good
    walking_s = float(walk_good.sum()) / fs
    if walking_s < min_walking_s:
        raise ValueError(f"only {walking_s:.0f} s of walking; need {min_walking_s:.0f} s")
    up_walk = mean_direction(u[walk_good])
    ap, ap_ml_ratio = _ap_axis(acc, u, walk_good, up_walk, fs, step_band_hz)
    # forward sign from the asymmetry of trunk pitch outside walking
    if upright_mask is None:
        others = good & ~walk
        others &= angle_deg(np.where(good[:, None], u, np.nan), up_walk[None, :]) < 60.0
    else:
        um = np.asarray(upright_mask, dtype=bool)
        if um.shape != walk.shape:
            raise ValueError(f"upright_mask must have shape {walk.shape}, got {um.shape}")
        others = um & good
    pitch = np.degrees(np.arcsin(np.clip(-(u[others] @ ap), -1.0, 1.0)))
    margin = 0.0
    if pitch.size:
        margin = float(np.percentile(pitch, 95) - np.percentile(-pitch, 95))
    if margin < 0:
        ap = -ap
        margin = -margin
    else:
        margin = margin if pitch.size else 0.0
    if pitch.size == 0:
        logger.warning("fit_from_walking: no non-walking samples; the forward sign is a guess")
    # stand-tall upright: walking mean tilted back by the typical walking lean
    # walking up = cos(lean) z_B - sin(lean) x_B, so z_B ≈ cos(lean) up_walk + sin(lean) ap
    lean = math.radians(lean_deg)
    up0 = math.cos(lean) * up_walk + math.sin(lean) * ap
    quality = {"walking_s": walking_s, "ap_ml_ratio": ap_ml_ratio, "sign_margin_deg": margin}
    if ap_ml_ratio < 1.1:
        logger.warning("fit_from_walking: AP/ML step-band ratio %.2f; forward axis uncertain", ap_ml_ratio)
    return Mounting.from_axes(up0, ap, "walking", fitted_ns, quality)
