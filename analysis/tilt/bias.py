"""Gyroscope bias: rest detection, the rest estimate and the motion-bias regression.

At rest (VQF's idea): a window is *still* when the rate and acceleration vary little inside it,
the mean rate is below a clip value and the mean acceleration has not drifted over the last
``rest_min_s``. After ``rest_min_s`` of still windows the bias follows the window-mean rate
(running mean of the first rest windows, then a first-order low-pass).

In motion: a residual bias makes gravity drift in the gyroscope frame; the drift is regressed
on the low-passed rotation (exponentially weighted least squares at the window rate) and the
low-pass lag it causes is corrected feed-forward. See :func:`motion_bias_correction`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from analysis.tilt._arrays import BoolArray, FloatArray, cross_cols, window_stats
from analysis.tilt.design import FilterDesign, WindowLowPass

__all__ = [
    "MotionBiasState",
    "solve_symmetric3",
    "RestState",
    "bias_from_rest",
    "motion_bias_correction",
    "rest_flags",
    "rest_windows",
]


@dataclass
class RestState:
    """Carried state of rest detection / bias estimation (component-major arrays)."""

    bias: FloatArray = field(default_factory=lambda: np.zeros(3))  # rad/s
    buf: FloatArray = field(default_factory=lambda: np.empty((6, 0)))  # gyr, acc of the open window
    still_run: int = 0
    n_rest_windows: int = 0  # rest windows seen so far (kept across gaps, like the bias)
    acc_hist: FloatArray | None = None  # (3, n_rest) last window-mean accelerations

    def restart_windows(self) -> None:
        """Start window alignment afresh (after a gap); the bias is kept."""
        self.buf = np.empty((6, 0))
        self.still_run = 0
        self.acc_hist = None


def rest_windows(
    design: FilterDesign, rest: RestState, gyr: FloatArray, acc: FloatArray
) -> tuple[FloatArray, BoolArray, int]:
    """Rest detection on the complete windows formed by the open window plus new samples.

    ``gyr`` (rad/s) and ``acc`` (m/s²) are component-major, shape (3, n). Returns window-mean
    rates (3, W), rest flags (W,), and the number of carried samples that preceded
    ``gyr[:, 0]``. Updates the open window, still-run and acceleration history in ``rest``.
    """
    n_carried = rest.buf.shape[1]
    m = design.win
    if n_carried:
        gyr = np.concatenate([rest.buf[:3], gyr], axis=1)
        acc = np.concatenate([rest.buf[3:], acc], axis=1)
    n_win = gyr.shape[1] // m
    rest.buf = np.concatenate([gyr[:, n_win * m :], acc[:, n_win * m :]])
    if n_win == 0:
        return np.empty((3, 0)), np.zeros(0, dtype=bool), n_carried
    mg, vg = window_stats(gyr[:, : n_win * m], m)
    ma, va = window_stats(acc[:, : n_win * m], m)
    return mg, rest_flags(design, rest, mg, vg, ma, va), n_carried


def rest_flags(
    design: FilterDesign,
    rest: RestState,
    mg: FloatArray,
    vg: FloatArray,
    ma: FloatArray,
    va: FloatArray,
) -> BoolArray:
    """Rest flags (W,) of complete windows.

    From their mean rate ``mg`` (3, W), summed rate variance ``vg`` (W,), mean acceleration
    ``ma`` (3, W) and summed acceleration variance ``va`` (W,); updates the still-run and
    acceleration history in ``rest``.
    """
    n_win = mg.shape[1]
    # window mean n_rest windows earlier (the segment's first window early on)
    hist = rest.acc_hist if rest.acc_hist is not None else np.repeat(ma[:, :1], design.n_rest, axis=1)
    hist = np.concatenate([hist, ma], axis=1)
    drift2 = ((ma - hist[:, :n_win]) ** 2).sum(axis=0)
    rest.acc_hist = hist[:, -design.n_rest :].copy()
    still = (
        (vg < design.th_gyr2)
        & (va < design.th_acc2)
        & ((mg**2).sum(axis=0) < design.clip2)
        & (drift2 < design.th_drift2)  # NaN compares False
    )
    idx = np.arange(n_win)
    last_break = np.maximum.accumulate(np.where(still, -1, idx))
    run = idx - last_break
    run[last_break < 0] += rest.still_run
    rest.still_run = int(run[-1])
    return np.asarray(run >= design.n_rest)


def bias_from_rest(
    design: FilterDesign, rest: RestState, mg: FloatArray, at_rest: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Causal bias update from complete windows; updates ``rest``.

    Returns the bias applied during each window and after the last one, (3, W+1) (window
    ``w`` uses the bias after window ``w-1``), and the rest observations (4, W): mean rate
    and a 0/1 flag for the motion-bias regression.
    """
    n_win = at_rest.size
    at = np.flatnonzero(at_rest)
    obs = np.zeros((4, n_win))
    per_window = np.empty((3, n_win + 1))
    per_window[:] = rest.bias[:, None]
    if at.size == 0:
        return per_window, obs
    obs[:3, at] = mg[:, at]
    obs[3, at] = 1.0
    # b <- b + alpha (mean - b) at rest windows only: a first-order recursion on the
    # compressed sequence of rest windows, then held between them.
    # The first rest windows are averaged (running mean) until the exponential weight takes
    # over, so the first rest period already gives a good estimate.
    alpha = design.alpha_bias
    x = mg[:, at]
    vals = np.empty_like(x)
    k = int(min(max(design.n_bias_mean - rest.n_rest_windows, 0), at.size))
    if k:
        counts = rest.n_rest_windows + np.arange(1, k + 1, dtype=np.float64)
        cs = np.cumsum(x[:, :k], axis=1) + (rest.bias * rest.n_rest_windows)[:, None]
        vals[:, :k] = cs / counts
    if k < at.size:
        start = vals[:, k - 1] if k else rest.bias
        vals[:, k:] = signal.lfilter(
            [alpha], [1.0, alpha - 1.0], x[:, k:], axis=1, zi=((1.0 - alpha) * start)[:, None]
        )[0]
    rest.n_rest_windows += int(at.size)
    pos = np.maximum.accumulate(np.where(at_rest, np.cumsum(at_rest) - 1, -1))
    per_window[:, 1:] = np.where(pos >= 0, vals[:, np.maximum(pos, 0)], rest.bias[:, None])
    rest.bias = per_window[:, -1].copy()
    return per_window, obs


@dataclass
class MotionBiasState:
    """Carried state of the motion-bias regression and its lag correction."""

    u_prev: FloatArray | None = None  # unit low-pass output of the previous window
    info_zi: FloatArray = field(default_factory=lambda: np.zeros((9, 1)))  # weighted sums
    drift_sum: FloatArray = field(default_factory=lambda: np.zeros(3))  # ∫ R (b − B) dt, rad
    drift: WindowLowPass = field(default_factory=WindowLowPass)  # LP of that drift
    record: list[FloatArray] | None = None  # per-window normal equations (9, W) (offline use)
    equations_only: bool = False  # while recording: skip the per-sample output (left NaN)


_SYM_I = np.array([0, 0, 0, 1, 1, 2])  # distinct entries of a symmetric 3x3 matrix
_SYM_J = np.array([0, 1, 2, 1, 2, 2])


def _regression_features(
    design: FilterDesign, state: MotionBiasState, g: FloatArray, lr: FloatArray, lrb: FloatArray
) -> FloatArray:
    """Per-window normal-equation terms (9, W): the 6 distinct entries of ``P = Lᵀ(I − uuᵀ)L``
    (00, 01, 02, 11, 12, 22), then ``q = Lᵀ (u × y)``, with ``u`` the unit low-pass output,
    ``L`` (9, W) the low-passed rotation and ``y = du/dt + LP(R B) × u``."""
    n_win = g.shape[1]
    tw = design.window_s
    norm = np.sqrt((g * g).sum(axis=0))
    u = g / norm
    prev = np.empty_like(u)
    prev[:, 1:] = u[:, :-1]
    prev[:, 0] = state.u_prev if state.u_prev is not None else u[:, 0]
    state.u_prev = u[:, -1].copy()
    y = (u - prev) / tw + cross_cols(lrb, u)
    lm = lr.reshape(3, 3, n_win)  # lm[i, j] = L_ij
    ul = np.einsum("iw,ijw->jw", u, lm)  # (uᵀ L)_j
    feats = np.empty((9, n_win))
    np.einsum("kpw,kpw->pw", lm[:, _SYM_I], lm[:, _SYM_J], out=feats[:6])
    feats[:6] -= ul[_SYM_I] * ul[_SYM_J]
    np.einsum("kiw,kw->iw", lm, cross_cols(u, y), out=feats[6:])
    return feats


def solve_symmetric3(sums: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve ``A b = rhs`` per window; ``sums[:6]`` the distinct entries of symmetric ``A``.

    Closed form (adjugate / determinant), vectorised over windows: (3, W).
    """
    a00, a01, a02, a11, a12, a22 = sums[:6]
    c00 = a11 * a22 - a12 * a12
    c01 = a02 * a12 - a01 * a22
    c02 = a01 * a12 - a02 * a11
    c11 = a00 * a22 - a02 * a02
    c12 = a02 * a01 - a00 * a12
    c22 = a00 * a11 - a01 * a01
    det = a00 * c00 + a01 * c01 + a02 * c02
    b: FloatArray = np.stack(
        [
            c00 * rhs[0] + c01 * rhs[1] + c02 * rhs[2],
            c01 * rhs[0] + c11 * rhs[1] + c12 * rhs[2],
            c02 * rhs[0] + c12 * rhs[1] + c22 * rhs[2],
        ]
    ) / det
    return b


def motion_bias_correction(
    design: FilterDesign,
    state: MotionBiasState,
    g: FloatArray,
    lowpassed: FloatArray,
    rbar: FloatArray,
    rb: FloatArray,
    first_index: int,
    applied: FloatArray,
    rest_obs: FloatArray | None,
) -> tuple[FloatArray, FloatArray]:
    """Lag correction of the window outputs ``g`` (3, W) for a residual gyroscope bias.

    With true bias ``b`` and applied bias ``B`` gravity drifts in the gyroscope frame as
    ``du/dt = (R (b − B)) × u``. Filtering both sides with the same linear low-pass gives the
    regression ``dG/dt + LP(R B) × u ≈ −[u]× LP(R) b``; ``b`` is its exponentially weighted
    least-squares solution. The drift it implies, ``D = ∫ R (b − B) dt``, lags through the
    low-pass by ``D − LP(D)``, which is rotated back: ``G' = G + (D − LP(D)) × G``. Everything
    is causal and at window rate.

    Parameters
    ----------
    g : (3, W)
        Low-passed window-mean acceleration in ``I``, m/s².
    lowpassed : (12, W)
        Low-passed ``rbar`` (9 rows) and ``rb`` (3 rows).
    rbar : (9, W)
        Window-mean rotation matrix entries (sensor → ``I``), row-major.
    rb : (3, W)
        ``rbar @ applied``, rad/s.
    first_index : int
        Windows of this segment before ``g[:, 0]``.
    applied : (3, W)
        Bias applied in each window, rad/s.
    rest_obs : (4, W) or None
        Rest windows' mean rate and a 0/1 flag (direct observations of the bias).

    Returns
    -------
    corrected : (3, W)
        ``G'``, m/s².
    slope : (3, W)
        Predicted change of ``G'`` over one window (model-based extrapolation).
    """
    n_win = g.shape[1]
    tw = design.window_s
    feats = _regression_features(design, state, g, lowpassed[:9], lowpassed[9:])
    # no information while the low-pass is still starting up (it is not yet the linear filter)
    settle = 2 * design.n_init_w - first_index
    if settle > 0:
        feats[:, :settle] = 0.0
    if rest_obs is not None:
        # rest windows observe the bias directly (window-mean rate)
        wr = design.rest_weight * rest_obs[3]
        feats[[0, 3, 5]] += wr
        feats[6:] += design.rest_weight * rest_obs[:3]
    sums, state.info_zi = signal.lfilter(
        [1.0], [1.0, -design.motion_lambda], feats, axis=1, zi=state.info_zi
    )
    if state.record is not None:
        state.record.append(sums.copy())
    sums[[0, 3, 5]] += design.motion_prior
    b = solve_symmetric3(sums, sums[6:] + design.motion_prior * applied)
    omega = np.einsum("ijw,jw->iw", rbar.reshape(3, 3, n_win), b) - rb
    if settle > 0:
        omega[:, : min(settle, n_win)] = 0.0
    drift = np.cumsum(omega * tw, axis=1) + state.drift_sum[:, None]
    state.drift_sum = drift[:, -1].copy()
    lag = drift - state.drift.run(design, drift)
    gc = g + cross_cols(lag, g)
    return gc, cross_cols(omega * tw, gc)
