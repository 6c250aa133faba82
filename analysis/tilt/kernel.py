"""The causal kernel: strapdown integration, the window-rate low-pass in ``I`` and the output.

Each call filters a *piece*: either whole windows (the open window empty) or part of a single
window (continuing the open one). The samples are rearranged to a (component, position in
window, window) layout, so every per-sample operation is one contiguous numpy pass over
preallocated work arrays, window sums are reductions over the middle axis and per-window
values broadcast without copies:

1. rest statistics and the bias update per completed window, *before* the integration, so each
   window is integrated with its own bias;
2. the rotation of each sample relative to its window start, ``exp(½ (ω − b) Δt)`` scanned
   position by position (vectorised across windows; quaternions as pairs of complex numbers);
3. the orientation at each window start: a scan over the window totals only;
4. accelerations rotated into the window-start frame and summed; the sums are rotated into
   ``I`` with one 3×3 product per window and low-passed there (plus the motion-bias
   correction);
5. each sample gets the last completed window's low-pass value extrapolated to its own time,
   rotated into the window-start frame and back by the local rotation only, normalised while
   it is written to the (n, 3) output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analysis._rotations import (
    prefix_products_into,
    quaternion_scan,
    rotated_sums_into,
    rotation_entries_into,
    rotation_matrix_entries,
)
from analysis.tilt._arrays import TINY, FloatArray, window_sums
from analysis.tilt.bias import (
    bias_from_rest,
    motion_bias_correction,
    rest_flags,
)
from analysis.tilt.design import FilterDesign
from analysis.tilt.state import (
    ACC,
    ACC_LOCAL,
    ACC_RAMP,
    ACC_SQ,
    N_SUMS,
    RATE,
    RATE_SQ,
    RAW,
    ROT_LOCAL,
    ROT_RAMP,
    KernelState,
    LowPassState,
    OpenWindow,
)

__all__ = ["gyro_piece", "half_angle_quaternions", "window_lowpass"]

ComplexArray = NDArray[np.complex128]

@dataclass(frozen=True)
class _Piece:
    """Shape of one kernel call."""

    n_pos: int  # positions per window in this piece
    n_win: int  # windows in this piece
    n_carried: int  # samples of the open window before this piece
    n_done: int  # windows completed by this piece
    n_before: int  # windows of this segment completed before this piece


def half_angle_quaternions(
    u: FloatArray,
    u2: FloatArray,
    c: float,
    da: ComplexArray,
    db: ComplexArray,
    t: FloatArray,
) -> None:
    """``exp(c u)`` in complex-pair form for rates ``u`` (3, …) with ``u2 = |u|²``, into da, db.

    Taylor series of cos and sin(h)/h in ``h² = c² u2`` with as many terms as the largest
    angle needs (truncation < 3e-14 per sample); exact functions above 0.2 rad.
    """
    c2 = c * c
    h2max = c2 * float(u2.max()) if u2.size else 0.0
    if h2max < 0.2**2:
        # cos h = Σ (−1)^k h^2k / (2k)!, sin(h)/h = Σ (−1)^k h^2k / (2k+1)!
        terms = 3 if h2max < 1e-4 else 4 if h2max < 0.075**2 else 5
        cw = [(-1.0) ** k / math.factorial(2 * k) * c2**k for k in range(terms)]
        cs = [c * (-1.0) ** k / math.factorial(2 * k + 1) * c2**k for k in range(terms)]
        for coefs, final in ((cw, da.real), (cs, t)):
            np.multiply(u2, coefs[-1], out=t)
            for cf in coefs[-2:0:-1]:
                t += cf
                t *= u2
            np.add(t, coefs[0], out=final)
    else:
        h = np.sqrt(u2) * c
        da.real = np.cos(h)
        t[...] = np.sinc(h / np.pi) * c
    np.multiply(t, u[0], out=da.imag)
    np.multiply(t, u[1], out=db.real)
    np.multiply(t, u[2], out=db.imag)


def window_lowpass(design: FilterDesign, state: LowPassState, x: FloatArray) -> FloatArray:
    """Causal low-pass of (3, n) samples evaluated per sample (accelerometer only).

    The samples are averaged over windows of ``win`` samples; the window means are filtered at
    the window rate (running mean for the first ``n_init_w`` windows, then the low-pass from
    that steady state). A sample in window ``w`` gets ``G[w-1]`` linearly extrapolated with the
    slope ``G[w-1] - G[w-2]`` to the sample's time (no slope for the second window; the running
    mean of the samples so far in the very first window). Updates ``state``.
    """
    m = design.win
    n = x.shape[1]
    if state.buf is None:
        state.buf = np.empty((3, 0))
    n_carried = state.buf.shape[1]
    xc = np.concatenate([state.buf, x], axis=1) if n_carried else x
    n_win = xc.shape[1] // m
    state.buf = xc[:, n_win * m :].copy()
    first_window = state.main.n_windows == 0
    g = state.main.run(design, window_sums(xc, m) / m) if n_win else np.empty((3, 0))
    # history G_{-2}, G_{-1}, G_0 .. G_{n_win-1}; sample in window w uses columns w, w+1
    hist = np.concatenate([state.last, g], axis=1)
    state.last = hist[:, -2:].copy()
    base = hist[:, 1:]
    slope = base - hist[:, :-1]
    slope[np.isnan(slope)] = 0.0
    if n_carried == 0 and n % m == 0:
        w = n // m
        reps: FloatArray = (slope[:, :w, None] * design.frac + base[:, :w, None]).reshape(3, n)
    else:
        sel = slice(n_carried, n_carried + n)
        reps = np.repeat(base, m, axis=1)[:, sel]
        reps += np.repeat(slope, m, axis=1)[:, sel] * np.tile(design.frac, n_win + 1)[sel]
    if first_window:
        # the segment's first window has no completed window before it: running mean
        k = min(m - n_carried, n)
        cs = np.cumsum(xc[:3, : n_carried + k], axis=1)[:, n_carried:]
        reps[:, :k] = cs / np.arange(n_carried + 1, n_carried + k + 1, dtype=np.float64)
    return reps


def _rest_and_bias(
    design: FilterDesign,
    state: KernelState,
    piece: _Piece,
    acc: FloatArray,
    gyr: FloatArray,
    rate: FloatArray,
    acc_w: FloatArray,
    sums: FloatArray,
) -> tuple[FloatArray, FloatArray | None]:
    """Raw window sums, rest flags and the causal bias update of the completed windows.

    Returns the bias applied in each window (3, W) and the rest observations (4, done) or None.
    """
    rest, n_win = state.rest, piece.n_win
    np.add.reduce(rate, axis=1, out=sums[RATE])
    np.add.reduce(acc_w, axis=1, out=sums[ACC])
    # squared norms summed per window straight from the row-major input
    g2 = gyr.reshape(n_win, piece.n_pos * 3)
    a2 = acc.reshape(n_win, piece.n_pos * 3)
    np.einsum("wk,wk->w", g2, g2, out=sums[RATE_SQ])
    np.einsum("wk,wk->w", a2, a2, out=sums[ACC_SQ])
    if piece.n_carried:
        sums[RAW, 0] += state.open_window.sums[RAW]
    bias_w: FloatArray = np.broadcast_to(rest.bias.copy()[:, None], (3, n_win))
    if not piece.n_done:
        return bias_w, None
    s = sums[:, : piece.n_done] / design.win
    vg = np.maximum(s[RATE_SQ] - (s[RATE] ** 2).sum(axis=0), 0.0)
    va = np.maximum(s[ACC_SQ] - (s[ACC] ** 2).sum(axis=0), 0.0)
    at_rest = rest_flags(design, rest, s[RATE], vg, s[ACC], va)
    per_window, rest_obs = bias_from_rest(design, rest, s[RATE], at_rest)
    return per_window[:, :n_win], rest_obs


def _local_rotations(
    design: FilterDesign, state: KernelState, piece: _Piece, rate: FloatArray
) -> tuple[ComplexArray, ComplexArray]:
    """Rotation of each sample relative to its window start, (L, W) complex pairs."""
    work, open_window = state.work, state.open_window
    n_pos, n_win = piece.n_pos, piece.n_win
    rate_sq = work.rate_sq.view((n_pos, n_win))
    np.einsum("ijk,ijk->jk", rate, rate, out=rate_sq)
    da = work.loc_a.view((n_pos, n_win))
    db = work.loc_b.view((n_pos, n_win))
    half_angle_quaternions(rate, rate_sq, 0.5 * design.dt, da, db, work.scalar.view((n_pos, n_win)))
    if piece.n_carried:
        pa, pb, ca, cb = open_window.local_a, open_window.local_b, da[0].copy(), db[0].copy()
        da[0] = pa * ca - pb * np.conj(cb)
        db[0] = pa * cb + pb * np.conj(ca)
    if n_pos > 1:
        group = max(1, round(math.sqrt(n_pos)))
        rows = max(group, -(-n_pos // group))
        t1 = work.prod_1.view((rows * n_win,))
        t2 = work.prod_2.view((rows * n_win,))
        prefix_products_into(da, db, t1, t2, group)
    return da, db


def _window_starts(
    open_window: OpenWindow, da: ComplexArray, db: ComplexArray, n_win: int
) -> tuple[ComplexArray, ComplexArray]:
    """Orientation at each window start, ``E_0 ⊗ T_0 ⊗ … ⊗ T_{w−1}`` (W,) complex pairs."""
    ea = np.empty(n_win, dtype=np.complex128)
    eb = np.empty(n_win, dtype=np.complex128)
    ea[0], eb[0] = open_window.start_a, open_window.start_b
    if n_win > 1:
        sa, sb = quaternion_scan(
            da[-1, :-1].copy(), db[-1, :-1].copy(), open_window.start_a, open_window.start_b, 8
        )
        nrm = np.sqrt(sa.real**2 + sa.imag**2 + sb.real**2 + sb.imag**2)
        ea[1:], eb[1:] = sa / nrm, sb / nrm
    return ea, eb


def _lowpass_windows(
    design: FilterDesign,
    state: LowPassState,
    piece: _Piece,
    start_rot: FloatArray,
    sums: FloatArray,
    bias_w: FloatArray,
    rest_obs: FloatArray | None,
    motion: bool,
    triangular: bool,
) -> tuple[FloatArray, FloatArray]:
    """Low-pass in ``I`` of the completed windows (and the motion-bias correction).

    ``start_rot`` (3, 3, W): rotation at each window start. Returns the base value and slope
    (3, W) each window of the piece extrapolates from (those of the window before it).
    """
    m, done, n_win = design.win, piece.n_done, piece.n_win
    prev_g = state.prev_g[:, None]
    prev_slope = state.prev_slope[:, None]
    if not done:
        return prev_g, prev_slope
    red = start_rot[:, :, :done]
    applied = np.ascontiguousarray(bias_w[:, :done])
    mean_x, rbar, rb = _window_inputs(red, sums[ACC_LOCAL, :done], sums[ROT_LOCAL, :done], applied)
    if triangular:
        mean_x, rbar, rb = _triangular(state, red, sums, applied, mean_x, rbar, rb)
    mean_x /= m
    if motion:
        rbar /= m
        rb /= m
        filt = state.main.run(design, np.concatenate([mean_x, rbar, rb]))
        g, slope = motion_bias_correction(
            design, state.motion, filt[:3], filt[3:], rbar, rb, piece.n_before, applied, rest_obs
        )
    else:
        g = state.main.run(design, mean_x)
        slope = g - np.concatenate([prev_g, g[:, :-1]], axis=1)
        slope[np.isnan(slope)] = 0.0
    base_i = np.concatenate([prev_g, g[:, : n_win - 1]], axis=1)
    slope_i = np.concatenate([prev_slope, slope[:, : n_win - 1]], axis=1)
    state.prev_g = g[:, -1].copy()
    state.prev_slope = slope[:, -1].copy()
    return base_i, slope_i


def _window_inputs(
    start_rot: FloatArray, acc_sum: FloatArray, rot_sum: FloatArray, applied: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Window sums rotated into ``I``: Σa (3, W), ΣR (9, W) and ΣR B (3, W)."""
    n = acc_sum.shape[1]
    acc_i = np.einsum("ijw,jw->iw", start_rot, acc_sum)
    rot_i = np.einsum("ijw,jkw->ikw", start_rot, rot_sum.reshape(3, 3, n))
    rb = np.einsum("ijw,jw->iw", rot_i, applied)
    return acc_i, rot_i.reshape(9, n), rb


def _triangular(
    state: LowPassState,
    start_rot: FloatArray,
    sums: FloatArray,
    applied: FloatArray,
    acc_i: FloatArray,
    rot_i: FloatArray,
    rb: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Triangular window sums: the previous window weighted by the rising ramp plus this
    window by the falling one (``box − ramp``); a segment's first window keeps its box sum."""
    done = acc_i.shape[1]
    ramp = np.concatenate(
        _window_inputs(start_rot, sums[ACC_RAMP, :done], sums[ROT_RAMP, :done], applied)
    )
    box = np.concatenate([acc_i, rot_i, rb])
    prev = np.empty_like(ramp)
    prev[:, 0] = state.prev_ramp if state.prev_ramp is not None else ramp[:, 0]
    prev[:, 1:] = ramp[:, :-1]
    state.prev_ramp = ramp[:, -1].copy()
    tri = prev + box - ramp
    return tri[:3], tri[3:12], tri[12:]


def _local_sums(
    design: FilterDesign,
    state: KernelState,
    piece: _Piece,
    da: ComplexArray,
    db: ComplexArray,
    acc_w: FloatArray,
    acc_local: FloatArray,
    sums: FloatArray,
    motion: bool,
    triangular: bool,
) -> FloatArray | None:
    """Window sums of ``R_loc a`` and ``R_loc`` (and their ramp-weighted ones) into ``sums``.

    Returns the local rotation entries (9, L, W), with ``R_loc a`` in ``acc_local`` (3, L, W);
    or None when only the bias equations are recorded (box windows): then the sums come
    straight from the quaternions, without per-sample matrices (nor their memory).
    """
    work, n_pos, n_win = state.work, piece.n_pos, piece.n_win
    if state.lowpass.motion.equations_only and not triangular:
        rot_sum = sums[ROT_LOCAL] if motion else None
        t = work.scalar.view((n_pos, n_win))
        rotated_sums_into(da, db, acc_w, sums[ACC_LOCAL], rot_sum, acc_local, t)
        return None
    rot = work.rot.view((9, n_pos, n_win))
    rotation_entries_into(da, db, rot, work.rot_tmp.view((5, n_pos, n_win)))
    np.einsum("ijlw,jlw->ilw", rot.reshape(3, 3, n_pos, n_win), acc_w, out=acc_local)
    np.add.reduce(acc_local, axis=1, out=sums[ACC_LOCAL])
    if motion:
        np.add.reduce(rot, axis=1, out=sums[ROT_LOCAL])
    if triangular:
        ramp = design.ramp[piece.n_carried : piece.n_carried + n_pos]
        np.matmul(ramp, acc_local, out=sums[ACC_RAMP])
        if motion:
            np.matmul(ramp, rot, out=sums[ROT_RAMP])
    return rot


def _write_output(
    design: FilterDesign,
    state: KernelState,
    piece: _Piece,
    rot: FloatArray,
    acc_local: FloatArray,
    start_rot: FloatArray,
    base: FloatArray,
    slope: FloatArray,
    out: FloatArray,
    triangular: bool,
) -> None:
    """Per-sample output: the extrapolated low-pass rotated back to the sensor frame.

    ``rot`` (9, L, W) local rotations, ``acc_local`` (3, L, W) the rotated accelerometer (its
    buffer is reused for the result), ``start_rot`` (3, 3, W), ``base``/``slope`` (3, W).
    """
    work, n_pos, n_win, n_carried = state.work, piece.n_pos, piece.n_win, piece.n_carried
    bl = np.einsum("jiw,jw->iw", start_rot, base)  # R(E_w)ᵀ G'_{w−1}
    sl = np.einsum("jiw,jw->iw", start_rot, slope)
    y = work.out_vec.view((3, n_pos, n_win))
    frac = design.frac_tri if triangular else design.frac
    np.multiply(frac[n_carried : n_carried + n_pos, None], sl[:, None, :], out=y)
    y += bl[:, None, :]
    if piece.n_before == 0:
        # the segment's first window: running mean of the samples so far (window frame)
        cnt = np.arange(n_carried + 1, n_carried + n_pos + 1, dtype=np.float64)
        y[:, :, 0] = (
            np.cumsum(acc_local[:, :, 0], axis=1) + state.open_window.sums[ACC_LOCAL, None]
        ) / cnt
    inv_norm = work.rate_sq.view((n_pos, n_win))
    np.einsum("ijk,ijk->jk", y, y, out=inv_norm)
    small = not bool(inv_norm.min() > TINY * TINY)
    np.sqrt(inv_norm, out=inv_norm)
    with np.errstate(divide="ignore"):  # zero-length vectors become NaN below
        np.divide(1.0, inv_norm, out=inv_norm)
    if small:
        inv_norm[~(inv_norm < 1.0 / TINY)] = np.nan  # zero (or underflowing) vectors: no direction
    # R_locᵀ y (|R_locᵀ y| = |y|), normalised while writing the (n, 3) output
    np.einsum("jilw,jlw->ilw", rot.reshape(3, 3, n_pos, n_win), y, out=acc_local)
    np.multiply(acc_local, inv_norm, out=out.reshape(n_win, n_pos, 3).transpose(2, 1, 0))


def _carry(
    state: KernelState,
    piece: _Piece,
    ea: ComplexArray,
    eb: ComplexArray,
    da: ComplexArray,
    db: ComplexArray,
    sums: FloatArray,
) -> None:
    """Carry the open window, or the start orientation of the next window."""
    if piece.n_done == piece.n_win:
        e_a, e_b = complex(ea[-1]), complex(eb[-1])
        t_a, t_b = complex(da[-1, -1]), complex(db[-1, -1])
        qa = e_a * t_a - e_b * t_b.conjugate()
        qb = e_a * t_b + e_b * t_a.conjugate()
        q_norm = math.sqrt(abs(qa) ** 2 + abs(qb) ** 2)
        state.open_window = OpenWindow(start_a=qa / q_norm, start_b=qb / q_norm)
    else:
        open_window = state.open_window
        open_window.count = piece.n_carried + piece.n_pos
        open_window.local_a, open_window.local_b = complex(da[-1, 0]), complex(db[-1, 0])
        open_window.sums = sums[:, 0].copy()


def gyro_piece(
    design: FilterDesign,
    state: KernelState,
    acc: FloatArray,
    gyr: FloatArray,
    out: FloatArray,
    n_pos: int,
    n_win: int,
    *,
    bias_estimation: bool,
    motion_bias_estimation: bool,
    triangular_windows: bool,
) -> None:
    """Filter ``n_win`` windows' worth of samples, ``n_pos`` positions each, into ``out``.

    Either whole windows (``n_pos`` = window length, the open window empty) or part of a
    single window (continuing the open one). ``acc`` (m/s²), ``gyr`` (rad/s) and ``out`` (unit
    up vectors) are C-contiguous (n_pos * n_win, 3) row blocks. Updates ``state``.
    """
    n_carried = state.open_window.count
    piece = _Piece(
        n_pos=n_pos,
        n_win=n_win,
        n_carried=n_carried,
        n_done=n_win if n_carried + n_pos == design.win else n_win - 1,
        n_before=state.lowpass.main.n_windows,
    )
    work = state.work
    rate = work.rate.view((3, n_pos, n_win))
    np.copyto(rate, gyr.reshape(n_win, n_pos, 3).transpose(2, 1, 0))
    acc_w = work.acc.view((3, n_pos, n_win))
    np.copyto(acc_w, acc.reshape(n_win, n_pos, 3).transpose(2, 1, 0))
    sums = np.zeros((N_SUMS, n_win))  # see OpenWindow.sums
    bias_w: FloatArray = np.broadcast_to(state.rest.bias.copy()[:, None], (3, n_win))
    rest_obs = None
    if bias_estimation:
        bias_w, rest_obs = _rest_and_bias(design, state, piece, acc, gyr, rate, acc_w, sums)
        rate -= bias_w[:, None, :]  # gyroscope minus the bias applied in each window
    da, db = _local_rotations(design, state, piece, rate)
    ea, eb = _window_starts(state.open_window, da, db, n_win)
    acc_local = work.vec.view((3, n_pos, n_win))
    rot = _local_sums(
        design,
        state,
        piece,
        da,
        db,
        acc_w,
        acc_local,
        sums,
        motion_bias_estimation,
        triangular_windows,
    )
    if n_carried:
        sums[8:, 0] += state.open_window.sums[8:]
    start_rot = np.asarray(rotation_matrix_entries(ea, eb)).reshape(3, 3, n_win)
    base, slope = _lowpass_windows(
        design,
        state.lowpass,
        piece,
        start_rot,
        sums,
        bias_w,
        rest_obs,
        motion_bias_estimation,
        triangular_windows,
    )
    if rot is None or state.lowpass.motion.equations_only:
        out.fill(np.nan)
    else:
        _write_output(
            design, state, piece, rot, acc_local, start_rot, base, slope, out, triangular_windows
        )
    _carry(state, piece, ea, eb, da, db, sums)
