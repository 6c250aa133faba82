"""Small vector helpers shared by the calibration modules."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def unit_vector(v: ArrayLike, name: str) -> FloatArray:
    a = np.asarray(v, dtype=np.float64)
    if a.shape != (3,) or not np.isfinite(a).all():
        raise ValueError(f"{name} must be a finite vector of shape (3,), got {a!r}")
    n = float(np.linalg.norm(a))
    if n == 0.0:
        raise ValueError(f"{name} must not be the zero vector")
    return a / n



def check_up(up: ArrayLike) -> FloatArray:
    u = np.asarray(up, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != 3:
        raise ValueError(f"up must have shape (N, 3), got {u.shape}")
    return u


def check_rate(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not math.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs_hz must be finite and positive, got {fs_hz!r}")
    return fs


def angle_deg(u: FloatArray, v: FloatArray) -> FloatArray:
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.asarray(np.degrees(np.arctan2(cross, np.sum(u * v, axis=-1))), dtype=np.float64)


def mean_direction(u: FloatArray) -> FloatArray:
    m = np.nanmean(u, axis=0)
    n = float(np.linalg.norm(m))
    if not math.isfinite(n) or n == 0.0:
        raise ValueError("no finite up vectors to average")
    return np.asarray(m / n)

