"""Mounting calibration: where the wearer's upright and forward directions are in the sensor frame.

Three sources (DOMAIN §2):

``routine``
    "Stand tall ~5 s, then bend forward and come back". The mean up vector of the still,
    upright part defines upright; the bend's up-vector trajectory lies on a great circle through
    upright whose plane normal (the smallest principal axis of the un-centred second-moment
    matrix, i.e. PCA through the origin) is the medio-lateral axis. The sign is chosen so the
    bend reads as positive flexion. :func:`find_routine` locates a routine automatically.

``walking``
    Upright = mean up over walking (the mean acceleration over whole gait cycles is gravity),
    tilted back by a typical forward walking lean (``lean_deg``, default 5°: people walk with
    the trunk a few degrees forward of their stand-tall posture). The antero-posterior axis is
    the horizontal direction with the larger acceleration variance in the step-frequency band
    (AP trunk acceleration oscillates at the step frequency, medio-lateral mostly at the stride
    frequency, half of it). Variance cannot tell forward from backward, so the sign is taken
    from how the trunk pitches outside walking: people bend forward (sitting, reaching,
    slouching) far more than backward, so the 95th percentile of tilt along the AP axis is
    larger on the forward side. Known weakness: long reclined sitting (a sofa) can outweigh
    forward flexion and flip the sign (it did for half of the simulated evening mountings);
    ``quality["sign_margin_deg"]`` near zero flags it. Prefer the routine when there is one.

``default``
    No calibration: the nominal placement (sensor flat on the back, x up the spine, z out of
    the back).

:func:`detect_reattachment` flags non-wear periods across which the upright direction moved by
more than a threshold: the sensor was re-attached differently and needs a new mounting.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal

__all__ = [
    "Mounting",
    "Routine",
    "find_routine",
    "fit_routine",
    "fit_from_walking",
    "detect_reattachment",
]

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
MountingSource = Literal["routine", "walking", "default"]


def _unit(v: ArrayLike, name: str) -> FloatArray:
    a = np.asarray(v, dtype=np.float64)
    if a.shape != (3,) or not np.isfinite(a).all():
        raise ValueError(f"{name} must be a finite vector of shape (3,), got {a!r}")
    n = float(np.linalg.norm(a))
    if n == 0.0:
        raise ValueError(f"{name} must not be the zero vector")
    return a / n


@dataclass
class Mounting:
    """The wearer's body axes in the sensor frame.

    Attributes
    ----------
    up_sensor : ndarray, shape (3,)
        Unit trunk-up direction in the sensor frame when the wearer stands tall.
    forward_sensor : ndarray, shape (3,)
        Unit anterior (forward) axis in the sensor frame, orthogonal to ``up_sensor``.
    source : {"routine", "walking", "default"}
    fitted_ns : int
        Time of the data the mounting was fitted on, UTC ns (0 for the default).
    quality : dict
        Fit diagnostics (see the fitting functions), e.g. ``stand_spread_deg``,
        ``bend_peak_deg``, ``planarity``, ``n_samples``.
    """

    up_sensor: FloatArray
    forward_sensor: FloatArray
    source: MountingSource = "default"
    fitted_ns: int = 0
    quality: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        up = _unit(self.up_sensor, "up_sensor")
        fwd = _unit(self.forward_sensor, "forward_sensor")
        if abs(float(up @ fwd)) > 1e-6:
            raise ValueError(
                f"forward_sensor must be orthogonal to up_sensor (dot = {float(up @ fwd):.3g})"
            )
        if self.source not in ("routine", "walking", "default"):
            raise ValueError(f"source must be 'routine', 'walking' or 'default', got {self.source!r}")
        self.up_sensor = up
        self.forward_sensor = fwd
        self.fitted_ns = int(self.fitted_ns)

    @classmethod
    def default(cls) -> Mounting:
        """Nominal placement: sensor flat on the back, x up the spine, z out of the back."""
        return cls(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, -1.0]), "default", 0, {})

    @classmethod
    def from_axes(
        cls,
        up_sensor: ArrayLike,
        forward_hint: ArrayLike,
        source: MountingSource,
        fitted_ns: int = 0,
        quality: dict[str, Any] | None = None,
    ) -> Mounting:
        """Mounting from an up vector and a forward hint (made orthogonal to up)."""
        up = _unit(up_sensor, "up_sensor")
        hint = _unit(forward_hint, "forward_hint")
        fwd = hint - (hint @ up) * up
        if float(np.linalg.norm(fwd)) < 1e-6:
            raise ValueError("forward_hint is parallel to up_sensor")
        return cls(up, fwd / np.linalg.norm(fwd), source, fitted_ns, dict(quality or {}))

    @property
    def left_sensor(self) -> FloatArray:
        """Unit medio-lateral axis (to the wearer's left) in the sensor frame."""
        return np.asarray(np.cross(self.up_sensor, self.forward_sensor))

    def body_axes(self) -> FloatArray:
        """Rows: forward (x), left (y), up (z) in sensor coordinates, shape (3, 3).

        This is the rotation matrix taking sensor coordinates to body coordinates.
        """
        return np.stack([self.forward_sensor, self.left_sensor, self.up_sensor])


# ----------------------------------------------------------------------------------------------
# helpers


def _check_up(up: ArrayLike) -> FloatArray:
    u = np.asarray(up, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != 3:
        raise ValueError(f"up must have shape (N, 3), got {u.shape}")
    return u


def _check_rate(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not math.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs_hz must be finite and positive, got {fs_hz!r}")
    return fs


def _angle_deg(u: FloatArray, v: FloatArray) -> FloatArray:
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.degrees(np.arctan2(cross, np.sum(u * v, axis=-1)))


def _mean_direction(u: FloatArray) -> FloatArray:
    m = np.nanmean(u, axis=0)
    n = float(np.linalg.norm(m))
    if not math.isfinite(n) or n == 0.0:
        raise ValueError("no finite up vectors to average")
    return np.asarray(m / n)


# ----------------------------------------------------------------------------------------------
# calibration routine


@dataclass(frozen=True)
class Routine:
    """Sample indices of a located calibration routine (half-open ranges)."""

    stand_start: int
    stand_stop: int
    bend_stop: int
    bend_peak_deg: float


def find_routine(
    up: ArrayLike,
    fs_hz: float,
    *,
    stand_s: float = 4.0,
    still_deg: float = 2.0,
    min_bend_deg: float = 20.0,
    return_deg: float = 8.0,
    bend_within_s: float = 20.0,
) -> Routine | None:
    """Locate "stand still, bend forward ≥ ``min_bend_deg``, come back" in an up trajectory.

    Parameters
    ----------
    up : array_like, shape (N, 3)
        Up vectors in the sensor frame over a window around the marked routine.
    fs_hz : float
        Sampling rate, Hz.
    stand_s : float
        Minimum duration of the still part, s.
    still_deg : float
        The up vector must move less than this angle over one second to count as still.
    min_bend_deg, return_deg : float
        The bend must reach ``min_bend_deg`` from the still direction and then come back to
        within ``return_deg``.
    bend_within_s : float
        The bend must start and end within this time after the still part.

    Returns
    -------
    Routine or None
        The first routine found (None if there is none).
    """
    u = _check_up(up)
    fs = _check_rate(fs_hz)
    n = u.shape[0]
    if n < 2:
        return None
    k = max(1, round(fs))
    # Still = the up vector moved less than ``still_deg`` over the last second. (A centred
    # moving mean would not do: it equals a slow linear bend, so a bend would look still.)
    lagged = np.vstack([np.repeat(u[:1], k, axis=0), u[:-k]])
    still = _angle_deg(u, lagged) < still_deg
    # still runs long enough
    d = np.diff(still.astype(np.int8), prepend=0, append=0)
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    min_len = round(stand_s * fs)
    horizon = round(bend_within_s * fs)
    for s0, s1 in zip(starts.tolist(), stops.tolist(), strict=True):
        if s1 - s0 < min_len:
            continue
        u0 = _mean_direction(u[max(s0, s1 - min_len) : s1])
        after = u[s1 : min(n, s1 + horizon)]
        if after.shape[0] == 0:
            continue
        ang = _angle_deg(after, u0[None, :])
        ang = np.where(np.isfinite(ang), ang, 0.0)
        peak = int(np.argmax(ang))
        if ang[peak] < min_bend_deg:
            continue
        back = np.flatnonzero(ang[peak:] < return_deg)
        if back.size == 0:
            continue
        return Routine(int(max(s0, s1 - min_len)), int(s1), int(s1 + peak + back[0]), float(ang[peak]))
    return None


def fit_routine(
    up: ArrayLike,
    fs_hz: float,
    *,
    routine: Routine | None = None,
    fitted_ns: int = 0,
    min_bend_deg: float = 15.0,
) -> Mounting:
    """Mounting from a "stand tall, then bend forward" routine.

    Parameters
    ----------
    up : array_like, shape (N, 3)
        Up vectors in the sensor frame (e.g. offline :func:`~analysis.tilt.gravity_direction`)
        covering the routine.
    fs_hz : float
        Sampling rate, Hz.
    routine : Routine, optional
        Where the routine is; located with :func:`find_routine` when omitted.
    fitted_ns : int
        Time stamp stored in the result.
    min_bend_deg : float
        Minimum bend needed to define the sagittal plane.

    Returns
    -------
    Mounting
        ``source="routine"``; ``quality`` holds ``stand_spread_deg`` (RMS angle of the stand
        samples from their mean), ``bend_peak_deg``, ``planarity`` (RMS out-of-plane / in-plane
        spread of the bend; small is good), ``n_bend`` samples.

    Raises
    ------
    ValueError
        No routine found, or the bend is too small / not planar enough to define the axes.
    """
    u = _check_up(up)
    fs = _check_rate(fs_hz)
    if routine is None:
        routine = find_routine(u, fs)
        if routine is None:
            raise ValueError("no calibration routine (still stand followed by a forward bend) found")
    stand = u[routine.stand_start : routine.stand_stop]
    up0 = _mean_direction(stand)
    spread = float(np.sqrt(np.nanmean(_angle_deg(stand, up0[None, :]) ** 2)))
    bend = u[routine.stand_stop : routine.bend_stop]
    bend = bend[np.isfinite(bend).all(axis=1)]
    tilt = _angle_deg(bend, up0[None, :])
    moving = bend[tilt > 0.25 * max(min_bend_deg, float(tilt.max(initial=0.0)))]
    peak = float(tilt.max(initial=0.0))
    if peak < min_bend_deg or moving.shape[0] < 3:
        raise ValueError(f"forward bend of {peak:.1f}° is too small to calibrate (need {min_bend_deg}°)")
    # plane through the origin containing up0 and the bend: smallest principal axis
    pts = np.vstack([moving, up0[None, :]])
    w, v = np.linalg.eigh(pts.T @ pts)
    normal = v[:, 0]
    normal = normal - (normal @ up0) * up0
    normal /= np.linalg.norm(normal)
    planarity = float(math.sqrt(max(w[0], 0.0) / max(w[1], 1e-300)))
    # forward = normal × up0 or its opposite; bending forward moves up towards -forward
    fwd = np.cross(normal, up0)
    if float(np.mean(moving @ fwd)) > 0:
        fwd = -fwd
    quality = {
        "stand_spread_deg": spread,
        "bend_peak_deg": peak,
        "planarity": planarity,
        "n_bend": int(moving.shape[0]),
    }
    if planarity > 0.35:
        raise ValueError(f"bend is not planar enough to define the sagittal plane (planarity {planarity:.2f})")
    logger.debug("routine calibration: %s", quality)
    return Mounting(up0, fwd / np.linalg.norm(fwd), "routine", fitted_ns, quality)


# ----------------------------------------------------------------------------------------------
# walking


def fit_from_walking(
    acc_mps2: ArrayLike,
    up: ArrayLike,
    fs_hz: float,
    walking_mask: ArrayLike,
    *,
    upright_mask: ArrayLike | None = None,
    lean_deg: float = 5.0,
    step_band_hz: tuple[float, float] = (1.3, 3.0),
    fitted_ns: int = 0,
    min_walking_s: float = 30.0,
) -> Mounting:
    """Mounting from walking periods (no guided routine needed).

    Parameters
    ----------
    acc_mps2 : array_like, shape (N, 3)
        Accelerometer, m/s².
    up : array_like, shape (N, 3)
        Up vectors in the sensor frame (same samples).
    fs_hz : float
        Sampling rate, Hz (must exceed ``2 * step_band_hz[1]``).
    walking_mask : array_like of bool, shape (N,)
        Samples known to be walking.
    upright_mask : array_like of bool, shape (N,), optional
        Worn, non-walking, non-lying samples used to choose the forward sign (people flex
        forward far more than they extend). Default: non-walking samples within 60° of the
        walking upright.
    lean_deg : float
        Typical forward trunk lean while walking relative to standing tall, degrees; the
        walking mean is tilted back by this much.
    step_band_hz : (float, float)
        Band containing the step frequency, Hz.
    fitted_ns : int
        Time stamp stored in the result.
    min_walking_s : float
        Minimum walking time required, s.

    Returns
    -------
    Mounting
        ``source="walking"``; ``quality`` holds ``walking_s``, ``ap_ml_ratio`` (step-band
        standard deviation along AP over ML; near 1 means the axis is poorly defined) and
        ``sign_margin_deg`` (forward minus backward 95th-percentile tilt; near 0 means the
        forward sign is a guess).
    """
    acc = np.asarray(acc_mps2, dtype=np.float64)
    u = _check_up(up)
    fs = _check_rate(fs_hz)
    walk = np.asarray(walking_mask, dtype=bool)
    if acc.shape != u.shape:
        raise ValueError(f"acc_mps2 and up must have the same shape, got {acc.shape} and {u.shape}")
    if walk.shape != (u.shape[0],):
        raise ValueError(f"walking_mask must have shape ({u.shape[0]},), got {walk.shape}")
    if not 0 < step_band_hz[0] < step_band_hz[1] < 0.5 * fs:
        raise ValueError(f"step_band_hz {step_band_hz} must lie inside (0, fs/2)")
    good: BoolArray = np.asarray(np.isfinite(acc).all(axis=1) & np.isfinite(u).all(axis=1))
    walk_good = walk & good
    walking_s = float(walk_good.sum()) / fs
    if walking_s < min_walking_s:
        raise ValueError(f"only {walking_s:.0f} s of walking; need {min_walking_s:.0f} s")
    up_walk = _mean_direction(u[walk_good])
    # linear acceleration, band-passed around the step frequency, per walking run
    lin = np.where(good[:, None], acc - 9.81 * np.where(good[:, None], u, 0.0), 0.0)
    sos = signal.butter(2, step_band_hz, btype="bandpass", fs=fs, output="sos")
    d = np.diff(walk_good.astype(np.int8), prepend=0, append=0)
    cov = np.zeros((3, 3))
    for s0, s1 in zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True):
        if s1 - s0 < round(2 * fs):
            continue
        seg = signal.sosfiltfilt(sos, lin[s0:s1], axis=0)
        edge = min(round(0.5 * fs), (s1 - s0) // 4)
        seg = seg[edge : seg.shape[0] - edge]
        cov += seg.T @ seg
    # horizontal plane basis
    e1 = np.cross(up_walk, [1.0, 0.0, 0.0])
    if np.linalg.norm(e1) < 0.5:
        e1 = np.cross(up_walk, [0.0, 1.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(up_walk, e1)
    basis = np.stack([e1, e2])
    c2 = basis @ cov @ basis.T
    w, v = np.linalg.eigh(c2)
    ap = basis.T @ v[:, 1]
    ap_ml_ratio = float(math.sqrt(w[1] / max(w[0], 1e-300)))
    # forward sign from the asymmetry of trunk pitch outside walking
    if upright_mask is None:
        others = good & ~walk
        others &= _angle_deg(np.where(good[:, None], u, np.nan), up_walk[None, :]) < 60.0
    else:
        um = np.asarray(upright_mask, dtype=bool)
        if um.shape != walk.shape:
            raise ValueError(f"upright_mask must have shape {walk.shape}, got {um.shape}")
        others = um & good
    pitch = np.degrees(np.arcsin(np.clip(-(u[others] @ ap), -1.0, 1.0)))
    margin = 0.0
    if pitch.size:
        margin = float(np.percentile(pitch, 95) - np.percentile(-pitch, 95))
    if margin < 0:
        ap = -ap
        margin = -margin
    else:
        margin = margin if pitch.size else 0.0
    if pitch.size == 0:
        logger.warning("fit_from_walking: no non-walking samples; the forward sign is a guess")
    # stand-tall upright: walking mean tilted back by the typical walking lean
    # walking up = cos(lean) z_B - sin(lean) x_B, so z_B ≈ cos(lean) up_walk + sin(lean) ap
    lean = math.radians(lean_deg)
    up0 = math.cos(lean) * up_walk + math.sin(lean) * ap
    quality = {"walking_s": walking_s, "ap_ml_ratio": ap_ml_ratio, "sign_margin_deg": margin}
    if ap_ml_ratio < 1.1:
        logger.warning("fit_from_walking: AP/ML step-band ratio %.2f; forward axis uncertain", ap_ml_ratio)
    return Mounting.from_axes(up0, ap, "walking", fitted_ns, quality)


# ----------------------------------------------------------------------------------------------
# re-attachment


def detect_reattachment(
    up: ArrayLike,
    worn: ArrayLike,
    fs_hz: float,
    *,
    walking: ArrayLike | None = None,
    threshold_deg: float = 20.0,
    window_s: float = 120.0,
    min_nonwear_s: float = 60.0,
) -> list[int]:
    """Indices where the sensor was re-attached with a different mounting.

    For every non-wear period of at least ``min_nonwear_s`` between two worn periods, the
    typical up direction just before and just after is compared: the mean over walking samples
    in the ``window_s`` next to the gap when ``walking`` is given and there are some, otherwise
    the median direction over all worn samples in that window. A change larger than
    ``threshold_deg`` means a new mounting is needed from the first worn sample after the
    gap.

    Parameters
    ----------
    up : array_like, shape (N, 3)
    worn : array_like of bool, shape (N,)
    fs_hz : float
    walking : array_like of bool, shape (N,), optional
    threshold_deg, window_s, min_nonwear_s : float

    Returns
    -------
    list of int
        First worn sample index after each re-attachment.
    """
    u = _check_up(up)
    fs = _check_rate(fs_hz)
    w = np.asarray(worn, dtype=bool)
    if w.shape != (u.shape[0],):
        raise ValueError(f"worn must have shape ({u.shape[0]},), got {w.shape}")
    wk = None if walking is None else np.asarray(walking, dtype=bool)
    if wk is not None and wk.shape != w.shape:
        raise ValueError(f"walking must have shape {w.shape}, got {wk.shape}")
    good = w & np.isfinite(u).all(axis=1)
    d = np.diff(w.astype(np.int8), prepend=0, append=0)
    wear_starts, wear_stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    win = max(1, round(window_s * fs))
    out: list[int] = []

    def typical(lo: int, hi: int) -> FloatArray | None:
        sel = np.arange(lo, hi)
        sel = sel[good[lo:hi]]
        if sel.size == 0:
            return None
        if wk is not None and wk[sel].sum() >= round(5 * fs):
            return _mean_direction(u[sel[wk[sel]]])
        m = np.median(u[sel], axis=0)
        n = float(np.linalg.norm(m))
        return None if n == 0 else np.asarray(m / n)

    for i in range(1, wear_starts.size):
        gap = wear_starts[i] - wear_stops[i - 1]
        if gap < min_nonwear_s * fs:
            continue
        before = typical(max(wear_starts[i - 1], wear_stops[i - 1] - win), wear_stops[i - 1])
        after = typical(wear_starts[i], min(wear_stops[i], wear_starts[i] + win))
        if before is None or after is None:
            continue
        if float(_angle_deg(before[None, :], after[None, :])[0]) > threshold_deg:
            out.append(int(wear_starts[i]))
    return out


# ----------------------------------------------------------------------------------------------
# upright estimated from the data (no routine, no walking)


def movement_spread_deg(
    sec: ArrayLike, dir_mean: ArrayLike, n_samples: ArrayLike, window_s: int = 5
) -> FloatArray:
    """Angular spread (degrees) of the acceleration direction over a centred window, per second.

    ``arccos(R)`` with ``R`` the length of the mean unit acceleration vector over the window
    (the circular-statistics resultant length): 0° when the direction does not move, ~10°
    during walking (the trunk sways and each step adds a forward/vertical acceleration).
    Unlike an SD of the acceleration it ignores noise in the magnitude (the UCI RFID sensor
    reads its magnitude noisily while lying: magnitude SD 0.9 m/s² lying vs 0.6 m/s² walking,
    direction spread 3° vs 10°), and it needs no particular rate.

    Parameters
    ----------
    sec : array_like of int, shape (E,)
        Whole UTC seconds, increasing (gaps allowed).
    dir_mean : array_like, shape (E, 3)
        Per-second mean of the per-sample unit acceleration vectors (not normalised).
    n_samples : array_like of int, shape (E,)
        Samples in each second.
    window_s : int
        Window length (s).

    Returns
    -------
    ndarray, shape (E,)
    """
    import pandas as pd  # analysis may use pandas; kept local to this helper

    s = np.asarray(sec, dtype=np.int64)
    d = np.asarray(dir_mean, dtype=float)
    n = np.asarray(n_samples, dtype=float)
    if d.shape != (s.size, 3) or n.shape != (s.size,):
        raise ValueError(f"dir_mean must have shape ({s.size}, 3) and n_samples ({s.size},)")
    if s.size == 0:
        return np.zeros(0)
    pos = s - s[0]
    size = int(pos[-1]) + 1
    gn = np.zeros(size)
    gn[pos] = n
    cnt = pd.Series(gn).rolling(window_s, center=True, min_periods=1).sum().to_numpy()[pos]
    tot = np.zeros((s.size, 3))
    for i in range(3):
        g = np.zeros(size)
        g[pos] = np.nan_to_num(d[:, i]) * n
        tot[:, i] = pd.Series(g).rolling(window_s, center=True, min_periods=1).sum().to_numpy()[pos]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.linalg.norm(tot, axis=1) / cnt
    return np.asarray(np.degrees(np.arccos(np.clip(np.nan_to_num(r, nan=1.0), 0.0, 1.0))))


def estimate_upright(
    up: ArrayLike,
    spread_deg: ArrayLike,
    *,
    active_deg: float = 7.0,
    cluster_deg: float = 30.0,
    min_active_s: int = 10,
) -> tuple[FloatArray, int] | None:
    """Upright direction of a wear bout from its active periods (no routine, no walking).

    People move about upright: walking, standing and moving, getting things; lying and
    sitting are the still postures. postuR (the posture package for the chest-worn Zio
    patch) likewise takes upright from walking-like periods. So the seconds whose
    acceleration direction spreads by more than ``active_deg`` over 5 s
    (:func:`movement_spread_deg`; sitting and lying: median 1–4°, 90th percentile ≤ 5°;
    walking: median ~10° on the FORTH-TRACE and UCI sets) are collected,
    and upright is the mean direction of their densest cluster (seconds within
    ``cluster_deg`` of it, found by mean shift from the direction with the most neighbours).
    Transitions (lying down, turning in bed) are active too, but spread over many directions
    and so never form the densest cluster unless the bout holds nothing else.

    Parameters
    ----------
    up : array_like, shape (E, 3)
        Per-second unit up vectors (sensor frame) of the bout.
    spread_deg : array_like, shape (E,)
        :func:`movement_spread_deg`.
    active_deg, cluster_deg : float
    min_active_s : int
        Fewer active seconds in the cluster: no estimate (None).

    Returns
    -------
    (upright, n) or None
        Unit upright direction in the sensor frame and the number of active seconds it rests
        on (a confidence measure).
    """
    u = _check_up(up)
    spread = np.asarray(spread_deg, dtype=float)
    if spread.shape != (u.shape[0],):
        raise ValueError(f"spread_deg must have shape ({u.shape[0]},), got {spread.shape}")
    act = u[(spread > active_deg) & np.isfinite(u).all(axis=1)]
    if act.shape[0] < min_active_s:
        return None
    cos_lim = math.cos(math.radians(cluster_deg))
    cand = act[:: max(1, act.shape[0] // 400)]
    votes = ((cand @ act.T) > cos_lim).sum(axis=1)
    c = cand[int(np.argmax(votes))]
    for _ in range(5):
        near = act[(act @ c) > cos_lim]
        if near.shape[0] == 0:
            break
        c = _mean_direction(near)
    n = int(((act @ c) > cos_lim).sum())
    if n < min_active_s:
        return None
    return c, n
