"""Upright estimated from the data when there is neither a routine nor walking."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.calibration._common import FloatArray, check_up, mean_direction

__all__ = ["estimate_upright", "movement_drift_deg", "movement_spread_deg"]


def movement_spread_deg(
    sec: ArrayLike, dir_mean: ArrayLike, n_samples: ArrayLike, window_s: int = 5
) -> FloatArray:
    """Angular spread (degrees) of the acceleration direction over a centred window, per second.

    ``arccos(R)`` with ``R`` the length of the mean unit acceleration vector over the window
    (the circular-statistics resultant length): 0° when the direction does not move, ~10°
    during walking (the trunk sways and each step adds a forward/vertical acceleration).
    Unlike an SD of the acceleration it ignores noise in the magnitude (the UCI RFID sensor
    reads its magnitude noisily while lying: magnitude SD 0.9 m/s² lying vs 0.6 m/s² walking,
    direction spread 3° vs 10°), and it needs no particular rate.

    Parameters
    ----------
    sec : array_like of int, shape (E,)
        Whole UTC seconds, increasing (gaps allowed).
    dir_mean : array_like, shape (E, 3)
        Per-second mean of the per-sample unit acceleration vectors (not normalised).
    n_samples : array_like of int, shape (E,)
        Samples in each second.
    window_s : int
        Window length (s).

    Returns
    -------
    ndarray, shape (E,)
    """
    tot, cnt = _window_sums(sec, dir_mean, n_samples, window_s, centre=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.linalg.norm(tot, axis=1) / cnt
    return np.asarray(np.degrees(np.arccos(np.clip(np.nan_to_num(r, nan=1.0), 0.0, 1.0))))


def _window_sums(
    sec: ArrayLike, dir_mean: ArrayLike, n_samples: ArrayLike, window_s: int, *, centre: bool
) -> tuple[FloatArray, FloatArray]:
    """Sample-weighted sums of the direction vectors and sample counts over a rolling window
    of ``window_s`` seconds (centred, or trailing: ending at each second), on the 1-s grid."""
    s = np.asarray(sec, dtype=np.int64)
    d = np.asarray(dir_mean, dtype=float)
    n = np.asarray(n_samples, dtype=float)
    if d.shape != (s.size, 3) or n.shape != (s.size,):
        raise ValueError(f"dir_mean must have shape ({s.size}, 3) and n_samples ({s.size},)")
    if s.size == 0:
        return np.zeros((0, 3)), np.zeros(0)
    pos = s - s[0]
    size = int(pos[-1]) + 1

    def rolling(values: FloatArray) -> FloatArray:
        g = np.zeros(size)
        g[pos] = values
        out = pd.Series(g).rolling(window_s, center=centre, min_periods=1).sum().to_numpy()
        return np.asarray(out[pos], dtype=float)

    cnt = rolling(n)
    tot = np.stack([rolling(np.nan_to_num(d[:, i]) * n) for i in range(3)], axis=1)
    return tot, cnt


def movement_drift_deg(
    sec: ArrayLike, dir_mean: ArrayLike, n_samples: ArrayLike, window_s: int = 3
) -> FloatArray:
    """Net change (degrees) of the acceleration direction across each second, per second.

    The angle between the mean direction of the ``window_s`` seconds ending at a second and
    that of the ``window_s`` seconds starting after it. Walking sways the trunk back and forth
    about one direction (a spread of ~10°, little net change); bending forward, lying down or
    sitting up moves it from one posture to another (a net change of tens of degrees). So a
    second that moves (:func:`movement_spread_deg`) but barely drifts is locomotion-like.

    Parameters
    ----------
    sec, dir_mean, n_samples
        As for :func:`movement_spread_deg`.
    window_s : int
        Length (s) of each of the two windows compared.

    Returns
    -------
    ndarray, shape (E,)
        Degrees; NaN where one of the windows holds no samples.
    """
    before, _ = _window_sums(sec, dir_mean, n_samples, window_s, centre=False)
    s = np.asarray(sec, dtype=np.int64)
    rev_sec = (s[-1] - s[::-1]) if s.size else s
    after_rev, _ = _window_sums(rev_sec, np.asarray(dir_mean, dtype=float)[::-1],
                                np.asarray(n_samples, dtype=float)[::-1], window_s, centre=False)
    after = np.zeros_like(before)
    if s.size > 1:
        after[:-1] = after_rev[::-1][1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = before / np.linalg.norm(before, axis=1, keepdims=True)
        b = after / np.linalg.norm(after, axis=1, keepdims=True)
        cos = np.clip(np.sum(a * b, axis=1), -1.0, 1.0)
    return np.asarray(np.degrees(np.arccos(cos)))


def estimate_upright(
    up: ArrayLike,
    spread_deg: ArrayLike,
    *,
    active_deg: float = 7.0,
    cluster_deg: float = 30.0,
    min_active_s: int = 10,
) -> tuple[FloatArray, int] | None:
    """Upright direction of a wear bout from its active periods (no routine, no walking).

    People move about upright: walking, standing and moving, getting things; lying and
    sitting are the still postures. postuR (the posture package for the chest-worn Zio
    patch) likewise takes upright from walking-like periods. So the seconds whose
    acceleration direction spreads by more than ``active_deg`` over 5 s
    (:func:`movement_spread_deg`; sitting and lying: median 1–4°, 90th percentile ≤ 5°;
    walking: median ~10° on the FORTH-TRACE and UCI sets) are collected,
    and upright is the mean direction of their densest cluster (seconds within
    ``cluster_deg`` of it, found by mean shift from the direction with the most neighbours).
    Transitions (lying down, turning in bed) are active too, but spread over many directions
    and so never form the densest cluster unless the bout holds nothing else.

    Parameters
    ----------
    up : array_like, shape (E, 3)
        Per-second unit up vectors (sensor frame) of the bout.
    spread_deg : array_like, shape (E,)
        :func:`movement_spread_deg`.
    active_deg, cluster_deg : float
    min_active_s : int
        Fewer active seconds in the cluster: no estimate (None).

    Returns
    -------
    (upright, n) or None
        Unit upright direction in the sensor frame and the number of active seconds it rests
        on (a confidence measure).
    """
    u = check_up(up)
    spread = np.asarray(spread_deg, dtype=float)
    if spread.shape != (u.shape[0],):
        raise ValueError(f"spread_deg must have shape ({u.shape[0]},), got {spread.shape}")
    act = u[(spread > active_deg) & np.isfinite(u).all(axis=1)]
    if act.shape[0] < min_active_s:
        return None
    cos_lim = math.cos(math.radians(cluster_deg))
    cand = act[:: max(1, act.shape[0] // 400)]
    votes = ((cand @ act.T) > cos_lim).sum(axis=1)
    c = cand[int(np.argmax(votes))]
    for _ in range(5):
        near = act[(act @ c) > cos_lim]
        if near.shape[0] == 0:
            break
        c = mean_direction(near)
    n = int(((act @ c) > cos_lim).sum())
    if n < min_active_s:
        return None
    return c, n
