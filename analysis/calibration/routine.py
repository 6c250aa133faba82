"""The stand-tall + bend-forward routine, and the one rule that accepts or rejects it.

"Stand tall ~5 s, then bend forward and come back". The mean up vector of the still,
upright part defines upright; the bend's up-vector trajectory lies on a great circle through
upright whose plane normal (the smallest principal axis of the un-centred second-moment
matrix, i.e. PCA through the origin) is the medio-lateral axis. The sign is chosen so the
bend reads as positive flexion. :func:`find_routine` locates a routine, :func:`fit_routine`
fits the mounting, and :func:`check_routine` is the acceptance rule used by both
``posturelog calibrate`` and the analysis of marked routines.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from analysis.calibration._common import angle_deg, check_rate, check_up, mean_direction
from analysis.calibration.mounting import Mounting

__all__ = ["Routine", "RoutineCheck", "check_routine", "find_routine", "fit_routine"]

logger = logging.getLogger(__name__)


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
    u = check_up(up)
    fs = check_rate(fs_hz)
    n = u.shape[0]
    if n < 2:
        return None
    k = max(1, round(fs))
    # Still = the up vector moved less than ``still_deg`` over the last second. (A centred
    # moving mean would not do: it equals a slow linear bend, so a bend would look still.)
    lagged = np.vstack([np.repeat(u[:1], k, axis=0), u[:-k]])
    still = angle_deg(u, lagged) < still_deg
    # still runs long enough
    d = np.diff(still.astype(np.int8), prepend=0, append=0)
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    min_len = round(stand_s * fs)
    horizon = round(bend_within_s * fs)
    for s0, s1 in zip(starts.tolist(), stops.tolist(), strict=True):
        if s1 - s0 < min_len:
            continue
        u0 = mean_direction(u[max(s0, s1 - min_len) : s1])
        after = u[s1 : min(n, s1 + horizon)]
        if after.shape[0] == 0:
            continue
        ang = angle_deg(after, u0[None, :])
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
    u = check_up(up)
    fs = check_rate(fs_hz)
    if routine is None:
        routine = find_routine(u, fs)
        if routine is None:
            raise ValueError("no calibration routine (still stand followed by a forward bend) found")
    stand = u[routine.stand_start : routine.stand_stop]
    up0 = mean_direction(stand)
    spread = float(np.sqrt(np.nanmean(angle_deg(stand, up0[None, :]) ** 2)))
    bend = u[routine.stand_stop : routine.bend_stop]
    bend = bend[np.isfinite(bend).all(axis=1)]
    tilt = angle_deg(bend, up0[None, :])
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


@dataclass(frozen=True)
class RoutineCheck:
    """Outcome of :func:`check_routine`.

    Attributes
    ----------
    mounting : Mounting or None
        The fitted mounting (None when rejected).
    routine : Routine or None
        Where the routine was found (None when there is none).
    reason : str
        Why the routine was rejected (empty when accepted).
    """

    mounting: Mounting | None
    routine: Routine | None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        """Whether the routine calibrates the mounting."""
        return self.mounting is not None


def check_routine(
    up: ArrayLike,
    fs_hz: float,
    *,
    min_bend_deg: float,
    max_stand_spread_deg: float,
    t_ns: ArrayLike | None = None,
) -> RoutineCheck:
    """The one routine-acceptance rule (``posturelog calibrate`` and the analysis alike).

    A routine is accepted when the up trajectory holds a still stand of 4 s followed within
    20 s by a forward bend of at least ``min_bend_deg`` that comes back
    (:func:`find_routine`), the bend is planar enough to define the sagittal plane
    (:func:`fit_routine`), and the stand's RMS spread is at most ``max_stand_spread_deg``.
    There is no second algorithm to fall back on: a rejected routine calibrates nothing and
    says why.

    Parameters
    ----------
    up : array_like, shape (N, 3)
        Unit up vectors in the sensor frame over the routine (and some time around it).
    fs_hz : float
        Sampling rate, Hz.
    min_bend_deg : float
        ``AnalysisSettings.routine_min_bend_deg``.
    max_stand_spread_deg : float
        ``AnalysisSettings.routine_max_stand_spread_deg``.
    t_ns : array_like of int, shape (N,), optional
        Sample times (UTC ns); the mounting's ``fitted_ns`` is the stand's start.

    Returns
    -------
    RoutineCheck
    """
    u = check_up(up)
    fs = check_rate(fs_hz)
    routine = find_routine(u, fs, min_bend_deg=min_bend_deg)
    if routine is None:
        return RoutineCheck(None, None, (
            f"no still stand of 4 s followed by a forward bend of at least {min_bend_deg:g}° "
            "and back"))
    fitted_ns = 0 if t_ns is None else int(np.asarray(t_ns)[routine.stand_start])
    try:
        m = fit_routine(u, fs, routine=routine, fitted_ns=fitted_ns, min_bend_deg=min_bend_deg)
    except ValueError as exc:
        return RoutineCheck(None, routine, str(exc))
    spread = float(m.quality["stand_spread_deg"])
    if spread > max_stand_spread_deg:
        return RoutineCheck(None, routine, (
            f"the stand was not still ({spread:.1f}° RMS, at most {max_stand_spread_deg:g}°)"))
    return RoutineCheck(m, routine)
