"""Smooth curves: keyframes joined by C¹ smoothstep ramps, and smooth random noise."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["SmoothNoise", "eval_keys", "smoothstep"]

FloatArray = NDArray[np.float64]


def smoothstep(f: FloatArray) -> FloatArray:
    """C¹ ramp 0 → 1 on [0, 1] (clipped outside)."""
    f = np.clip(f, 0.0, 1.0)
    return f * f * (3.0 - 2.0 * f)


def eval_keys(key_t: FloatArray, key_v: FloatArray, t: FloatArray) -> FloatArray:
    """Evaluate keyframes with smoothstep transitions.

    Parameters
    ----------
    key_t : ndarray, shape (K,)
        Non-decreasing key times, s.
    key_v : ndarray, shape (K, C)
        Values at the keys.
    t : ndarray, shape (N,)
        Query times, s (held constant outside the key range).

    Returns
    -------
    ndarray, shape (N, C)
    """
    if key_t.size == 1:
        return np.broadcast_to(key_v[0], (t.size, key_v.shape[1])).copy()
    idx = np.clip(np.searchsorted(key_t, t, side="right") - 1, 0, key_t.size - 2)
    t0 = key_t[idx]
    span = key_t[idx + 1] - t0
    f = np.where(span > 0.0, (t - t0) / np.where(span > 0.0, span, 1.0), 1.0)
    s = smoothstep(f)
    v0 = key_v[idx]
    return v0 + (key_v[idx + 1] - v0) * s[:, None]


@dataclass
class SmoothNoise:
    """Smooth random signal: random knot values joined by smoothstep transitions."""

    t0: float
    spacing: float
    values: FloatArray

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        t0: float,
        t1: float,
        spacing: float,
        sd: float,
        dims: int = 0,
    ) -> SmoothNoise:
        """Knots every ``spacing`` s covering [t0, t1], values ~ N(0, sd), shape (n,) or
        (n, dims)."""
        n = int(math.ceil((t1 - t0) / spacing)) + 2
        shape: tuple[int, ...] = (n,) if dims == 0 else (n, dims)
        return cls(t0, spacing, rng.normal(0.0, sd, shape))

    def __call__(self, t: FloatArray) -> FloatArray:
        """The signal at times ``t`` (N,), shape (N,) or (N, C)."""
        x = (t - self.t0) / self.spacing
        i = np.clip(np.floor(x).astype(np.int64), 0, self.values.shape[0] - 2)
        s = smoothstep(x - i)
        v0 = self.values[i]
        dv = self.values[i + 1] - v0
        if self.values.ndim == 2:
            return v0 + dv * s[:, None]
        return v0 + dv * s
