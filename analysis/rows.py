"""Row-wise helpers for per-sample arrays of shape (N, 3) (acceleration, up vectors).

A day at 50 Hz is ~4.3 M rows. numpy's reductions over a last axis of length 3
(``np.linalg.norm(v, axis=1)``, ``np.isfinite(v).all(axis=1)``) run a short inner loop per row
and are several times slower on C-ordered arrays than the column-wise forms here, which give
the same results bit for bit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["finite_rows", "row_norms", "unit_rows", "unit_rows_inplace"]


def finite_rows(v: np.ndarray) -> np.ndarray:
    """Whether each row of ``v`` (shape (N, 3)) is all finite, shape (N,) bool.

    One flat pass when every value is finite (the usual case), the per-row check otherwise.
    """
    if np.isfinite(v).all():
        return np.ones(v.shape[0], dtype=bool)
    return np.asarray(np.isfinite(v).all(axis=1))


def row_norms(v: np.ndarray) -> np.ndarray:
    """Euclidean length of each row of ``v`` (shape (..., 3)), shape (...).

    The same numbers as ``np.linalg.norm(v, axis=-1)``, bit for bit (both add x², y², z²
    in that order), about three times faster on a C-ordered (N, 3) array: a reduction over
    a last axis of length 3 runs a short inner loop per row, three column products do not.
    """
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    out = np.asarray(x * x)
    out += y * y
    out += z * z
    norms: np.ndarray = np.sqrt(out, out=out)
    return norms


def unit_rows(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` (shape (..., 3)) scaled to unit length (NaN for zero rows)."""
    n = row_norms(v)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / n)


def unit_rows_inplace(v: np.ndarray) -> np.ndarray:
    """:func:`unit_rows` without a second (N, 3) array: ``v`` is divided in place."""
    n = row_norms(v)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        v /= n
    return v
