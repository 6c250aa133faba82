"""Gravity direction ("up") in the sensor frame from accelerometer (+ gyroscope) samples.

The filter
----------
With a gyroscope the filter follows the idea of VQF (Laidig & Seel 2023, *Information Fusion*
91:187–204): integrate the gyroscope strapdown into an almost-inertial frame ``I``, low-pass
filter the accelerometer **in that frame** (2nd-order Butterworth, time constant ``tau``), and
read the gravity direction from the filtered vector. Heading is irrelevant for posture, so the
inclination correction of VQF reduces to rotating the filtered vector back into the sensor
frame::

    q_k    = q_{k-1} ⊗ exp(½ (ω_k − b_k) Δt)          strapdown, sensor → I
    a_I,k  = R(q_k) a_k                                 accelerometer in I
    g_I,k  = LP_tau(a_I)_k                              linear low-pass in I
    up_k   = R(q_k)ᵀ g_I,k / |g_I,k|                    back to the sensor frame

Every step is either an associative product (the quaternion scan) or linear (the low-pass and
the bias recursions), so the whole recursion is computed *exactly* with vectorised numpy/scipy.
The causal kernel works on a (component, position-in-window, window) layout of each chunk: the
quaternion scan runs inside the 0.4-s windows (vectorised across windows), the orientation at
each window start is a scan over the window totals, accelerations are summed in the window-start
frame and rotated into ``I`` once per window, and the low-pass runs at the window rate
(``scipy.signal.sosfilt`` carrying its state). No warm-up overlap is needed; the result equals
the plain per-sample reference (:func:`_gravity_direction_reference`) to floating-point
rounding. The streaming :class:`TiltFilter` runs the same kernel on each batch
while carrying ``q``, the low-pass state and the bias/rest state, so its concatenated output
equals :func:`gravity_direction` with ``causal=True``.

Gyroscope bias (VQF idea): the recording is cut into short windows; a window is *still* when
the gyroscope and accelerometer vary little inside it, the mean rate is below a clip value and
the mean acceleration has not moved since the previous window. After ``rest_min_s`` of still
windows the sensor is *at rest* and the bias estimate follows the window-mean rate with a
first-order low-pass; it is applied from the next window on (causal). Offline, the bias is the
mean rate of each rest period, interpolated linearly between rest periods.

Start-up and gaps: the low-pass starts with the running mean of the first ``tau`` seconds of
samples (as VQF does) and then continues from that steady state. Rows with any non-finite
value are gaps: their output is NaN and the orientation/low-pass state restarts from the next
good samples. The bias estimate is a property of the sensor and survives gaps.

Accelerometer only: ``up`` is the normalised output of the same Butterworth low-pass applied in
the sensor frame (time constant ``tau_acc_only_s``); offline, forward–backward (zero phase).

Offline (``causal=False``): the same strapdown frame, but the low-pass is run forward and
backward (zero phase: no lag, so neither posture changes nor residual gyroscope bias show up as
a delay), with the offline bias estimate.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal

from analysis._rotations import (
    delta_quaternion,
    quaternion_scan,
    rotate,
    rotate_transposed,
    rotation_entries_into,
    rotation_matrix_entries,
)

__all__ = ["TiltSettings", "TiltFilter", "gravity_direction"]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

_DEG = math.pi / 180.0
_TINY = 1e-100  # norms below this count as zero (squares of smaller numbers underflow)


@dataclass(frozen=True)
class TiltSettings:
    """Settings of the tilt (gravity direction) filter.

    Attributes
    ----------
    tau_acc_s : float
        Time constant (s) of the 2nd-order Butterworth low-pass applied to the accelerometer in
        the gyroscope-integrated frame (causal, with gyroscope). VQF's default is 3 s.
        Larger: less sensitive to trunk accelerations, more sensitive to gyroscope errors.
    tau_acc_offline_s : float
        The same for the offline (forward–backward) filter; the zero-phase filter applies the
        low-pass twice.
    tau_acc_only_s : float
        Time constant (s) of the low-pass used without gyroscope (in the sensor frame). This
        trades lag during real posture changes against acceleration errors.
    tau_acc_only_offline_s : float
        The same for the offline accelerometer-only filter (applied forward and backward).
    bias_estimation : bool
        Estimate the gyroscope bias during rest.
    rest_window_s : float
        Length (s) of the windows used for rest detection (at least 2 samples).
    rest_min_s : float
        Still windows must last this long (s) before the sensor counts as at rest.
    rest_gyr_dps : float
        A window is still only if the RMS deviation of the angular rate from its window mean
        (norm over axes) is below this, °/s.
    rest_acc_mps2 : float
        ... and the RMS deviation of the acceleration from its window mean is below this, m/s².
    rest_acc_drift_mps2 : float
        ... and the window-mean acceleration moved less than this over the last
        ``rest_min_s``, m/s² (rejects slow, steady rotations that would otherwise look like
        bias; 0.06 m/s² is about 0.35° of tilt).
    bias_clip_dps : float
        ... and the window-mean angular rate is below this, °/s (largest bias believed).
    tau_bias_s : float
        Time constant (s) of the causal bias low-pass during rest.
    motion_bias_estimation : bool
        Also estimate the residual gyroscope bias in motion (causal, with gyroscope) from how
        gravity drifts in the gyroscope frame, and correct the low-pass lag it causes.
    tau_motion_bias_s : float
        Memory (s) of the motion-bias least-squares estimate.
    motion_bias_prior_s : float
        Ridge weight pulling the motion-bias estimate toward the bias currently applied (the
        rest estimate), in seconds of fully informative data.
    rest_bias_weight : float
        Weight of one rest window's mean rate as a direct observation of the bias in the
        motion-bias regression (relative to one window of fully informative motion), so rest
        and motion evidence are fused with the same memory.
    ramp_tracking : bool
        Use a 3rd-order low-pass without steady-state lag for a linearly drifting input
        (causal, with gyroscope) instead of the 2nd-order Butterworth.
    chunk_samples : int
        Samples processed per vectorised chunk (memory/cache trade-off; results do not depend
        on it beyond rounding).
    """

    tau_acc_s: float = 3.0
    tau_acc_offline_s: float = 3.0
    tau_acc_only_s: float = 1.0
    tau_acc_only_offline_s: float = 0.7
    bias_estimation: bool = True
    rest_window_s: float = 0.4
    rest_min_s: float = 1.5
    rest_gyr_dps: float = 2.0
    rest_acc_mps2: float = 0.5
    rest_acc_drift_mps2: float = 0.06
    bias_clip_dps: float = 5.0
    tau_bias_s: float = 20.0
    motion_bias_estimation: bool = True
    tau_motion_bias_s: float = 30.0
    motion_bias_prior_s: float = 0.05
    rest_bias_weight: float = 1.0
    ramp_tracking: bool = False
    chunk_samples: int = 131072

    def __post_init__(self) -> None:
        for name in (
            "tau_acc_s",
            "tau_acc_offline_s",
            "tau_acc_only_s",
            "tau_acc_only_offline_s",
            "rest_window_s",
            "rest_gyr_dps",
            "rest_acc_mps2",
            "rest_acc_drift_mps2",
            "bias_clip_dps",
            "tau_bias_s",
            "tau_motion_bias_s",
            "motion_bias_prior_s",
            "rest_bias_weight",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"TiltSettings.{name} must be a finite positive number, got {value!r}")
        if not (math.isfinite(self.rest_min_s) and self.rest_min_s >= 0):
            raise ValueError(f"TiltSettings.rest_min_s must be >= 0, got {self.rest_min_s!r}")
        if not isinstance(self.chunk_samples, int) or self.chunk_samples < 256:
            raise ValueError(f"TiltSettings.chunk_samples must be an int >= 256, got {self.chunk_samples!r}")


# ----------------------------------------------------------------------------------------------
# input checks


def _check_rate(fs_hz: float) -> float:
    try:
        fs = float(fs_hz)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fs_hz must be a number, got {fs_hz!r}") from exc
    if not math.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs_hz must be finite and positive, got {fs_hz!r}")
    return fs


def _check_inputs(acc: ArrayLike, gyr: ArrayLike | None) -> tuple[FloatArray, FloatArray | None]:
    a = np.asarray(acc)
    if a.dtype.kind not in "fiu":
        raise ValueError(f"acc_mps2 must be a real numeric array, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError(f"acc_mps2 must have shape (N, 3), got {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.float64)
    if gyr is None:
        return a, None
    g = np.asarray(gyr)
    if g.dtype.kind not in "fiu":
        raise ValueError(f"gyr_rads must be a real numeric array or None, got dtype {g.dtype}")
    if g.ndim != 2 or g.shape[1] != 3:
        raise ValueError(f"gyr_rads must have shape (N, 3) or be None, got {g.shape}")
    if g.shape[0] != a.shape[0]:
        raise ValueError(
            f"acc_mps2 and gyr_rads must have the same length, got {a.shape[0]} and {g.shape[0]}"
        )
    return a, np.ascontiguousarray(g, dtype=np.float64)


def _all_finite(acc: FloatArray, gyr: FloatArray | None) -> bool:
    """Cheap check that every value is finite (a sum is finite only if all terms are, unless
    it overflows, in which case the exact per-row check runs instead)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(acc.sum())) and (gyr is None or bool(np.isfinite(gyr.sum())))


def _good_rows(acc: FloatArray, gyr: FloatArray | None) -> NDArray[np.bool_]:
    if bool(np.isfinite(acc).all()) and (gyr is None or bool(np.isfinite(gyr).all())):
        return np.ones(acc.shape[0], dtype=bool)
    good: NDArray[np.bool_] = np.asarray(np.isfinite(acc).all(axis=1))
    if gyr is not None:
        good &= np.isfinite(gyr).all(axis=1)
    return good


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, stop) of the runs of True in ``mask``."""
    if mask.size == 0:
        return []
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    starts = np.flatnonzero(d == 1)
    stops = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def _normalize_rows(v: FloatArray) -> FloatArray:
    norm = np.sqrt(np.einsum("ij,ij->i", v, v))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = v / norm[:, None]
    out[~(norm > _TINY)] = np.nan  # zero (or underflowing) vectors have no direction
    return out


# ----------------------------------------------------------------------------------------------
# shared pieces of the filter


def _ramp_tracking_sos(w0: float, fs: float) -> FloatArray:
    """3rd-order low-pass with zero steady-state error for a ramp ("type 2"), as sos.

    ``H(s) = (1 + 2 s/w0) / ((1 + s/w0)(1 + s/w0 + s²/w0²))``: the numerator matches the first
    two denominator coefficients, so ``1 − H`` has a double zero at ``s = 0`` and a linearly
    drifting input (gravity rotating in the gyroscope frame because of a constant residual
    bias) passes without lag; above ``w0`` it still falls off as 1/s². Discretised with the
    bilinear transform (which keeps the double zero at z = 1).
    """
    num = [2.0 / w0, 1.0]
    den = [1.0 / w0**3, 2.0 / w0**2, 2.0 / w0, 1.0]
    b, a = signal.bilinear(num, den, fs)
    return np.asarray(signal.tf2sos(b, a), dtype=np.float64)


@dataclass
class _Design:
    """Constants derived from settings and the sampling rate."""

    fs: float
    dt: float
    sos: FloatArray  # full-rate low-pass (offline filter)
    zi_unit: FloatArray  # (n_sections, 2) steady state of ``sos`` for a unit constant input
    n_init: int  # full-rate start-up samples (offline)
    win: int  # samples per window (rest detection and the window-rate low-pass)
    sos_w: FloatArray  # the same low-pass designed at the window rate fs / win
    zi_unit_w: FloatArray
    n_init_w: int  # start-up windows (running mean) before the window-rate low-pass
    frac: FloatArray  # (win,) extrapolation factor for each position in a window
    n_rest: int
    alpha_bias: float
    n_bias_mean: int  # rest windows averaged before the exponential bias low-pass takes over
    motion_lambda: float  # per-window forgetting factor of the motion-bias regression
    motion_prior: float  # ridge weight pulling the estimate to the applied bias
    rest_weight: float  # weight of a rest window's mean rate in the motion-bias regression
    th_gyr2: float
    th_acc2: float
    th_drift2: float
    clip2: float

    @classmethod
    def make(
        cls, settings: TiltSettings, fs: float, tau: float, ramp_tracking: bool = False
    ) -> _Design:
        # cut-off of a 2nd-order Butterworth with time constant tau, as in VQF
        fc = math.sqrt(2.0) / (2.0 * math.pi * tau)
        win = max(2, round(settings.rest_window_s * fs))
        fs_w = fs / win
        if fc >= 0.45 * fs_w:
            raise ValueError(
                f"time constant {tau} s is too short for rest_window_s={settings.rest_window_s} "
                f"at fs_hz={fs}: the low-pass cut-off {fc:.3g} Hz must be below 0.45 * the "
                f"window rate {fs_w:.3g} Hz"
            )
        sos = np.asarray(signal.butter(2, fc, fs=fs, output="sos"), dtype=np.float64)
        if ramp_tracking:
            sos_w = _ramp_tracking_sos(2.0 * math.pi * fc, fs_w)
        else:
            sos_w = np.asarray(signal.butter(2, fc, fs=fs_w, output="sos"), dtype=np.float64)
        win_s = win / fs
        return cls(
            fs=fs,
            dt=1.0 / fs,
            sos=sos,
            zi_unit=np.asarray(signal.sosfilt_zi(sos), dtype=np.float64),
            n_init=max(1, round(tau * fs)),
            win=win,
            sos_w=sos_w,
            zi_unit_w=np.asarray(signal.sosfilt_zi(sos_w), dtype=np.float64),
            n_init_w=max(1, round(tau * fs_w)),
            frac=(np.arange(win) + 0.5 * (win + 1)) / win,
            n_rest=max(1, math.ceil(settings.rest_min_s / win_s - 1e-9)),
            alpha_bias=1.0 - math.exp(-win_s / settings.tau_bias_s),
            n_bias_mean=max(1, round(settings.tau_bias_s / win_s)),
            motion_lambda=math.exp(-win_s / settings.tau_motion_bias_s),
            motion_prior=settings.motion_bias_prior_s / win_s,
            rest_weight=settings.rest_bias_weight,
            th_gyr2=(settings.rest_gyr_dps * _DEG) ** 2,
            th_acc2=settings.rest_acc_mps2**2,
            th_drift2=settings.rest_acc_drift_mps2**2,
            clip2=(settings.bias_clip_dps * _DEG) ** 2,
        )


@dataclass
class _RestState:
    """Carried state of rest detection / bias estimation (component-major arrays)."""

    bias: FloatArray = field(default_factory=lambda: np.zeros(3))
    buf: FloatArray = field(default_factory=lambda: np.empty((6, 0)))  # gyr, acc of the open window
    still_run: int = 0
    n_rest_windows: int = 0  # rest windows seen so far (kept across gaps, like the bias)
    acc_hist: FloatArray | None = None  # (3, n_rest) last window-mean accelerations

    def restart_windows(self) -> None:
        """Start window alignment afresh (after a gap); the bias is kept."""
        self.buf = np.empty((6, 0))
        self.still_run = 0
        self.acc_hist = None


def _window_sums(x: FloatArray, m: int) -> FloatArray:
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


def _window_stats(x: FloatArray, m: int) -> tuple[FloatArray, FloatArray]:
    """Means (3, W) and summed per-axis variances (W,) of windows of ``m`` columns of (3, W*m)."""
    shift = x[:, :1]  # variance is shift-invariant; shifting avoids cancellation
    xs = x - shift
    mean = _window_sums(xs, m) / m
    xs *= xs
    sq = _window_sums(xs, m) / m
    var = np.maximum(sq - mean * mean, 0.0).sum(axis=0)
    return mean + shift, var


def _rest_windows(
    d: _Design, st: _RestState, gyr: FloatArray, acc: FloatArray
) -> tuple[FloatArray, NDArray[np.bool_], int]:
    """Rest detection on the complete windows formed by the open window plus new samples.

    ``gyr`` and ``acc`` are component-major, shape (3, n). Returns window-mean rates (3, W),
    rest flags (W,), and the number ``p`` of carried samples that preceded ``gyr[:, 0]``.
    Updates the open window, still-run and acceleration history in ``st``.
    """
    p = st.buf.shape[1]
    m = d.win
    if p:
        gyr = np.concatenate([st.buf[:3], gyr], axis=1)
        acc = np.concatenate([st.buf[3:], acc], axis=1)
    n_win = gyr.shape[1] // m
    st.buf = np.concatenate([gyr[:, n_win * m :], acc[:, n_win * m :]])
    if n_win == 0:
        return np.empty((3, 0)), np.zeros(0, dtype=bool), p
    mg, vg = _window_stats(gyr[:, : n_win * m], m)
    ma, va = _window_stats(acc[:, : n_win * m], m)
    return mg, _rest_flags(d, st, mg, vg, ma, va), p


def _rest_flags(
    d: _Design, st: _RestState, mg: FloatArray, vg: FloatArray, ma: FloatArray, va: FloatArray
) -> NDArray[np.bool_]:
    """Rest flags (W,) of complete windows from their mean rate ``mg`` (3, W), summed rate
    variance ``vg`` (W,), mean acceleration ``ma`` (3, W) and summed acceleration variance
    ``va`` (W,); updates the still-run and acceleration history in ``st``."""
    n_win = mg.shape[1]
    # window mean n_rest windows earlier (the segment's first window early on)
    hist = st.acc_hist if st.acc_hist is not None else np.repeat(ma[:, :1], d.n_rest, axis=1)
    hist = np.concatenate([hist, ma], axis=1)
    drift2 = ((ma - hist[:, :n_win]) ** 2).sum(axis=0)
    st.acc_hist = hist[:, -d.n_rest :].copy()
    still = (
        (vg < d.th_gyr2)
        & (va < d.th_acc2)
        & ((mg**2).sum(axis=0) < d.clip2)
        & (drift2 < d.th_drift2)  # NaN compares False
    )
    idx = np.arange(n_win)
    last_break = np.maximum.accumulate(np.where(still, -1, idx))
    run = idx - last_break
    run[last_break < 0] += st.still_run
    st.still_run = int(run[-1])
    return np.asarray(run >= d.n_rest)


def _bias_from_rest(
    d: _Design, st: _RestState, mg: FloatArray, rest: NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """Causal bias update from complete windows; updates ``st``.

    Returns the bias applied during each window and after the last one, (3, W+1) (window
    ``w`` uses the bias after window ``w-1``), and the rest observations (4, W): mean rate
    and a 0/1 flag for the motion-bias regression.
    """
    n_win = rest.size
    at = np.flatnonzero(rest)
    obs = np.zeros((4, n_win))
    per_window = np.empty((3, n_win + 1))
    per_window[:] = st.bias[:, None]
    if at.size == 0:
        return per_window, obs
    obs[:3, at] = mg[:, at]
    obs[3, at] = 1.0
    # b <- b + alpha (mean - b) at rest windows only: a first-order recursion on the
    # compressed sequence of rest windows, then held between them.
    # The first rest windows are averaged (running mean) until the exponential weight takes
    # over, so the first rest period already gives a good estimate.
    alpha = d.alpha_bias
    x = mg[:, at]
    vals = np.empty_like(x)
    k = int(min(max(d.n_bias_mean - st.n_rest_windows, 0), at.size))
    if k:
        counts = st.n_rest_windows + np.arange(1, k + 1, dtype=np.float64)
        cs = np.cumsum(x[:, :k], axis=1) + (st.bias * st.n_rest_windows)[:, None]
        vals[:, :k] = cs / counts
    if k < at.size:
        start = vals[:, k - 1] if k else st.bias
        vals[:, k:] = signal.lfilter(
            [alpha], [1.0, alpha - 1.0], x[:, k:], axis=1, zi=((1.0 - alpha) * start)[:, None]
        )[0]
    st.n_rest_windows += int(at.size)
    pos = np.maximum.accumulate(np.where(rest, np.cumsum(rest) - 1, -1))
    per_window[:, 1:] = np.where(pos >= 0, vals[:, np.maximum(pos, 0)], st.bias[:, None])
    st.bias = per_window[:, -1].copy()
    return per_window, obs


@dataclass
class _WindowFilter:
    """Start-up running mean, then ``sos_w``, over window means of ``k`` channels."""

    n_windows: int = 0
    init_sum: FloatArray | None = None
    zi: FloatArray | None = None  # (n_sections, k, 2) once started

    def run(self, d: _Design, means: FloatArray) -> FloatArray:
        k, n_win = means.shape
        g = np.empty((k, n_win))
        if self.init_sum is None:
            self.init_sum = np.zeros(k)
        i = 0
        if self.zi is None:
            j = min(d.n_init_w - self.n_windows, n_win)
            cs = np.cumsum(means[:, :j], axis=1) + self.init_sum[:, None]
            g[:, :j] = cs / (self.n_windows + np.arange(1, j + 1, dtype=np.float64))
            if j:
                self.init_sum = cs[:, -1].copy()
            if self.n_windows + j >= d.n_init_w:
                mean = self.init_sum / d.n_init_w
                self.zi = d.zi_unit_w[:, None, :] * mean[None, :, None]
            i = j
        if i < n_win:
            g[:, i:], self.zi = signal.sosfilt(d.sos_w, means[:, i:], axis=1, zi=self.zi)
        self.n_windows += n_win
        return g


@dataclass
class _LowPassState:
    """Window-rate low-pass of the accelerometer plus the motion-bias lag correction."""

    buf: FloatArray | None = None  # open window: (3 or 12, p) samples
    main: _WindowFilter = field(default_factory=_WindowFilter)
    drift: _WindowFilter = field(default_factory=_WindowFilter)
    last: FloatArray = field(default_factory=lambda: np.full((3, 2), np.nan))  # G'_{-2}, G'_{-1}
    u_prev: FloatArray | None = None
    info_zi: FloatArray = field(default_factory=lambda: np.zeros((9, 1)))
    drift_sum: FloatArray = field(default_factory=lambda: np.zeros(3))
    prev_g: FloatArray = field(default_factory=lambda: np.full(3, np.nan))  # G' of the last window
    prev_slope: FloatArray = field(default_factory=lambda: np.zeros(3))  # and its slope
    record: list[FloatArray] | None = None  # per-window total-bias estimates (offline use)


def _cross_cols(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.stack(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


_SYM_I = np.array([0, 0, 0, 1, 1, 2])  # distinct entries of a symmetric 3x3 matrix
_SYM_J = np.array([0, 1, 2, 1, 2, 2])


def _motion_bias_correction(
    d: _Design,
    st: _LowPassState,
    g: FloatArray,
    lr: FloatArray,
    rbar: FloatArray,
    lrb: FloatArray,
    rb: FloatArray,
    first_index: int,
    applied: FloatArray,
    rest_obs: FloatArray | None,
) -> tuple[FloatArray, FloatArray]:
    """Lag correction of the window outputs ``g`` (3, W) for a residual gyroscope bias.

    With true bias ``b`` and applied bias ``B`` gravity drifts in the gyroscope frame as
    ``du/dt = (R (b − B)) × u``. Filtering both sides with the same linear low-pass gives the
    regression ``dG/dt + LP(R B) × u ≈ −[u]× LP(R) b``; ``b`` is its exponentially weighted
    least-squares solution (``lr``/``lrb`` = low-passed window means ``rbar`` of the rotation
    entries (9, W) and ``rb`` = ``R B`` (3, W)). The drift it implies, ``D = ∫ R (b − B) dt``,
    lags through the low-pass by ``D − LP(D)``, which is rotated back:
    ``G' = G + (D − LP(D)) × G``. Everything is causal and at window rate.
    """
    n_win = g.shape[1]
    tw = d.win * d.dt
    norm = np.sqrt((g * g).sum(axis=0))
    u = g / norm
    prev = np.empty_like(u)
    prev[:, 1:] = u[:, :-1]
    prev[:, 0] = st.u_prev if st.u_prev is not None else u[:, 0]
    st.u_prev = u[:, -1].copy()
    y = (u - prev) / tw + _cross_cols(lrb, u)
    lm = lr.reshape(3, 3, n_win)  # lm[i, j] = L_ij
    # P = Lᵀ (I − u uᵀ) L ; q = Lᵀ (u × y)
    # P is symmetric: its 6 distinct entries (00, 01, 02, 11, 12, 22), then q
    ul = np.einsum("iw,ijw->jw", u, lm)  # (uᵀ L)_j
    feats = np.empty((9, n_win))
    np.einsum("kpw,kpw->pw", lm[:, _SYM_I], lm[:, _SYM_J], out=feats[:6])
    feats[:6] -= ul[_SYM_I] * ul[_SYM_J]
    np.einsum("kiw,kw->iw", lm, _cross_cols(u, y), out=feats[6:])
    # no information while the low-pass is still starting up (it is not yet the linear filter)
    settle = 2 * d.n_init_w - first_index
    if settle > 0:
        feats[:, :settle] = 0.0
        omega_mask = np.arange(n_win) >= settle
    else:
        omega_mask = None
    if rest_obs is not None:
        # rest windows observe the bias directly (window-mean rate)
        wr = d.rest_weight * rest_obs[3]
        feats[[0, 3, 5]] += wr
        feats[6:] += d.rest_weight * rest_obs[:3]
    lam = d.motion_lambda
    sums, st.info_zi = signal.lfilter([1.0], [1.0, -lam], feats, axis=1, zi=st.info_zi)
    sums[[0, 3, 5]] += d.motion_prior
    a00, a01, a02, a11, a12, a22 = sums[:6]
    rhs = sums[6:] + d.motion_prior * applied
    # closed-form symmetric 3x3 solve (adjugate / determinant), vectorised over windows
    c00 = a11 * a22 - a12 * a12
    c01 = a02 * a12 - a01 * a22
    c02 = a01 * a12 - a02 * a11
    c11 = a00 * a22 - a02 * a02
    c12 = a02 * a01 - a00 * a12
    c22 = a00 * a11 - a01 * a01
    det = a00 * c00 + a01 * c01 + a02 * c02
    b = np.stack(
        [
            c00 * rhs[0] + c01 * rhs[1] + c02 * rhs[2],
            c01 * rhs[0] + c11 * rhs[1] + c12 * rhs[2],
            c02 * rhs[0] + c12 * rhs[1] + c22 * rhs[2],
        ]
    ) / det
    if st.record is not None:
        st.record.append(b)
    rm = rbar.reshape(3, 3, n_win)
    omega = np.einsum("ijw,jw->iw", rm, b) - rb
    if omega_mask is not None:
        omega[:, ~omega_mask] = 0.0
    drift = np.cumsum(omega * tw, axis=1) + st.drift_sum[:, None]
    st.drift_sum = drift[:, -1].copy()
    lag = drift - st.drift.run(d, drift)
    gc = g + _cross_cols(lag, g)
    return gc, _cross_cols(omega * tw, gc)


def _window_lowpass(d: _Design, st: _LowPassState, x: FloatArray) -> FloatArray:
    """Causal low-pass of (3, n) samples evaluated per sample (accelerometer only); updates ``st``.

    The samples are averaged over windows of ``win`` samples; the window means are filtered at
    the window rate (running mean for the first ``n_init_w`` windows, then the low-pass from
    that steady state). A sample in window ``w`` gets ``G[w-1]`` linearly extrapolated with the
    slope ``G[w-1] - G[w-2]`` to the sample's time (no slope for the second window; the running
    mean of the samples so far in the very first window). The gyroscope filter does the same
    inside :meth:`TiltFilter._gyro_piece`.
    """
    m = d.win
    n = x.shape[1]
    if st.buf is None:
        st.buf = np.empty((3, 0))
    p = st.buf.shape[1]
    xc = np.concatenate([st.buf, x], axis=1) if p else x
    n_win = xc.shape[1] // m
    st.buf = xc[:, n_win * m :].copy()
    first_window = st.main.n_windows == 0
    g = st.main.run(d, _window_sums(xc, m) / m) if n_win else np.empty((3, 0))
    # history G_{-2}, G_{-1}, G_0 .. G_{n_win-1}; sample in window w uses columns w, w+1
    hist = np.concatenate([st.last, g], axis=1)
    st.last = hist[:, -2:].copy()
    base = hist[:, 1:]
    slope = base - hist[:, :-1]
    slope[np.isnan(slope)] = 0.0
    if p == 0 and n % m == 0:
        w = n // m
        reps = (slope[:, :w, None] * d.frac + base[:, :w, None]).reshape(3, n)
    else:
        reps = np.repeat(base, m, axis=1)[:, p : p + n]
        reps += np.repeat(slope, m, axis=1)[:, p : p + n] * np.tile(d.frac, n_win + 1)[p : p + n]
    if first_window:
        # the segment's first window has no completed window before it: running mean
        k = min(m - p, n)
        cs = np.cumsum(xc[:3, : p + k], axis=1)[:, p:]
        reps[:, :k] = cs / np.arange(p + 1, p + k + 1, dtype=np.float64)
    return reps


_N_SUMS = 20


@dataclass
class _OpenWindow:
    """The window in progress of the causal gyroscope filter.

    ``sums`` (20,): Σω, Σ|ω|², Σa, Σ|a|² (raw, for rest detection), Σ R_loc a (3) and
    Σ R_loc (9), with ``R_loc`` the rotation from the
    window start (``ea, eb``) to each sample; ``pa, pb`` is that rotation at the last sample.
    """

    count: int = 0
    ea: complex = 1.0 + 0.0j
    eb: complex = 0.0j
    pa: complex = 1.0 + 0.0j
    pb: complex = 0.0j
    sums: FloatArray = field(default_factory=lambda: np.zeros(_N_SUMS))


class _Workspace:
    """Reusable scratch arrays (avoids page-faulting fresh large arrays for every chunk)."""

    def __init__(self) -> None:
        self._bufs: dict[str, NDArray[np.float64] | NDArray[np.complex128]] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type = np.float64) -> NDArray[Any]:
        size = math.prod(shape)
        buf = self._bufs.get(name)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(max(size, 1), dtype=dtype)
            self._bufs[name] = buf
        return buf[:size].reshape(shape)


def _half_angle_quaternions(
    u: FloatArray, u2: FloatArray, c: float, da: NDArray[Any], db: NDArray[Any], t: FloatArray
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


def _normalized_columns(v: FloatArray) -> FloatArray:
    """Rows of the (n, 3) result from component-major (3, n) vectors, normalised."""
    x, y, z = v[0], v[1], v[2]
    norm = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = 1.0 / norm
    inv[~(norm > _TINY)] = np.nan  # zero (or underflowing) vectors have no direction
    v *= inv
    return v.T


# ----------------------------------------------------------------------------------------------
# streaming / causal filter


class TiltFilter:
    """Causal gravity-direction filter fed batch by batch.

    The concatenated outputs of :meth:`update` equal ``gravity_direction(all_acc, all_gyr, fs,
    causal=True)`` (to ~1e-10°), however the data are split into batches.

    Parameters
    ----------
    fs_hz : float
        Sampling rate, Hz.
    with_gyroscope : bool
        Whether gyroscope samples will be supplied (fixed for the filter's life).
    settings : TiltSettings, optional
    """

    def __init__(
        self, fs_hz: float, *, with_gyroscope: bool = True, settings: TiltSettings | None = None
    ) -> None:
        self.fs_hz = _check_rate(fs_hz)
        self.settings = settings if settings is not None else TiltSettings()
        if not isinstance(self.settings, TiltSettings):
            raise ValueError(f"settings must be a TiltSettings, got {type(settings).__name__}")
        self.with_gyroscope = bool(with_gyroscope)
        tau = self.settings.tau_acc_s if self.with_gyroscope else self.settings.tau_acc_only_s
        self._design = _Design.make(
            self.settings, self.fs_hz, tau, self.with_gyroscope and self.settings.ramp_tracking
        )
        self._rest = _RestState()
        self._ws = _Workspace()
        self.reset()

    def reset(self) -> None:
        """Forget orientation and low-pass state (e.g. after a gap); the bias is kept."""
        self._open = _OpenWindow()
        self._lp = _LowPassState()
        self._rest.restart_windows()

    @property
    def gyroscope_bias_rads(self) -> FloatArray:
        """Current gyroscope bias estimate, shape (3,), rad/s."""
        return self._rest.bias.copy()

    def update(
        self, acc_mps2: ArrayLike, gyr_rads: ArrayLike | None = None, *, gap_before: bool = False
    ) -> FloatArray:
        """Filter the next batch.

        Parameters
        ----------
        acc_mps2 : array_like, shape (n, 3)
            Accelerometer, m/s² (specific force: +g on the axis pointing up at rest).
        gyr_rads : array_like, shape (n, 3), or None
            Gyroscope, rad/s; required iff the filter was made ``with_gyroscope``.
        gap_before : bool
            Samples were lost before this batch: restart the state first.

        Returns
        -------
        ndarray, shape (n, 3)
            Unit up vector in the sensor frame; NaN rows where the input row is not finite.
        """
        acc, gyr = _check_inputs(acc_mps2, gyr_rads)
        if (gyr is not None) != self.with_gyroscope:
            raise ValueError(
                "gyr_rads must be given for a filter made with_gyroscope=True and None otherwise"
            )
        if gap_before:
            self.reset()
        n = acc.shape[0]
        out = np.empty((n, 3))
        # checked chunk by chunk, so the data are still in cache when the kernel reads them
        m = self._design.win
        step = max(m, self.settings.chunk_samples // m * m)  # whole windows: no split windows
        for i in range(0, n, step):
            a = acc[i : i + step]
            g = None if gyr is None else gyr[i : i + step]
            o = out[i : i + step]
            if _all_finite(a, g):
                self._process(a, g, o)
                continue
            good = _good_rows(a, g)
            o[~good] = np.nan
            for start, stop in _runs(good):
                if start > 0:  # after a gap
                    self.reset()
                self._process(a[start:stop], None if g is None else g[start:stop], o[start:stop])
            if not good[-1]:
                self.reset()
        return out

    def _process(self, acc: FloatArray, gyr: FloatArray | None, out: FloatArray) -> None:
        m = self._design.win
        if gyr is None:
            # whole windows per chunk, so no open window has to be carried between chunks
            c = max(m, self.settings.chunk_samples // m * m)
            for i in range(0, acc.shape[0], c):
                a = np.ascontiguousarray(acc[i : i + c].T)
                out[i : i + c] = _normalized_columns(_window_lowpass(self._design, self._lp, a))
            return
        # gyroscope: complete the open window, then whole windows, then start a new one
        n = acc.shape[0]
        i = 0
        p = self._open.count
        if p:
            i = min(m - p, n)
            self._gyro_piece(acc[:i], gyr[:i], out[:i], i, 1)
        per_chunk = max(1, self.settings.chunk_samples // m)
        n_win = (n - i) // m
        while n_win > 0:
            w = min(per_chunk, n_win)
            j = i + w * m
            self._gyro_piece(acc[i:j], gyr[i:j], out[i:j], m, w)
            i, n_win = j, n_win - w
        if i < n:
            self._gyro_piece(acc[i:], gyr[i:], out[i:], n - i, 1)

    def _gyro_piece(
        self, acc: FloatArray, gyr: FloatArray, out: FloatArray, length: int, n_win: int
    ) -> None:
        """Filter ``n_win`` windows' worth of samples, ``length`` positions each.

        Either whole windows (``length`` = window length, the open window empty) or part of
        a single window (continuing the open one). ``acc``, ``gyr`` and ``out`` are
        C-contiguous (length * n_win, 3) row blocks. The samples are rearranged to a
        (component, position-in-window, window) layout, so every per-sample operation is one
        contiguous numpy pass, window sums are reductions over the middle axis and per-window
        values broadcast without copies. Within each window the gyroscope is integrated from
        the window start (rows of the quaternion scan are the windows); the orientation at
        each window start comes from a scan over the window totals. Accelerations are summed
        in the window-start frame and rotated into ``I`` per window; the per-sample output is
        rotated back with the local rotation only.
        """
        d, st, lp, ow, ws = self._design, self._rest, self._lp, self._open, self._ws
        m, L, W = d.win, length, n_win
        c = 0.5 * d.dt
        p0 = ow.count
        done = W if p0 + L == m else W - 1  # windows completed by this piece
        n_before = lp.main.n_windows
        est = self.settings.bias_estimation
        motion = self.settings.motion_bias_estimation

        # -- samples in window layout; rest statistics per window
        u = ws.get("u", (3, L, W))
        np.copyto(u, gyr.reshape(W, L, 3).transpose(2, 1, 0))
        a = ws.get("a", (3, L, W))
        np.copyto(a, acc.reshape(W, L, 3).transpose(2, 1, 0))
        sums = np.zeros((_N_SUMS, W))  # see _OpenWindow.sums
        b0 = st.bias.copy()
        bias_w: FloatArray = np.broadcast_to(b0[:, None], (3, W))
        rest_obs = None
        if est:
            np.add.reduce(u, axis=1, out=sums[0:3])
            np.add.reduce(a, axis=1, out=sums[4:7])
            # squared norms summed per window straight from the row-major input
            g2 = gyr.reshape(W, L * 3)
            a2 = acc.reshape(W, L * 3)
            np.einsum("wk,wk->w", g2, g2, out=sums[3])
            np.einsum("wk,wk->w", a2, a2, out=sums[7])
            if p0:
                sums[:8, 0] += ow.sums[:8]
            if done:
                s = sums[:, :done] / m
                vg = np.maximum(s[3] - (s[0:3] ** 2).sum(axis=0), 0.0)
                va = np.maximum(s[7] - (s[4:7] ** 2).sum(axis=0), 0.0)
                rest = _rest_flags(d, st, s[0:3], vg, s[4:7], va)
                per_window, rest_obs = _bias_from_rest(d, st, s[0:3], rest)
                bias_w = per_window[:, :W]
        # gyroscope minus the bias applied in each window
        if est:
            u -= bias_w[:, None, :]
        u2 = ws.get("u2", (L, W))
        np.einsum("ijk,ijk->jk", u, u, out=u2)

        # -- rotation of each sample relative to its window start: exp(½ (ω − b) Δt), scanned
        da = ws.get("da", (L, W), np.complex128)
        db = ws.get("db", (L, W), np.complex128)
        _half_angle_quaternions(u, u2, c, da, db, ws.get("t0", (L, W)))
        if p0:
            pa, pb, ca, cb = ow.pa, ow.pb, da[0].copy(), db[0].copy()
            da[0] = pa * ca - pb * np.conj(cb)
            db[0] = pa * cb + pb * np.conj(ca)
        if L > 1:
            dac = ws.get("dac", (L, W), np.complex128)
            dbc = ws.get("dbc", (L, W), np.complex128)
            np.conjugate(da, out=dac)
            np.conjugate(db, out=dbc)
            t1 = ws.get("t1", (W,), np.complex128)
            t2 = ws.get("t2", (W,), np.complex128)
            for j in range(1, L):
                pa_, pb_, ca_, cb_ = da[j - 1], db[j - 1], da[j], db[j]
                # (pa + pb j)(ca + cb j) = (pa ca − pb conj(cb)) + (pa cb + pb conj(ca)) j
                np.multiply(pb_, dbc[j], out=t1)
                np.multiply(pb_, dac[j], out=t2)
                np.multiply(pa_, ca_, out=ca_)
                ca_ -= t1
                np.multiply(pa_, cb_, out=cb_)
                cb_ += t2
        # orientation at each window start: E_0 ⊗ T_0 ⊗ … ⊗ T_{w−1}
        ea = np.empty(W, dtype=np.complex128)
        eb = np.empty(W, dtype=np.complex128)
        ea[0], eb[0] = ow.ea, ow.eb
        if W > 1:
            sa, sb = quaternion_scan(da[-1, :-1].copy(), db[-1, :-1].copy(), ow.ea, ow.eb, 8)
            nrm = np.sqrt(sa.real**2 + sa.imag**2 + sb.real**2 + sb.imag**2)
            ea[1:], eb[1:] = sa / nrm, sb / nrm
        r = ws.get("r", (9, L, W))
        rotation_entries_into(da, db, r, ws.get("rt", (5, L, W)))
        x = ws.get("x", (3, L, W))
        np.einsum("ijlw,jlw->ilw", r.reshape(3, 3, L, W), a, out=x)
        np.add.reduce(x, axis=1, out=sums[8:11])
        if motion:
            np.add.reduce(r, axis=1, out=sums[11:20])
        if p0:
            sums[8:, 0] += ow.sums[8:]
        re = np.asarray(rotation_matrix_entries(ea, eb)).reshape(3, 3, W)

        # -- completed windows: low-pass in I (and the motion-bias correction)
        prev_g = lp.prev_g[:, None]
        prev_slope = lp.prev_slope[:, None]
        if done:
            red = re[:, :, :done]
            mean_x = np.einsum("ijw,jw->iw", red, sums[8:11, :done]) / m
            if motion:
                rbar = np.einsum("ijw,jkw->ikw", red, sums[11:20, :done].reshape(3, 3, done))
                rbar = rbar.reshape(9, done) / m
                applied = np.ascontiguousarray(bias_w[:, :done])
                rb = np.einsum("ijw,jw->iw", rbar.reshape(3, 3, done), applied)
                filt = lp.main.run(d, np.concatenate([mean_x, rbar, rb]))
                g, slope = _motion_bias_correction(
                    d, lp, filt[:3], filt[3:12], rbar, filt[12:], rb, n_before, applied, rest_obs
                )
            else:
                g = lp.main.run(d, mean_x)
                slope = g - np.concatenate([prev_g, g[:, :-1]], axis=1)
                slope[np.isnan(slope)] = 0.0
            base_i = np.concatenate([prev_g, g[:, : W - 1]], axis=1)
            slope_i = np.concatenate([prev_slope, slope[:, : W - 1]], axis=1)
            lp.prev_g = g[:, -1].copy()
            lp.prev_slope = slope[:, -1].copy()
        else:
            base_i, slope_i = prev_g, prev_slope

        # -- per-sample output: extrapolated low-pass, rotated back to the sensor frame
        bl = np.einsum("jiw,jw->iw", re, base_i)  # R(E_w)ᵀ G'_{w−1}
        sl = np.einsum("jiw,jw->iw", re, slope_i)
        y = ws.get("y", (3, L, W))
        np.multiply(d.frac[p0 : p0 + L, None], sl[:, None, :], out=y)
        y += bl[:, None, :]
        if n_before == 0:
            # the segment's first window: running mean of the samples so far (window frame)
            cnt = np.arange(p0 + 1, p0 + L + 1, dtype=np.float64)
            y[:, :, 0] = (np.cumsum(x[:, :, 0], axis=1) + ow.sums[8:11, None]) / cnt
        n2 = ws.get("n2", (L, W))
        np.einsum("ijk,ijk->jk", y, y, out=n2)
        small = not bool(n2.min() > _TINY * _TINY)
        np.sqrt(n2, out=n2)
        with np.errstate(divide="ignore"):  # zero-length vectors become NaN below
            np.divide(1.0, n2, out=n2)
        if small:
            n2[~(n2 < 1.0 / _TINY)] = np.nan  # zero (or underflowing) vectors have no direction
        # R_locᵀ y (|R_locᵀ y| = |y|), normalised while writing the (n, 3) output
        np.einsum("jilw,jlw->ilw", r.reshape(3, 3, L, W), y, out=x)
        np.multiply(x, n2, out=out.reshape(W, L, 3).transpose(2, 1, 0))

        # -- carry the open window / the next window start
        if done == W:
            e_a, e_b = complex(ea[-1]), complex(eb[-1])
            t_a, t_b = complex(da[-1, -1]), complex(db[-1, -1])
            qa = e_a * t_a - e_b * t_b.conjugate()
            qb = e_a * t_b + e_b * t_a.conjugate()
            q_norm = math.sqrt(abs(qa) ** 2 + abs(qb) ** 2)
            self._open = _OpenWindow(ea=qa / q_norm, eb=qb / q_norm)
        else:
            ow.count = p0 + L
            ow.pa, ow.pb = complex(da[-1, 0]), complex(db[-1, 0])
            ow.sums = sums[:, 0].copy()


# ----------------------------------------------------------------------------------------------
# offline filter


def _offline_bias(
    d: _Design, acc: FloatArray, gyr: FloatArray, runs: list[tuple[int, int]]
) -> FloatArray:
    """Per-sample offline bias (N, 3): rest-period mean rates interpolated in time."""
    centers: list[float] = []
    values: list[FloatArray] = []
    for start, stop in runs:
        st = _RestState()
        mg, rest, _ = _rest_windows(d, st, gyr[start:stop].T, acc[start:stop].T)
        if not rest.any():
            continue
        # group consecutive rest windows into periods, average each
        edges = _runs(rest)
        for ws, we in edges:
            centers.append(start + 0.5 * (ws + we) * d.win)
            values.append(mg[:, ws:we].mean(axis=1))
    n = acc.shape[0]
    if not centers:
        return np.zeros((n, 3))
    c = np.asarray(centers)
    v = np.asarray(values)
    t = np.arange(n, dtype=np.float64)
    return np.stack([np.interp(t, c, v[:, k]) for k in range(3)], axis=1)


def _offline_motion_bias(
    acc: FloatArray,
    gyr: FloatArray,
    fs: float,
    settings: TiltSettings,
    runs: list[tuple[int, int]],
) -> FloatArray:
    """Per-sample offline bias (N, 3) from the causal filter's bias estimates.

    The causal filter's total-bias estimate (rest + motion regression, exponential memory
    ``tau_motion_bias_s``) describes the bias about ``tau_motion_bias_s`` in the past, so it is
    read that much later (held at the end of the recording) and interpolated per sample.
    """
    f = TiltFilter(fs, settings=settings)
    centers: list[FloatArray] = []
    values: list[FloatArray] = []
    m = f._design.win
    shift = settings.tau_motion_bias_s * fs
    for start, stop in runs:
        f.reset()
        f._lp.record = []
        f.update(acc[start:stop], gyr[start:stop])
        if not f._lp.record:
            continue
        b = np.concatenate(f._lp.record, axis=1)
        ends = start + m * (np.arange(b.shape[1]) + 1.0)
        settle = 2 * f._design.n_init_w
        centers.append(np.asarray(ends[settle:] - shift, dtype=np.float64))
        values.append(b[:, settle:])
    n = acc.shape[0]
    if not centers or sum(c.size for c in centers) == 0:
        return np.zeros((n, 3))
    c = np.concatenate(centers)
    v = np.concatenate(values, axis=1)
    t = np.arange(n, dtype=np.float64)
    return np.stack([np.interp(t, c, v[k]) for k in range(3)], axis=1)


def _filtfilt_with_init(d: _Design, x: FloatArray) -> FloatArray:
    """Zero-phase low-pass along axis 0, each pass started in steady state at its edge mean."""
    k = min(d.n_init, x.shape[0])
    y, _ = signal.sosfilt(d.sos, x, axis=0, zi=d.zi_unit[:, :, None] * x[:k].mean(axis=0))
    yr = y[::-1]
    z, _ = signal.sosfilt(d.sos, yr, axis=0, zi=d.zi_unit[:, :, None] * yr[:k].mean(axis=0))
    return np.asarray(z[::-1])


def _offline(
    acc: FloatArray, gyr: FloatArray | None, fs: float, settings: TiltSettings
) -> FloatArray:
    tau = settings.tau_acc_offline_s if gyr is not None else settings.tau_acc_only_offline_s
    d = _Design.make(settings, fs, tau)
    n = acc.shape[0]
    out = np.full((n, 3), np.nan)
    runs = _runs(_good_rows(acc, gyr))
    bias = None
    if gyr is not None and settings.motion_bias_estimation:
        bias = _offline_motion_bias(acc, gyr, fs, settings, runs)
    elif gyr is not None and settings.bias_estimation:
        bias = _offline_bias(d, acc, gyr, runs)
    c = settings.chunk_samples
    for start, stop in runs:
        a = acc[start:stop]
        gseg = None if gyr is None else gyr[start:stop]
        bseg = None if bias is None else bias[start:stop]
        if gseg is None:
            out[start:stop] = _normalize_rows(_filtfilt_with_init(d, a))
            continue
        m = stop - start
        qa = np.empty(m, dtype=np.complex128)
        qb = np.empty(m, dtype=np.complex128)
        x = np.empty((m, 3))
        pa, pb = 1.0 + 0.0j, 0.0j
        for i in range(0, m, c):
            g = gseg[i : i + c]
            if bseg is not None:
                g = g - bseg[i : i + c]
            da, db = delta_quaternion(np.ascontiguousarray(g.T), d.dt)
            sa, sb = quaternion_scan(da, db, pa, pb)
            nrm = math.sqrt(abs(sa[-1]) ** 2 + abs(sb[-1]) ** 2)
            pa, pb = complex(sa[-1]) / nrm, complex(sb[-1]) / nrm
            qa[i : i + c], qb[i : i + c] = sa, sb
            x[i : i + c] = rotate(rotation_matrix_entries(sa, sb), np.ascontiguousarray(a[i : i + c].T)).T
        gi = _filtfilt_with_init(d, x)
        oseg = out[start:stop]
        for i in range(0, m, c):
            r = rotation_matrix_entries(qa[i : i + c], qb[i : i + c])
            oseg[i : i + c] = _normalized_columns(rotate_transposed(r, np.ascontiguousarray(gi[i : i + c].T)))
    return out


# ----------------------------------------------------------------------------------------------
# public entry point


def gravity_direction(
    acc_mps2: ArrayLike,
    gyr_rads: ArrayLike | None,
    fs_hz: float,
    *,
    causal: bool = True,
    settings: TiltSettings | None = None,
) -> FloatArray:
    """Unit vector pointing up (opposite to gravity) in the sensor frame, per sample.

    Parameters
    ----------
    acc_mps2 : array_like, shape (N, 3)
        Accelerometer, m/s² (specific force; a sensor at rest reads +9.81 along up).
    gyr_rads : array_like, shape (N, 3), or None
        Gyroscope, rad/s; None for accelerometer-only sensors.
    fs_hz : float
        Sampling rate, Hz (finite, positive).
    causal : bool
        True: only past and current samples are used (same as :class:`TiltFilter`).
        False: the whole recording is used (zero-phase low-pass, interpolated bias).
    settings : TiltSettings, optional

    Returns
    -------
    ndarray, shape (N, 3), float64
        Unit up vectors; NaN rows where the input row has a non-finite value (gaps), after
        which the filter restarts.

    Raises
    ------
    ValueError
        Bad shapes, mismatched lengths, non-numeric data, or a non-finite / non-positive rate.
    """
    fs = _check_rate(fs_hz)
    acc, gyr = _check_inputs(acc_mps2, gyr_rads)
    settings = settings if settings is not None else TiltSettings()
    if not isinstance(settings, TiltSettings):
        raise ValueError(f"settings must be a TiltSettings, got {type(settings).__name__}")
    if causal:
        return TiltFilter(fs, with_gyroscope=gyr is not None, settings=settings).update(acc, gyr)
    return _offline(acc, gyr, fs, settings)


# ----------------------------------------------------------------------------------------------
# plain sequential reference (tests only): the same filter, one sample at a time


def _gravity_direction_reference(
    acc_mps2: ArrayLike,
    gyr_rads: ArrayLike | None,
    fs_hz: float,
    settings: TiltSettings | None = None,
) -> FloatArray:
    """Per-sample loop implementation of the causal filter (slow; for tests).

    Written independently of the vectorised kernel: Hamilton quaternion products with real
    components and ``math.sin``/``math.cos``, direct-form-II-transposed biquads, and windows
    evaluated when they complete.
    """
    fs = _check_rate(fs_hz)
    acc, gyr = _check_inputs(acc_mps2, gyr_rads)
    s = settings if settings is not None else TiltSettings()
    d = _Design.make(
        s,
        fs,
        s.tau_acc_s if gyr is not None else s.tau_acc_only_s,
        gyr is not None and s.ramp_tracking,
    )
    m = d.win
    n = acc.shape[0]
    out = np.full((n, 3), np.nan)
    bias = np.zeros(3)
    n_rest_seen = 0

    class Seg:
        def __init__(self) -> None:
            self.q = np.array([1.0, 0.0, 0.0, 0.0])
            self.rest_g: list[FloatArray] = []
            self.rest_a: list[FloatArray] = []
            self.run = 0
            self.hist: list[FloatArray] = []
            self.win_x: list[FloatArray] = []
            self.n_w = 0
            self.init_sum: FloatArray | float = 0.0
            self.z: list[list[FloatArray]] | None = None
            self.out_hist: list[FloatArray] = []
            self.win_r: list[FloatArray] = []
            self.u_prev: FloatArray | None = None
            self.info = np.zeros(12)
            self.drift = np.zeros(3)
            self.dz: list[list[FloatArray]] | None = None
            self.d_sum = np.zeros(3)
            self.d_n = 0
            self.rest_obs: FloatArray | None = None
            self.slope = np.zeros(3)

    def steady(y: FloatArray) -> list[list[FloatArray]]:
        z = []
        u = y
        for b0, b1, b2, _a0, a1, a2 in d.sos_w:
            gain = (b0 + b1 + b2) / (1.0 + a1 + a2)
            yy = gain * u
            z.append([yy - b0 * u, b2 * u - a2 * yy])
            u = yy
        return z

    def biquads(z: list[list[FloatArray]], u: FloatArray) -> FloatArray:
        for sec, (b0, b1, b2, _a0, a1, a2) in zip(z, d.sos_w, strict=True):
            yy = b0 * u + sec[0]
            sec[0] = b1 * u - a1 * yy + sec[1]
            sec[1] = b2 * u - a2 * yy
            u = yy
        return u

    st = Seg()
    for k in range(n):
        a = acc[k]
        g = None if gyr is None else gyr[k]
        if not np.isfinite(a).all() or (g is not None and not np.isfinite(g).all()):
            st = Seg()
            continue
        if g is not None:
            applied = bias.copy() if s.bias_estimation else np.zeros(3)
            w = g - applied
            if s.bias_estimation:
                st.rest_g.append(g)
                st.rest_a.append(a)
                if len(st.rest_g) == m:
                    gm = np.mean(st.rest_g, axis=0)
                    am = np.mean(st.rest_a, axis=0)
                    vg = float(np.sum(np.mean((np.array(st.rest_g) - gm) ** 2, axis=0)))
                    va = float(np.sum(np.mean((np.array(st.rest_a) - am) ** 2, axis=0)))
                    # drift against the window n_rest earlier (the segment's first window early on)
                    old = st.hist[max(0, len(st.hist) - d.n_rest)] if st.hist else am
                    still = (
                        vg < d.th_gyr2
                        and va < d.th_acc2
                        and float(gm @ gm) < d.clip2
                        and float(np.sum((am - old) ** 2)) < d.th_drift2
                    )
                    st.run = st.run + 1 if still else 0
                    st.rest_obs = gm if st.run >= d.n_rest else None
                    if st.run >= d.n_rest:
                        n_rest_seen += 1
                        if n_rest_seen <= d.n_bias_mean:
                            bias = bias + (gm - bias) / n_rest_seen
                        else:
                            bias = bias + d.alpha_bias * (gm - bias)
                    st.hist.append(am)
                    st.rest_g, st.rest_a = [], []
            h = w * (0.5 * d.dt)
            ang = math.sqrt(float(h @ h))
            sc = math.sin(ang) / ang if ang > 0 else 1.0
            dw, dx, dy, dz = math.cos(ang), sc * h[0], sc * h[1], sc * h[2]
            qw, qx, qy, qz = st.q
            q = np.array(
                [
                    qw * dw - qx * dx - qy * dy - qz * dz,
                    qw * dx + qx * dw + qy * dz - qz * dy,
                    qw * dy - qx * dz + qy * dw + qz * dx,
                    qw * dz + qx * dy - qy * dx + qz * dw,
                ]
            )
            st.q = q / np.linalg.norm(q)
            qw, qx, qy, qz = st.q
            rot = np.array(
                [
                    [1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy)],
                    [2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx)],
                    [2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy)],
                ]
            )
            x = rot @ a
            st.win_r.append(rot.reshape(9))
        else:
            rot = np.eye(3)
            x = a
        j = len(st.win_x)
        st.win_x.append(x)
        if st.n_w == 0:
            y = np.mean(st.win_x, axis=0)
        else:
            base = st.out_hist[-1]
            if g is not None and s.motion_bias_estimation:
                slope = st.slope  # predicted by the bias model
            else:
                slope = base - (st.out_hist[-2] if len(st.out_hist) > 1 else base)
            y = base + slope * ((j + 0.5 * (m + 1)) / m)
        if len(st.win_x) == m:
            motion = g is not None and s.motion_bias_estimation
            mean = np.mean(st.win_x, axis=0)
            rbar = np.mean(st.win_r, axis=0) if motion else np.zeros(0)
            rbv = rbar.reshape(3, 3) @ applied if motion else np.zeros(0)
            mean = np.concatenate([mean, rbar, rbv])
            st.win_x, st.win_r = [], []
            if st.z is None:
                st.init_sum = st.init_sum + mean
                filt = st.init_sum / (st.n_w + 1)
                if st.n_w + 1 >= d.n_init_w:
                    st.z = steady(filt)
            else:
                filt = biquads(st.z, mean)
            gw = filt[:3]
            if motion:
                tw = m * d.dt
                lmat = filt[3:12].reshape(3, 3)
                u = gw / np.linalg.norm(gw)
                yv = (u - (st.u_prev if st.u_prev is not None else u)) / tw + np.cross(filt[12:], u)
                st.u_prev = u
                pmat = lmat.T @ (np.eye(3) - np.outer(u, u)) @ lmat
                feat = np.concatenate([pmat.reshape(9), lmat.T @ np.cross(u, yv)])
                settled = st.n_w >= 2 * d.n_init_w
                st.info = d.motion_lambda * st.info + (feat if settled else 0.0)
                if st.rest_obs is not None:
                    st.info = st.info + d.rest_weight * np.concatenate([np.eye(3).reshape(9), st.rest_obs])
                bhat = np.linalg.solve(
                    st.info[:9].reshape(3, 3) + d.motion_prior * np.eye(3),
                    st.info[9:] + d.motion_prior * applied,
                )
                omega = rbar.reshape(3, 3) @ bhat - rbv if settled else np.zeros(3)
                st.drift = st.drift + omega * tw
                if st.dz is None:
                    st.d_sum = st.d_sum + st.drift
                    st.d_n += 1
                    lp_drift = st.d_sum / st.d_n
                    if st.d_n >= d.n_init_w:
                        st.dz = steady(lp_drift)
                else:
                    lp_drift = biquads(st.dz, st.drift)
                gw = gw + np.cross(st.drift - lp_drift, gw)
                st.slope = np.cross(omega * tw, gw)
            st.out_hist.append(gw)
            st.n_w += 1
        up = rot.T @ y
        out[k] = up / np.linalg.norm(up)
    return out
