"""Vectorised quaternion helpers for the tilt filter (private).

The generic quaternion algebra lives in :mod:`kinematics.quaternion` (``qmul_pair`` here is
:func:`kinematics.quaternion.multiply_pair`); this module keeps what only the tilt filter
needs: per-sample delta quaternions, the two-level product scan and rotation-matrix entries.

Quaternions are Hamilton quaternions ``w + x i + y j + z k``. For speed the hot path stores a
quaternion as a *pair of complex numbers* (Cayley–Dickson form)::

    q = a + b j,   a = w + x i,   b = y + z i

so that the product of two quaternions is four complex multiplications::

    (a + b j)(c + d j) = (a c - b conj(d)) + (a d + b conj(c)) j

(this uses ``j z = conj(z) j`` for a complex ``z = u + v i``). One complex multiply in numpy
is a single pass over memory, which makes a long product scan about twice as fast as the
16-multiply real formula.

Rotation convention: ``q`` rotates vectors from the *sensor* frame into the reference frame,
``v_ref = q v_sensor q*`` (same convention as vqf).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kinematics.quaternion import multiply_pair as qmul_pair

__all__ = [
    "delta_quaternion",
    "quaternion_scan",
    "rotation_matrix_entries",
    "rotate",
    "rotate_transposed",
    "qmul_pair",
    "rotation_entries_into",
    "rotated_sums_into",
    "prefix_products_into",
]

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]

# Above this half-angle per sample (rad) the Taylor series for cos/sinc is not used.
_TAYLOR_MAX_HALF_ANGLE = 0.2


def delta_quaternion(gyr_rads: FloatArray, dt_s: float) -> tuple[ComplexArray, ComplexArray]:
    """Rotation quaternions of one sample of constant angular rate.

    Parameters
    ----------
    gyr_rads : ndarray, shape (3, n)
        Angular rate in the sensor frame (component-major), rad/s.
    dt_s : float
        Sample interval, s.

    Returns
    -------
    a, b : ndarray, shape (n,), complex128
        ``exp(omega dt / 2)`` in complex-pair form (unit quaternions to ~1e-15).
    """
    h = gyr_rads * (0.5 * dt_s)
    hx, hy, hz = h[0], h[1], h[2]
    h2 = hx * hx
    h2 += hy * hy
    h2 += hz * hz
    if h2.size and float(h2.max()) < _TAYLOR_MAX_HALF_ANGLE**2:
        # Taylor series of cos(h) and sin(h)/h; truncation error < h^8/8! ~ 6e-11 at h=0.2
        # (1e-14 at a typical h=0.02), far below sensor noise.
        w = 1.0 + h2 * (-1.0 / 2 + h2 * (1.0 / 24 + h2 * (-1.0 / 720)))
        s = 1.0 + h2 * (-1.0 / 6 + h2 * (1.0 / 120 + h2 * (-1.0 / 5040)))
    else:
        norm = np.sqrt(h2)
        w = np.cos(norm)
        s = np.sinc(norm / np.pi)  # numpy sinc is sin(pi x)/(pi x)
    a = np.empty(h2.shape, dtype=np.complex128)
    b = np.empty(h2.shape, dtype=np.complex128)
    a.real = w
    a.imag = s * hx
    b.real = s * hy
    b.imag = s * hz
    return a, b


def _scan_sequential(
    a: ComplexArray, b: ComplexArray, a0: complex, b0: complex
) -> tuple[ComplexArray, ComplexArray]:
    out_a = np.empty_like(a)
    out_b = np.empty_like(b)
    pa, pb = a0, b0
    for k in range(a.size):
        ca, cb = a[k], b[k]
        pa, pb = pa * ca - pb * cb.conjugate(), pa * cb + pb * ca.conjugate()
        out_a[k] = pa
        out_b[k] = pb
    return out_a, out_b


def quaternion_scan(
    a: ComplexArray, b: ComplexArray, a0: complex = 1.0, b0: complex = 0.0, chunk: int = 16
) -> tuple[ComplexArray, ComplexArray]:
    """Inclusive prefix products ``q0 d_0 d_1 ... d_k`` of a quaternion sequence.

    Quaternion multiplication is associative, so the scan is done in two levels: the
    sequence is cut into ``M`` rows of ``chunk`` elements, every row is scanned *side by side*
    (a Python loop over ``chunk`` positions, each step one vectorised product over ``M``
    rows), the row totals are scanned recursively, and each row is finally left-multiplied by
    the product of everything before it. The result equals the sequential product up to
    floating-point rounding (~1e-15 per step).

    Parameters
    ----------
    a, b : ndarray, shape (n,), complex128
        The sequence in complex-pair form.
    a0, b0 : complex
        Initial quaternion ``q0`` (identity by default).
    chunk : int
        Row length of the two-level scan.

    Returns
    -------
    a, b : ndarray, shape (n,), complex128
    """
    n = a.size
    if n <= 2 * chunk:
        return _scan_sequential(a, b, a0, b0)
    m = -(-n // chunk)
    pad = m * chunk - n
    if pad:
        a = np.concatenate([a, np.ones(pad, dtype=np.complex128)])
        b = np.concatenate([b, np.zeros(pad, dtype=np.complex128)])
    # layout (chunk, m): position-in-row major so each step touches contiguous memory
    ra = np.ascontiguousarray(a.reshape(m, chunk).T)
    rb = np.ascontiguousarray(b.reshape(m, chunk).T)
    t1 = np.empty(m, dtype=np.complex128)
    t2 = np.empty(m, dtype=np.complex128)
    for j in range(1, chunk):
        _left_multiply(ra[j - 1], rb[j - 1], ra[j], rb[j], t1, t2)
    # exclusive prefix of row totals, starting from q0
    tot_a, tot_b = quaternion_scan(ra[-1, :-1].copy(), rb[-1, :-1].copy(), a0, b0, chunk)
    ea = np.empty(m, dtype=np.complex128)
    eb = np.empty(m, dtype=np.complex128)
    ea[0], eb[0] = a0, b0
    ea[1:], eb[1:] = tot_a, tot_b
    out_a, out_b = qmul_pair(ea[None, :], eb[None, :], ra, rb)
    return out_a.T.reshape(-1)[:n], out_b.T.reshape(-1)[:n]


def rotation_matrix_entries(
    a: ComplexArray, b: ComplexArray, out: FloatArray | None = None
) -> list[FloatArray]:
    """Row-major entries ``[r00, r01, ..., r22]`` of the rotation matrices of unit quaternions.

    Each entry has shape (n,). ``R v`` rotates sensor-frame vectors into the reference frame.
    With ``out`` (9, n) the entries are written there (and returned as its rows).
    """
    w = np.ascontiguousarray(a.real)
    x = np.ascontiguousarray(a.imag)
    y = np.ascontiguousarray(b.real)
    z = np.ascontiguousarray(b.imag)
    x2, y2, z2 = 2.0 * x, 2.0 * y, 2.0 * z
    xx, yy, zz = x * x2, y * y2, z * z2
    xy, xz, yz = x * y2, x * z2, y * z2
    wx, wy, wz = w * x2, w * y2, w * z2
    if out is None:
        out = np.empty((9,) + w.shape)
    np.add(yy, zz, out=out[0])
    np.subtract(1.0, out[0], out=out[0])
    np.subtract(xy, wz, out=out[1])
    np.add(xz, wy, out=out[2])
    np.add(xy, wz, out=out[3])
    np.add(xx, zz, out=out[4])
    np.subtract(1.0, out[4], out=out[4])
    np.subtract(yz, wx, out=out[5])
    np.subtract(xz, wy, out=out[6])
    np.add(yz, wx, out=out[7])
    np.add(xx, yy, out=out[8])
    np.subtract(1.0, out[8], out=out[8])
    return list(out)


def _matvec(r0: FloatArray, r1: FloatArray, r2: FloatArray, v: FloatArray, out: FloatArray) -> None:
    np.multiply(r0, v[0], out=out)
    out += r1 * v[1]
    out += r2 * v[2]


def rotate(r: list[FloatArray], v: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``R v`` for per-sample matrices ``r`` (entries) and component-major vectors (3, n)."""
    if out is None:
        out = np.empty_like(v)
    _matvec(r[0], r[1], r[2], v, out[0])
    _matvec(r[3], r[4], r[5], v, out[1])
    _matvec(r[6], r[7], r[8], v, out[2])
    return out


def rotate_transposed(r: list[FloatArray], v: FloatArray) -> FloatArray:
    """``R^T v`` for per-sample matrices ``r`` (entries) and component-major vectors (3, n)."""
    out = np.empty_like(v)
    _matvec(r[0], r[3], r[6], v, out[0])
    _matvec(r[1], r[4], r[7], v, out[1])
    _matvec(r[2], r[5], r[8], v, out[2])
    return out


def rotation_entries_into(a: ComplexArray, b: ComplexArray, out: FloatArray, tmp: FloatArray) -> None:
    """Rotation-matrix entries of unit quaternions in complex-pair form, written into ``out``.

    Like :func:`rotation_matrix_entries` but allocation-free and without de-interleaving
    copies: ``a`` and ``b`` have any shape ``S``, ``out`` has shape (9, *S) (row-major entries)
    and ``tmp`` (5, *S) is scratch space.
    """
    w, x, y, z = a.real, a.imag, b.real, b.imag
    x2, y2, z2, t0, t1 = tmp[0], tmp[1], tmp[2], tmp[3], tmp[4]
    np.multiply(x, 2.0, out=x2)
    np.multiply(y, 2.0, out=y2)
    np.multiply(z, 2.0, out=z2)
    # diagonal: 1 - (yy + zz), 1 - (xx + zz), 1 - (xx + yy)
    np.multiply(x, x2, out=t0)  # xx
    np.multiply(y, y2, out=t1)  # yy
    np.multiply(z, z2, out=out[4])  # zz (scratch)
    np.add(t1, out[4], out=out[0])
    np.subtract(1.0, out[0], out=out[0])
    np.add(t0, out[4], out=out[4])
    np.subtract(1.0, out[4], out=out[4])
    np.add(t0, t1, out=out[8])
    np.subtract(1.0, out[8], out=out[8])
    np.multiply(x, y2, out=t0)  # xy
    np.multiply(w, z2, out=t1)  # wz
    np.subtract(t0, t1, out=out[1])
    np.add(t0, t1, out=out[3])
    np.multiply(x, z2, out=t0)  # xz
    np.multiply(w, y2, out=t1)  # wy
    np.add(t0, t1, out=out[2])
    np.subtract(t0, t1, out=out[6])
    np.multiply(y, z2, out=t0)  # yz
    np.multiply(w, x2, out=t1)  # wx
    np.subtract(t0, t1, out=out[5])
    np.add(t0, t1, out=out[7])


def _column_dot(p: FloatArray, q: FloatArray) -> FloatArray:
    """``Σ_l p[l, w] q[l, w]`` (W,) of two (L, W) arrays, without a product array."""
    return np.asarray(np.einsum("lw,lw->w", p, q))


def rotated_sums_into(
    a: ComplexArray,
    b: ComplexArray,
    v: FloatArray,
    rv_sum: FloatArray,
    r_sum: FloatArray | None,
    tmp: FloatArray,
    t: FloatArray,
) -> None:
    """Sums over axis 0 of ``R(q) v`` and ``R(q)`` without forming the matrices.

    With ``q = w + u`` (``u = (x, y, z)``), ``R v = v + 2 w (u × v) + 2 u × (u × v)`` and
    ``R = (1 − 2|u|²) I + 2 u uᵀ + 2 w [u]×``: the same polynomials as the entries of
    :func:`rotation_entries_into`, summed as products of quaternion components.

    Parameters
    ----------
    a, b : ndarray, shape (L, W), complex128
        Unit quaternions in complex-pair form.
    v : ndarray, shape (3, L, W)
        Vectors to rotate.
    rv_sum : ndarray, shape (3, W)
        Output: ``Σ_l R v``.
    r_sum : ndarray, shape (9, W), or None
        Output: ``Σ_l R``, row-major entries (skipped if None).
    tmp : ndarray, shape (3, L, W)
        Scratch space (receives ``u × v``).
    t : ndarray, shape (L, W)
        Scratch space.
    """
    w, x, y, z = a.real, a.imag, b.real, b.imag
    s0, s1, s2 = tmp[0], tmp[1], tmp[2]
    for out, p, q, r, s in ((s0, y, v[2], z, v[1]), (s1, z, v[0], x, v[2]), (s2, x, v[1], y, v[0])):
        np.multiply(p, q, out=out)
        np.multiply(r, s, out=t)
        out -= t  # (u × v) component
    dot = _column_dot
    np.add.reduce(v, axis=1, out=rv_sum)
    rv_sum[0] += 2.0 * (dot(w, s0) + (dot(y, s2) - dot(z, s1)))
    rv_sum[1] += 2.0 * (dot(w, s1) + (dot(z, s0) - dot(x, s2)))
    rv_sum[2] += 2.0 * (dot(w, s2) + (dot(x, s1) - dot(y, s0)))
    if r_sum is None:
        return
    n = float(w.shape[0])
    xx, yy, zz = dot(x, x), dot(y, y), dot(z, z)
    xy, xz, yz = dot(x, y), dot(x, z), dot(y, z)
    wx, wy, wz = dot(w, x), dot(w, y), dot(w, z)
    r_sum[0] = n - 2.0 * (yy + zz)
    r_sum[1] = 2.0 * (xy - wz)
    r_sum[2] = 2.0 * (xz + wy)
    r_sum[3] = 2.0 * (xy + wz)
    r_sum[4] = n - 2.0 * (xx + zz)
    r_sum[5] = 2.0 * (yz - wx)
    r_sum[6] = 2.0 * (xz - wy)
    r_sum[7] = 2.0 * (yz + wx)
    r_sum[8] = n - 2.0 * (xx + yy)


def _left_multiply(
    pa: ComplexArray,
    pb: ComplexArray,
    ca: ComplexArray,
    cb: ComplexArray,
    t1: ComplexArray,
    t2: ComplexArray,
) -> None:
    """``c ← p ⊗ c`` in place (complex pairs; ``p`` broadcasts against ``c``; t1, t2 like c)."""
    np.conjugate(cb, out=t1)
    np.multiply(pb, t1, out=t1)
    np.conjugate(ca, out=t2)
    np.multiply(pb, t2, out=t2)
    np.multiply(pa, ca, out=ca)
    ca -= t1
    np.multiply(pa, cb, out=cb)
    cb += t2


def prefix_products_into(
    a: ComplexArray, b: ComplexArray, t1: ComplexArray, t2: ComplexArray, block: int
) -> None:
    """Inclusive prefix products along axis 0, in place: row ``l`` becomes ``q_0 ⊗ … ⊗ q_l``.

    Every column (axis 1) is an independent sequence. Two levels, to keep the number of numpy
    calls low when the rows are short: the rows are cut into groups of ``block``, each group
    scanned (all groups side by side, ``block − 1`` steps), then each group is left-multiplied
    by the last row of the group before it (one step per group). About ``2 √L`` steps instead
    of ``L − 1``, for about twice the multiplications; equal to the sequential scan up to
    rounding.

    Parameters
    ----------
    a, b : ndarray, shape (L, W), complex128
        Quaternions in complex-pair form, overwritten with the prefix products.
    t1, t2 : ndarray, complex128
        Scratch space of at least ``max(block, ⌈L / block⌉) * W`` elements each.
    block : int
        Rows per group (``≈ √L`` is best).
    """
    n_rows, n_cols = a.shape
    n_groups = -(-n_rows // block)
    for j in range(1, block):
        cur_a, cur_b = a[j::block], b[j::block]  # row j of every group that has one
        k = cur_a.shape[0]
        s1 = t1[: k * n_cols].reshape(k, n_cols)
        s2 = t2[: k * n_cols].reshape(k, n_cols)
        _left_multiply(a[j - 1 :: block][:k], b[j - 1 :: block][:k], cur_a, cur_b, s1, s2)
    for g in range(1, n_groups):
        lo, hi = g * block, min((g + 1) * block, n_rows)
        s1 = t1[: (hi - lo) * n_cols].reshape(hi - lo, n_cols)
        s2 = t2[: (hi - lo) * n_cols].reshape(hi - lo, n_cols)
        _left_multiply(a[lo - 1], b[lo - 1], a[lo:hi], b[lo:hi], s1, s2)
