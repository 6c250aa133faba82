"""Input checks and small array helpers shared by the causal and offline tilt filters."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vocab.units import require_positive_finite

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

DEG = math.pi / 180.0
TINY = 1e-100  # norms below this count as zero (squares of smaller numbers underflow)


def check_rate(fs_hz: float) -> float:
    """``fs_hz`` as a float; ValueError unless it is a finite positive number."""
    return require_positive_finite("fs_hz", fs_hz)


def _check_triaxial(x: ArrayLike, name: str, what: str) -> FloatArray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be a real numeric array{what}, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"{name} must have shape (N, 3){what}, got {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def check_inputs(acc: ArrayLike, gyr: ArrayLike | None) -> tuple[FloatArray, FloatArray | None]:
    """C-contiguous float64 copies/views of accelerometer (N, 3) and gyroscope (N, 3) or None.

    Raises
    ------
    ValueError
        Non-numeric data, a shape other than (N, 3), or different lengths.
    """
    a = _check_triaxial(acc, "acc_mps2", "")
    if gyr is None:
        return a, None
    g = _check_triaxial(gyr, "gyr_rads", " or None")
    if g.shape[0] != a.shape[0]:
        raise ValueError(
            f"acc_mps2 and gyr_rads must have the same length, got {a.shape[0]} and {g.shape[0]}"
        )
    return a, g


def all_finite(acc: FloatArray, gyr: FloatArray | None) -> bool:
    """Cheap check that every value is finite (a sum is finite only if all terms are, unless
    it overflows, in which case the exact per-row check runs instead)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(acc.sum())) and (gyr is None or bool(np.isfinite(gyr.sum())))


def good_rows(acc: FloatArray, gyr: FloatArray | None) -> BoolArray:
    """(N,) True where every value of the accelerometer (and gyroscope) row is finite."""
    if bool(np.isfinite(acc).all()) and (gyr is None or bool(np.isfinite(gyr).all())):
        return np.ones(acc.shape[0], dtype=bool)
    good: BoolArray = np.asarray(np.isfinite(acc).all(axis=1))
    if gyr is not None:
        good &= np.isfinite(gyr).all(axis=1)
    return good


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """(start, stop) of the runs of True in ``mask``."""
    if mask.size == 0:
        return []
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    starts = np.flatnonzero(d == 1)
    stops = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def normalize_rows(v: FloatArray) -> FloatArray:
    """Rows of (N, 3) scaled to unit length; NaN rows for zero (or underflowing) vectors."""
    norm = np.sqrt(np.einsum("ij,ij->i", v, v))
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = v / norm[:, None]
    out[~(norm > TINY)] = np.nan  # zero (or underflowing) vectors have no direction
    return out


def normalized_columns(v: FloatArray) -> FloatArray:
    """Rows of the (n, 3) result from component-major (3, n) vectors, normalised in place."""
    x, y, z = v[0], v[1], v[2]
    norm = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = 1.0 / norm
    inv[~(norm > TINY)] = np.nan  # zero (or underflowing) vectors have no direction
    v *= inv
    return v.T


def cross_cols(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross products of component-major vectors: (3, n) × (3, n) -> (3, n)."""
    return np.stack(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


def window_sums(x: FloatArray, m: int) -> FloatArray:
    """Sums over the complete windows of ``m`` columns of a (k, L) array -> (k, L // m)."""
    k, w = x.shape[0], x.shape[1] // m
    xr = x[:, : w * m]
    if not xr.flags.c_contiguous:
        xr = np.ascontiguousarray(xr)
    # A matrix-vector product is the fastest contiguous window reduction in numpy. It is done
    # in pieces small enough that a multithreaded BLAS stays on one thread (spinning threads
    # cost more CPU than they save for a memory-bound product).
    rows = xr.reshape(k * w, m)
    ones = np.ones(m)
    step = max(1, (1 << 17) // m)
    if rows.shape[0] <= step:
        return np.asarray(rows @ ones).reshape(k, w)
    out = np.empty(k * w)
    for i in range(0, rows.shape[0], step):
        np.matmul(rows[i : i + step], ones, out=out[i : i + step])
    return out.reshape(k, w)


def window_stats(x: FloatArray, m: int) -> tuple[FloatArray, FloatArray]:
    """Means (3, W) and summed per-axis variances (W,) of windows of ``m`` columns of (3, W*m)."""
    shift = x[:, :1]  # variance is shift-invariant; shifting avoids cancellation
    xs = x - shift
    mean = window_sums(xs, m) / m
    xs *= xs
    sq = window_sums(xs, m) / m
    var = np.maximum(sq - mean * mean, 0.0).sum(axis=0)
    return mean + shift, var
