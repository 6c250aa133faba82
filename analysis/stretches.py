"""Stretch verification from a back-worn IMU: what can be checked, what only timed.

The remedies of the pain articles (thoracic extension, lying knee twist, doorway pectoral
stretch, scapular squeeze) differ in what a single sensor between the shoulder blades sees:

================================  ============================================  ===============
routine                           checked by the sensor                         timing only
================================  ============================================  ===============
thoracic extension                extension beyond upright (flexion below        —
                                  ``-threshold``), held still, repetitions
lying knee twist                  lying; trunk rotation about the spine to       how far the knees
                                  each side, held; sides alternate               go down
doorway pectoral stretch          upright and still during each prompted hold    chest opening, arm
                                                                                 position (no trunk
                                                                                 motion to see)
scapular squeeze                  nothing (shoulder blades move under the        squeeze and hold
                                  sensor, the trunk does not)
================================  ============================================  ===============

Every function takes per-sample (or per-0.1 s) series — times in seconds, angles in degrees
from :func:`analysis.flexion.flexion_angles` — and returns a :class:`StretchResult` with the
repetitions, hold durations and what was verified vs only timed. A *hold* is the longest
stretch of samples within ``plateau_tol_deg`` of the hold's median angle, so the ramps in and
out of the position do not count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analysis.wear import runs
from vocab.stretchnote import STRETCH_ROUTINES

__all__ = [
    "ROUTINES",
    "StretchResult",
    "doorway_pectoral",
    "lying_knee_twist",
    "lying_twist_deg",
    "scapular_squeeze",
    "thoracic_extension",
]

FloatArray = NDArray[np.float64]

#: Routine names (``posturelog stretch ROUTINE``), as the remedy note spells them.
ROUTINES: tuple[str, ...] = STRETCH_ROUTINES


@dataclass(frozen=True)
class StretchResult:
    """Outcome of one routine.

    Attributes
    ----------
    routine : str
        One of :data:`ROUTINES`.
    reps : int
        Repetitions that met every checked condition (timed repetitions when nothing can be
        checked).
    holds_s : tuple of float
        Hold duration of each counted repetition, seconds.
    sides : tuple of str
        ``left`` / ``right`` per counted repetition (knee twist only).
    verified : tuple of str
        What the sensor checked.
    timing_only : tuple of str
        What it could not check (counted from the prompts' timing only).
    rejected : int
        Attempts seen but not counted (too short, not still, wrong direction).
    reasons : tuple of str
        Why each attempt not counted was not counted, in time order (e.g. "held 2.1 s, needs
        5 s"); prompted holds of the doorway stretch count as attempts.
    """

    routine: str
    reps: int
    holds_s: tuple[float, ...]
    verified: tuple[str, ...]
    timing_only: tuple[str, ...]
    sides: tuple[str, ...] = ()
    rejected: int = 0
    reasons: tuple[str, ...] = ()


def _series(t_s: ArrayLike, *xs: ArrayLike) -> tuple[FloatArray, ...]:
    t = np.asarray(t_s, dtype=np.float64)
    if t.ndim != 1 or t.size < 2:
        raise ValueError(f"t_s must be 1-D with at least 2 samples, got shape {t.shape}")
    if not np.all(np.diff(t) > 0):
        raise ValueError("t_s must be strictly increasing (seconds)")
    out = [t]
    for i, x in enumerate(xs):
        a = np.asarray(x, dtype=np.float64)
        if a.shape != t.shape:
            raise ValueError(f"angle series {i} must have shape {t.shape}, got {a.shape}")
        out.append(a)
    return tuple(out)


def _dt(t: FloatArray) -> float:
    return float(np.median(np.diff(t)))


def _plateau_s(t: FloatArray, x: FloatArray, tol_deg: float) -> tuple[float, float]:
    """Longest run within ``tol_deg`` of the median of ``x`` (duration, s) and its SD (deg)."""
    med = float(np.nanmedian(x))
    near = np.abs(x - med) <= tol_deg
    starts, ends, vals = runs(near)
    best, sd = 0.0, float("inf")
    dt = _dt(t) if t.size > 1 else 0.0
    for a, b, v in zip(starts, ends, vals, strict=True):
        if v:
            d = float(t[b - 1] - t[a]) + dt
            if d > best:
                best, sd = d, float(np.std(x[a:b]))
    return best, sd


def _why(hold: float, sd: float, min_hold_s: float, still_sd_deg: float,
         span: tuple[float, float] = (0.0, 0.0)) -> str:
    """Why a hold of ``hold`` s with SD ``sd``° was not counted; ``span`` is the whole
    attempt's duration (s) and SD (deg): long enough but never still means moving about."""
    if hold < min_hold_s and span[0] >= min_hold_s:
        return (f"not still: moved by {span[1]:.1f}° (SD) and held still only {hold:.1f} s, "
                f"needs {min_hold_s:g} s")
    if hold < min_hold_s:
        return f"held {hold:.1f} s, needs {min_hold_s:g} s"
    return f"not still: moved by {sd:.1f}° (SD; at most {still_sd_deg:g}°)"


def _span(t: FloatArray, x: FloatArray) -> tuple[float, float]:
    """Duration (s) and SD (deg) of a run of samples."""
    return float(t[-1] - t[0]) + (_dt(t) if t.size > 1 else 0.0), float(np.nanstd(x))


def _episodes(flag: NDArray[np.bool_]) -> list[tuple[int, int]]:
    starts, ends, vals = runs(flag)
    return [(int(a), int(b)) for a, b, v in zip(starts, ends, vals, strict=True) if v]


def thoracic_extension(
    t_s: ArrayLike,
    flexion_deg: ArrayLike,
    *,
    threshold_deg: float = 10.0,
    min_hold_s: float = 5.0,
    plateau_tol_deg: float = 5.0,
    still_sd_deg: float = 3.0,
) -> StretchResult:
    """Thoracic extension: lean back beyond upright and hold still; count repetitions.

    Parameters
    ----------
    t_s : array_like, shape (N,)
        Sample times, seconds, increasing.
    flexion_deg : array_like, shape (N,)
        Flexion beyond the calibrated upright, degrees (extension is negative).
    threshold_deg : float
        An attempt is a run of flexion below ``-threshold_deg``.
    min_hold_s : float
        The still part of a counted repetition lasts at least this long.
    plateau_tol_deg, still_sd_deg : float
        The hold is the longest part within ``plateau_tol_deg`` of the attempt's median angle;
        its SD must be at most ``still_sd_deg`` (still, not bouncing).

    Returns
    -------
    StretchResult
        Flexion instead of extension (or a hold too short or not still) is not counted.
    """
    t, f = _series(t_s, flexion_deg)
    holds: list[float] = []
    reasons: list[str] = []
    for a, b in _episodes(np.nan_to_num(f, nan=0.0) < -threshold_deg):
        hold, sd = _plateau_s(t[a:b], f[a:b], plateau_tol_deg)
        if hold >= min_hold_s and sd <= still_sd_deg:
            holds.append(round(hold, 2))
        else:
            reasons.append(_why(hold, sd, min_hold_s, still_sd_deg, _span(t[a:b], f[a:b])))
    return StretchResult(
        "thoracic-extension", len(holds), tuple(holds),
        verified=(f"extension beyond upright by more than {threshold_deg:g}°",
                  f"held still for at least {min_hold_s:g} s", "repetitions"),
        timing_only=(), rejected=len(reasons), reasons=tuple(reasons),
    )


def lying_twist_deg(up_body: ArrayLike) -> FloatArray:
    """Trunk rotation about the spine while lying on the back, degrees.

    Parameters
    ----------
    up_body : array_like, shape (N, 3)
        Up direction in the body frame (x forward, y left, z up the spine;
        :func:`analysis.flexion.body_frame_up`). Lying on the back, up ≈ +x.

    Returns
    -------
    ndarray, shape (N,)
        ``atan2(u_y, u_x)``: positive when the trunk rolls toward the wearer's right (left
        shoulder up), negative toward the left. Meaningful only while lying.
    """
    u = np.asarray(up_body, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != 3:
        raise ValueError(f"up_body must have shape (N, 3), got {u.shape}")
    return np.asarray(np.degrees(np.arctan2(u[:, 1], u[:, 0])))


def lying_knee_twist(
    t_s: ArrayLike,
    inclination_deg: ArrayLike,
    twist_deg: ArrayLike,
    *,
    lying_deg: float = 60.0,
    twist_threshold_deg: float = 15.0,
    min_hold_s: float = 10.0,
    plateau_tol_deg: float = 6.0,
    still_sd_deg: float = 4.0,
) -> StretchResult:
    """Lying knee twist: lying on the back, trunk rotated to one side and held, then the other.

    Parameters
    ----------
    t_s : array_like, shape (N,)
        Seconds.
    inclination_deg : array_like, shape (N,)
        Trunk inclination from upright (lying > ``lying_deg``).
    twist_deg : array_like, shape (N,)
        :func:`lying_twist_deg`.
    twist_threshold_deg, min_hold_s, plateau_tol_deg, still_sd_deg : float
        An attempt is a run of lying with ``|twist| > twist_threshold_deg`` on one side; it
        counts when its still hold lasts ``min_hold_s``.

    Returns
    -------
    StretchResult
        ``sides`` per repetition; ``verified`` says whether the sides alternated.
    """
    t, inc, tw = _series(t_s, inclination_deg, twist_deg)
    lying = np.nan_to_num(inc, nan=0.0) > lying_deg
    tw0 = np.nan_to_num(tw, nan=0.0)
    found: list[tuple[float, str, float]] = []  # (start, side, hold)
    why: list[tuple[float, str]] = []
    for side, mask in (("right", lying & (tw0 > twist_threshold_deg)),
                       ("left", lying & (tw0 < -twist_threshold_deg))):
        for a, b in _episodes(mask):
            hold, sd = _plateau_s(t[a:b], tw[a:b], plateau_tol_deg)
            if hold >= min_hold_s and sd <= still_sd_deg:
                found.append((float(t[a]), side, round(hold, 2)))
            else:
                why.append((float(t[a]), f"to the {side}: " + _why(
                    hold, sd, min_hold_s, still_sd_deg, _span(t[a:b], tw[a:b]))))
    found.sort()
    side_names = tuple(f[1] for f in found)
    durations = tuple(f[2] for f in found)
    alternating = all(a != b for a, b in zip(side_names, side_names[1:], strict=False))
    verified = [f"lying (inclination over {lying_deg:g}°)",
                f"trunk rotation over {twist_threshold_deg:g}° to each side",
                f"held still for at least {min_hold_s:g} s"]
    if len(side_names) >= 2:
        verified.append("sides alternated" if alternating else "sides did NOT alternate")
    return StretchResult(
        "knee-twist", len(durations), durations, verified=tuple(verified),
        timing_only=("how far the knees go down",), sides=side_names, rejected=len(why),
        reasons=tuple(w for _, w in sorted(why)),
    )


def _windows(windows: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for w in windows:
        a, b = float(w[0]), float(w[1])
        if not b > a:
            raise ValueError(f"a prompt window must end after it starts, got {w!r}")
        out.append((a, b))
    return out


def doorway_pectoral(
    t_s: ArrayLike,
    flexion_deg: ArrayLike,
    inclination_deg: ArrayLike,
    windows: Sequence[tuple[float, float]],
    *,
    upright_deg: float = 20.0,
    min_hold_s: float = 15.0,
    plateau_tol_deg: float = 4.0,
    still_sd_deg: float = 2.0,
) -> StretchResult:
    """Doorway pectoral stretch: the chest opening is not visible to a back sensor; check that
    the wearer stood upright and still through each prompted hold.

    Parameters
    ----------
    t_s, flexion_deg, inclination_deg : array_like, shape (N,)
    windows : sequence of (start_s, end_s)
        The prompted holds (same clock as ``t_s``).
    upright_deg : float
        Upright = ``|flexion| < upright_deg`` and inclination below it.
    min_hold_s, plateau_tol_deg, still_sd_deg : float

    Returns
    -------
    StretchResult
    """
    t, f, inc = _series(t_s, flexion_deg, inclination_deg)
    holds: list[float] = []
    reasons: list[str] = []
    for a_s, b_s in _windows(windows):
        inside = (t >= a_s) & (t < b_s)
        up = inside & (np.abs(np.nan_to_num(f, nan=90.0)) < upright_deg) & (
            np.nan_to_num(inc, nan=90.0) < upright_deg)
        best, best_sd = 0.0, float("inf")
        for a, b in _episodes(up):
            hold, sd = _plateau_s(t[a:b], f[a:b], plateau_tol_deg)
            if hold > best:
                best, best_sd = hold, sd
        if best >= min_hold_s and best_sd <= still_sd_deg:
            holds.append(round(best, 2))
        elif float(np.sum(up)) < 0.5 * float(np.sum(inside)):
            seen = f[inside][np.isfinite(f[inside])]
            bent = f"trunk {float(np.median(seen)):.0f}° from upright, " if seen.size else ""
            reasons.append(f"not standing upright ({bent}needs under {upright_deg:g}°)")
        else:
            span = (float(np.sum(up)) * _dt(t), float(np.nanstd(f[up])))
            reasons.append(_why(best, best_sd, min_hold_s, still_sd_deg, span))
    return StretchResult(
        "doorway-pec", len(holds), tuple(holds),
        verified=("standing upright", f"still for at least {min_hold_s:g} s in each prompted hold"),
        timing_only=("chest opening and arm position in the doorway",), rejected=len(reasons),
        reasons=tuple(reasons),
    )


def scapular_squeeze(windows: Sequence[tuple[float, float]], *, min_hold_s: float = 3.0) -> StretchResult:
    """Scapular squeeze: the shoulder blades move under the sensor, the trunk does not, so
    nothing can be verified; repetitions and holds come from the prompts' timing only.

    Parameters
    ----------
    windows : sequence of (start_s, end_s)
        Prompted squeezes the wearer confirmed (e.g. by keeping a key pressed).
    min_hold_s : float
        Shorter windows are not counted.
    """
    holds = tuple(round(b - a, 2) for a, b in _windows(windows) if b - a >= min_hold_s)
    return StretchResult(
        "scapular-squeeze", len(holds), holds, verified=(),
        timing_only=("shoulder-blade squeeze (not visible to a back-worn sensor)", "hold times"),
        rejected=len(windows) - len(holds),
    )
