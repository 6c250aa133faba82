"""The offline (zero-phase) tilt filter.

Same strapdown frame as the causal filter; the low-pass in ``I`` runs forward and backward at
the full rate (no lag), each pass started from the mean of its first ``tau`` seconds. The
gyroscope bias comes from a causal pass first (see :func:`offline_motion_bias`), or, without
motion-bias estimation, from the rest periods (:func:`offline_rest_bias`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from analysis._rotations import (
    delta_quaternion,
    quaternion_scan,
    rotate,
    rotate_transposed,
    rotation_matrix_entries,
)
from analysis.tilt._arrays import (
    FloatArray,
    good_rows,
    normalize_rows,
    normalized_columns,
    runs,
)
from analysis.tilt.bias import RestState, rest_windows, solve_symmetric3
from analysis.tilt.causal import TiltFilter
from analysis.tilt.design import FilterDesign
from analysis.tilt.settings import TiltSettings

__all__ = ["offline_gravity_direction", "offline_motion_bias", "offline_rest_bias"]

# samples per block of the strapdown's per-sample work: its ~20 temporaries of this length
# (64 KiB each) stay in the CPU cache and are reused by the allocator instead of being mapped
# afresh (whole-segment temporaries made the strapdown about twice as slow)
STRAPDOWN_BLOCK = 8192


def _interpolate(n: int, centers: FloatArray, values: FloatArray) -> FloatArray:
    """Per-sample (n, 3) linear interpolation of (3, K) ``values`` at sample positions."""
    t = np.arange(n, dtype=np.float64)
    return np.stack([np.interp(t, centers, values[k]) for k in range(3)], axis=1)


def offline_rest_bias(
    design: FilterDesign, acc: FloatArray, gyr: FloatArray, segments: list[tuple[int, int]]
) -> FloatArray:
    """Per-sample offline bias (N, 3), rad/s: rest-period mean rates interpolated in time."""
    centers: list[float] = []
    values: list[FloatArray] = []
    for start, stop in segments:
        mg, at_rest, _ = rest_windows(design, RestState(), gyr[start:stop].T, acc[start:stop].T)
        # group consecutive rest windows into periods, average each
        for first, last in runs(at_rest):
            centers.append(start + 0.5 * (first + last) * design.win)
            values.append(mg[:, first:last].mean(axis=1))
    n = acc.shape[0]
    if not centers:
        return np.zeros((n, 3))
    return _interpolate(n, np.asarray(centers), np.asarray(values).T)


def _normal_equations(
    f: TiltFilter, acc: FloatArray, gyr: FloatArray, *, reverse: bool
) -> FloatArray | None:
    """Run the causal filter over one segment, time-reversed (with negated rates) if
    ``reverse``: its motion-bias normal equations (9, K) after each window (see
    :meth:`TiltFilter.record_bias_equations`).

    The segment is fed in the filter's own batches of whole windows (the same pieces as one
    call), so the reversed copies and the unused per-sample output are batch-sized and reused
    rather than segment-sized.
    """
    f.reset()
    record = f.record_bias_equations(equations_only=True)
    n = acc.shape[0]
    m = f._design.win
    step = max(m, f.settings.chunk_samples // m * m)
    for i in range(0, n, step):
        if reverse:
            stop = n - i
            start = max(stop - step, 0)
            f.update(acc[start:stop][::-1], -gyr[start:stop][::-1])
        else:
            f.update(acc[i : i + step], gyr[i : i + step])
    return np.concatenate(record, axis=1) if record else None


def offline_motion_bias(
    acc: FloatArray,
    gyr: FloatArray,
    fs: float,
    settings: TiltSettings,
    segments: list[tuple[int, int]],
) -> FloatArray:
    """Per-sample offline bias (N, 3), rad/s: the motion-bias regression run both ways.

    The causal filter's regression (rest windows + gravity drift, exponential memory
    ``tau_motion_bias_s``) summarises the recent past in normal equations ``A b = q``. It is
    run once forward and once on the time-reversed segment (reversed samples, negated rates:
    the same motion backwards with bias ``−b``), which summarises the near future. Summing the
    two sets of equations at each time (``(A_f + A_b) b = q_f − q_b``, a two-sided
    exponential window) weights each direction by how much it actually knows, e.g. the
    forward pass only after the first rest period.
    """
    f = TiltFilter(fs, settings=settings)
    win = f._design.win
    prior = f._design.motion_prior
    n = acc.shape[0]
    bias = np.zeros((n, 3))
    sign = np.where(np.arange(9) >= 6, -1.0, 1.0)[:, None]  # reversed time negates q
    for start, stop in segments:
        fwd = _normal_equations(f, acc[start:stop], gyr[start:stop], reverse=False)
        bwd = _normal_equations(f, acc[start:stop], gyr[start:stop], reverse=True)
        # Knots: forward equations hold after each window (at its end), reversed ones where the
        # original windows start. Both are brought to every knot, summed and solved there (a few
        # per second), and the bias is interpolated per sample: the equations change smoothly
        # over tau_motion_bias_s, far slower than one window.
        grids: list[FloatArray] = []
        if fwd is not None:
            grids.append(win * np.arange(1.0, fwd.shape[1] + 1.0))
        if bwd is not None:
            grids.append((stop - start) - win * np.arange(bwd.shape[1], 0.0, -1.0))
        if not grids:
            continue
        knots = np.unique(np.concatenate(grids))
        eqs = np.zeros((9, knots.size))
        if fwd is not None:
            for k in range(9):
                eqs[k] += np.interp(knots, grids[0], fwd[k])
        if bwd is not None:
            rev = sign * bwd[:, ::-1]
            for k in range(9):
                eqs[k] += np.interp(knots, grids[-1], rev[k])
        eqs[[0, 3, 5]] += prior  # ridge toward zero where neither direction knows anything
        b = solve_symmetric3(eqs, eqs[6:])
        seg_t = np.arange(stop - start, dtype=np.float64)
        for k in range(3):
            bias[start:stop, k] = np.interp(seg_t, knots, b[k])
    return bias


def _filtfilt_with_init(design: FilterDesign, x: FloatArray) -> FloatArray:
    """Zero-phase low-pass along axis 0, each pass started in steady state at its edge mean."""
    k = min(design.n_init, x.shape[0])
    zi = design.zi_unit[:, :, None]
    y, _ = signal.sosfilt(design.sos, x, axis=0, zi=zi * x[:k].mean(axis=0))
    yr = y[::-1]
    z, _ = signal.sosfilt(design.sos, yr, axis=0, zi=zi * yr[:k].mean(axis=0))
    return np.asarray(z[::-1])


def _strapdown_segment(
    design: FilterDesign,
    acc: FloatArray,
    gyr: FloatArray,
    bias: FloatArray | None,
    chunk: int,
    out: FloatArray,
) -> None:
    """Zero-phase gravity direction of one gap-free segment with gyroscope, into ``out`` (n, 3).

    The per-sample work runs in blocks of ``STRAPDOWN_BLOCK`` samples (at most ``chunk``, at
    least the low-pass start-up), so its temporaries stay in the CPU cache: orientation and
    accelerometer in ``I`` block by block with the forward low-pass (its state carried from
    block to block), then the backward low-pass from the last block to the first, each block
    rotated back to the sensor frame as soon as it is filtered. Only the orientations (n,)
    are kept for the whole segment besides the output, which holds the forward low-pass until
    the backward pass overwrites it block by block. The recursions are those of
    :func:`_filtfilt_with_init` over the whole segment.
    """
    n = acc.shape[0]
    block = max(min(chunk, STRAPDOWN_BLOCK), design.n_init)  # first block: start-up mean
    k = min(design.n_init, n)
    zi_unit = design.zi_unit[:, None, :]
    qa = np.empty(n, dtype=np.complex128)
    qb = np.empty(n, dtype=np.complex128)
    # out holds the forward low-pass in I first
    pa, pb = 1.0 + 0.0j, 0.0j
    r_last: list[FloatArray] = []
    zi: FloatArray | None = None
    for i in range(0, n, block):
        j = min(i + block, n)
        g = gyr[i:j] if bias is None else gyr[i:j] - bias[i:j]
        da, db = delta_quaternion(np.ascontiguousarray(g.T), design.dt)
        sa, sb = quaternion_scan(da, db, pa, pb)
        nrm = math.sqrt(abs(sa[-1]) ** 2 + abs(sb[-1]) ** 2)
        pa, pb = complex(sa[-1]) / nrm, complex(sb[-1]) / nrm
        qa[i:j], qb[i:j] = sa, sb
        r_last = rotation_matrix_entries(sa, sb)
        x = rotate(r_last, np.ascontiguousarray(acc[i:j].T))
        if zi is None:  # steady state at the mean of the first tau seconds
            zi = zi_unit * x[:, :k].mean(axis=1)[:, None]
        y, zi = signal.sosfilt(design.sos, x, axis=-1, zi=zi)
        out[i:j] = y.T
    zi = zi_unit * out[n - k :].mean(axis=0)[:, None]
    for i in reversed(range(0, n, block)):
        j = min(i + block, n)
        z, zi = signal.sosfilt(design.sos, out[i:j][::-1].T, axis=-1, zi=zi)
        # the last block's rotations are still at hand
        r = r_last if j == n else rotation_matrix_entries(qa[i:j], qb[i:j])
        out[i:j] = normalized_columns(rotate_transposed(r, z[:, ::-1]))


def offline_gravity_direction(
    acc: FloatArray, gyr: FloatArray | None, fs: float, settings: TiltSettings
) -> FloatArray:
    """Zero-phase gravity direction (N, 3); checked inputs (see ``gravity_direction``)."""
    tau = settings.tau_acc_offline_s if gyr is not None else settings.tau_acc_only_offline_s
    design = FilterDesign.make(settings, fs, tau)
    n = acc.shape[0]
    out = np.full((n, 3), np.nan)
    segments = runs(good_rows(acc, gyr))
    bias = None
    if gyr is not None and settings.motion_bias_estimation:
        bias = offline_motion_bias(acc, gyr, fs, settings, segments)
    elif gyr is not None and settings.bias_estimation:
        bias = offline_rest_bias(design, acc, gyr, segments)
    for start, stop in segments:
        if gyr is None:
            out[start:stop] = normalize_rows(_filtfilt_with_init(design, acc[start:stop]))
            continue
        _strapdown_segment(
            design,
            acc[start:stop],
            gyr[start:stop],
            None if bias is None else bias[start:stop],
            settings.chunk_samples,
            out[start:stop],
        )
    return out
