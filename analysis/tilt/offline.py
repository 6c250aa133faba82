"""The offline (zero-phase) tilt filter.

Same strapdown frame as the causal filter; the low-pass in ``I`` runs forward and backward at
the full rate (no lag), each pass started from the mean of its first ``tau`` seconds. The
gyroscope bias comes from a causal pass first (see :func:`offline_motion_bias`), or, without
motion-bias estimation, from the rest periods (:func:`offline_rest_bias`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from analysis._rotations import (
    delta_quaternion,
    quaternion_scan,
    rotate,
    rotate_transposed,
    rotation_entries_into,
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

__all__ = ["BiasCurve", "offline_gravity_direction", "offline_motion_bias", "offline_rest_bias"]

# samples per block of the strapdown's per-sample work: its ~20 temporaries of this length
# (64 KiB each) stay in the CPU cache and are reused by the allocator instead of being mapped
# afresh (whole-segment temporaries made the strapdown about twice as slow)
STRAPDOWN_BLOCK = 8192
# samples per kernel piece of the two bias passes (at most settings.chunk_samples): their
# work arrays (~15 values per sample, 7.5 MiB) are reused from piece to piece and pass to pass
# instead of being mapped afresh for a long segment; smaller pieces cost more numpy calls
BIAS_PASS_CHUNK = 65536


@dataclass(frozen=True)
class BiasCurve:
    """Piecewise-linear gyroscope bias over time.

    ``values`` (3, K), rad/s, at the sample positions ``origin + knots`` (K,), held constant
    before the first and after the last knot. Evaluated block by block (:meth:`at`), so no
    per-sample bias array of a whole recording is needed.
    """

    knots: FloatArray
    values: FloatArray
    origin: int = 0

    def at(self, start: int, stop: int) -> FloatArray:
        """Bias (stop − start, 3), rad/s, of the samples ``start .. stop − 1``."""
        t = np.arange(start - self.origin, stop - self.origin, dtype=np.float64)
        return np.stack([np.interp(t, self.knots, v) for v in self.values], axis=1)


def offline_rest_bias(
    design: FilterDesign, acc: FloatArray, gyr: FloatArray, segments: list[tuple[int, int]]
) -> BiasCurve:
    """Offline bias of the whole recording: rest-period mean rates interpolated in time
    (zero without rest periods)."""
    centers: list[float] = []
    values: list[FloatArray] = []
    for start, stop in segments:
        mg, at_rest, _ = rest_windows(design, RestState(), gyr[start:stop].T, acc[start:stop].T)
        # group consecutive rest windows into periods, average each
        for first, last in runs(at_rest):
            centers.append(start + 0.5 * (first + last) * design.win)
            values.append(mg[:, first:last].mean(axis=1))
    if not centers:
        return BiasCurve(np.zeros(1), np.zeros((3, 1)))
    return BiasCurve(np.asarray(centers), np.asarray(values).T)


def _normal_equations(
    f: TiltFilter, acc: FloatArray, gyr: FloatArray, *, reverse: bool
) -> FloatArray | None:
    """Run the causal filter over one segment, time-reversed (with negated rates) if
    ``reverse``: its motion-bias normal equations (9, K) after each window (see
    :meth:`TiltFilter.record_bias_equations`).

    The segment is fed in the filter's own batches of whole windows (the same pieces as one
    call), so the reversed copies and the unused per-sample output are batch-sized and reused
    rather than segment-sized; its last, incomplete window is left out (it completes no
    equations, and would cost one more kernel call).
    """
    f.reset()
    record = f.record_bias_equations(equations_only=True)
    m = f._design.win
    n = acc.shape[0] // m * m  # a last, incomplete window adds no equations
    step = max(m, f.settings.chunk_samples // m * m)
    for i in range(0, n, step):
        if reverse:
            stop = acc.shape[0] - i
            start = max(stop - step, acc.shape[0] - n)
            f.update(acc[start:stop][::-1], -gyr[start:stop][::-1])
        else:
            f.update(acc[i : min(i + step, n)], gyr[i : min(i + step, n)])
    return np.concatenate(record, axis=1) if record else None


def offline_motion_bias(
    acc: FloatArray,
    gyr: FloatArray,
    fs: float,
    settings: TiltSettings,
    segments: list[tuple[int, int]],
) -> list[BiasCurve | None]:
    """Offline bias of each segment (None: no complete window, no bias): the motion-bias
    regression run both ways.

    The causal filter's regression (rest windows + gravity drift, exponential memory
    ``tau_motion_bias_s``) summarises the recent past in normal equations ``A b = q``. It is
    run once forward and once on the time-reversed segment (reversed samples, negated rates:
    the same motion backwards with bias ``−b``), which summarises the near future. Summing the
    two sets of equations at each time (``(A_f + A_b) b = q_f − q_b``, a two-sided
    exponential window) weights each direction by how much it actually knows, e.g. the
    forward pass only after the first rest period.
    """
    chunk = min(settings.chunk_samples, BIAS_PASS_CHUNK)
    f = TiltFilter(fs, settings=dataclasses.replace(settings, chunk_samples=chunk))
    win = f._design.win
    prior = f._design.motion_prior
    curves: list[BiasCurve | None] = []
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
            curves.append(None)
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
        curves.append(BiasCurve(knots, solve_symmetric3(eqs, eqs[6:]), origin=start))
    return curves


def _settled_state(design: FilterDesign, level: FloatArray) -> FloatArray:
    """Low-pass state (sections, 3, 2) settled at ``level`` (3,): each pass of the zero-phase
    low-pass starts in steady state at the mean of its first ``n_init`` samples, so a
    recording's edges do not ring. For channels on axis 0 and time on the last axis."""
    return np.asarray(design.zi_unit[:, None, :] * level[:, None])


def _filtfilt_with_init(design: FilterDesign, x: FloatArray) -> FloatArray:
    """Zero-phase low-pass of ``x`` (n, 3) along time, each pass settled at its edge mean."""
    k = min(design.n_init, x.shape[0])
    y, _ = signal.sosfilt(design.sos, x.T, axis=-1, zi=_settled_state(design, x[:k].mean(axis=0)))
    yr = y[:, ::-1]
    z, _ = signal.sosfilt(design.sos, yr, axis=-1,
                          zi=_settled_state(design, yr.T[:k].mean(axis=0)))
    return np.asarray(z[:, ::-1].T)


def _strapdown_segment(
    design: FilterDesign,
    acc: FloatArray,
    gyr: FloatArray,
    bias: BiasCurve | None,
    start: int,
    chunk: int,
    out: FloatArray,
) -> None:
    """Zero-phase gravity direction of one gap-free segment with gyroscope, into ``out`` (n, 3).

    ``acc``, ``gyr`` (n, 3) are the segment's samples, which start at sample ``start`` of the
    recording (the time axis of ``bias``).

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
    qa = np.empty(n, dtype=np.complex128)
    qb = np.empty(n, dtype=np.complex128)
    rot = np.empty((9, min(block, n)))  # one block's rotation matrices (reused)
    tmp = np.empty((5, min(block, n)))
    # out holds the forward low-pass in I first
    pa, pb = 1.0 + 0.0j, 0.0j
    zi: FloatArray | None = None
    for i in range(0, n, block):
        j = min(i + block, n)
        g = gyr[i:j] if bias is None else gyr[i:j] - bias.at(start + i, start + j)
        da, db = delta_quaternion(np.ascontiguousarray(g.T), design.dt)
        sa, sb = quaternion_scan(da, db, pa, pb)
        nrm = math.sqrt(abs(sa[-1]) ** 2 + abs(sb[-1]) ** 2)
        pa, pb = complex(sa[-1]) / nrm, complex(sb[-1]) / nrm
        qa[i:j], qb[i:j] = sa, sb
        r = rot[:, : j - i]
        rotation_entries_into(sa, sb, r, tmp[:, : j - i])
        x = rotate(list(r), np.ascontiguousarray(acc[i:j].T))
        if zi is None:
            zi = _settled_state(design, x[:, :k].mean(axis=1))
        y, zi = signal.sosfilt(design.sos, x, axis=-1, zi=zi)
        out[i:j] = y.T
    zi = _settled_state(design, out[n - k :].mean(axis=0))
    for i in reversed(range(0, n, block)):
        j = min(i + block, n)
        z, zi = signal.sosfilt(design.sos, out[i:j][::-1].T, axis=-1, zi=zi)
        r = rot[:, : j - i]
        if j < n:  # the last block's rotations are still in rot
            rotation_entries_into(qa[i:j], qb[i:j], r, tmp[:, : j - i])
        out[i:j] = normalized_columns(rotate_transposed(list(r), z[:, ::-1]))


def offline_gravity_direction(
    acc: FloatArray, gyr: FloatArray | None, fs: float, settings: TiltSettings
) -> FloatArray:
    """Zero-phase gravity direction (N, 3); checked inputs (see ``gravity_direction``)."""
    tau = settings.tau_acc_offline_s if gyr is not None else settings.tau_acc_only_offline_s
    design = FilterDesign.make(settings, fs, tau)
    n = acc.shape[0]
    out = np.full((n, 3), np.nan)
    segments = runs(good_rows(acc, gyr))
    biases: list[BiasCurve | None] = [None] * len(segments)
    if gyr is not None and settings.motion_bias_estimation:
        biases = offline_motion_bias(acc, gyr, fs, settings, segments)
    elif gyr is not None and settings.bias_estimation:
        biases = [offline_rest_bias(design, acc, gyr, segments)] * len(segments)
    for (start, stop), bias in zip(segments, biases, strict=True):
        if gyr is None:
            out[start:stop] = normalize_rows(_filtfilt_with_init(design, acc[start:stop]))
            continue
        _strapdown_segment(
            design,
            acc[start:stop],
            gyr[start:stop],
            bias,
            start,
            settings.chunk_samples,
            out[start:stop],
        )
    return out
