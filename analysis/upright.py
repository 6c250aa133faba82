"""Upright and lying postures of a wear bout without a routine or a walk: two-posture split.

:func:`analysis.calibration.estimate_upright` takes upright from a bout's active seconds.
Two things go wrong with it on real recordings (the UCI older-people set, a sternum sensor
read at ~2 Hz): when most active seconds are restless lying or getting in and out of bed, the
estimate lands on the lying posture; and when upright time is mostly reclined sitting, the
estimate leans back with it and lying ends up just below the fixed 60° threshold (58°).

Both are about *postures*, which are still, sustained and few. So the bout's still seconds
are clustered by direction (:func:`posture_clusters`). When two sustained postures lie
≥ ``split_deg`` (45°) apart — further than reclined sitting or slouching ever holds from
upright (a reclined sitter rarely passes 45°, see ``docs/glossary.md``) — one of them is lying
and the other upright. Which is which:

* upright is the posture of the active-period estimate, unless the vigorous seconds
  (direction spread ≥ ``vigorous_deg``, 10°: walking and moving about) are clearly nearer to
  the other one (twice as many, and ≥ 10). On UCI the vigorous seconds split almost evenly
  between the two postures (7/9, 11/12: getting into and out of bed is as vigorous as the
  few steps of walking), so a simple majority picked the wrong posture as often as the
  right one;
* a clear up-axis prior (how the sensor is worn, :mod:`analysis.upaxis`) overrides both:
  when one posture is within 45° of the prior's up axis and the other beyond 60°, the
  nearer one is upright;
* a second is lying when it is nearer (by angle) to the lying posture than to the upright
  one and at least ``min_lying_deg`` (30°) from upright: the boundary between two observed
  postures is their bisector, not a fixed angle from an upright that is itself uncertain.

Nothing here knows the forward direction, so it is used only for estimated mountings; with a
routine or walking calibration the fixed threshold applies as before.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["PostureSplit", "posture_clusters", "split_upright_lying"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]


def _unit(v: FloatArray) -> FloatArray:
    n = float(np.linalg.norm(v))
    if n == 0.0 or not math.isfinite(n):
        raise ValueError("cannot normalise a zero or non-finite direction")
    return np.asarray(v / n)


def posture_clusters(
    up: ArrayLike, spread_deg: ArrayLike, *, still_deg: float = 5.0, radius_deg: float = 25.0,
    min_s: int = 20, max_clusters: int = 4,
) -> list[tuple[FloatArray, int]]:
    """Sustained postures of a bout: clusters of still seconds' up directions.

    Greedy mean shift: the still direction with the most still neighbours within
    ``radius_deg`` seeds a cluster, its centre moves to the mean of its members (5 times),
    the members are removed, and so on while a cluster holds ``min_s`` seconds.

    Parameters
    ----------
    up : array_like, shape (E, 3)
        Per-second unit up vectors (sensor frame); NaN rows are ignored.
    spread_deg : array_like, shape (E,)
        Direction spread (:func:`analysis.calibration.movement_spread_deg`), degrees.
    still_deg, radius_deg : float
        A second is still below ``still_deg`` of spread; cluster radius in degrees.
    min_s, max_clusters : int

    Returns
    -------
    list of (centre, n)
        Unit centre direction, shape (3,), and the number of still seconds in it, largest first.
    """
    u = np.asarray(up, dtype=float)
    sp = np.asarray(spread_deg, dtype=float)
    if u.ndim != 2 or u.shape[1] != 3 or sp.shape != (u.shape[0],):
        raise ValueError(f"up must have shape (E, 3) and spread_deg (E,), got {u.shape}, "
                         f"{sp.shape}")
    pts = u[(sp < still_deg) & np.isfinite(u).all(axis=1)]
    cos_r = math.cos(math.radians(radius_deg))
    out: list[tuple[FloatArray, int]] = []
    while pts.shape[0] >= min_s and len(out) < max_clusters:
        cand = pts[:: max(1, pts.shape[0] // 300)]
        c = cand[int(np.argmax(((cand @ pts.T) > cos_r).sum(axis=1)))]
        for _ in range(5):
            near = pts[(pts @ c) > cos_r]
            if near.shape[0] == 0:
                break
            c = _unit(near.mean(axis=0))
        member = (pts @ c) > cos_r
        n = int(member.sum())
        if n < min_s:
            break
        out.append((c, n))
        pts = pts[~member]
    return sorted(out, key=lambda cn: -cn[1])


@dataclass(frozen=True)
class PostureSplit:
    """A bout's upright and lying postures and which seconds are lying.

    Attributes
    ----------
    upright, lying : ndarray, shape (3,)
        Unit centre directions (sensor frame).
    lying_mask : ndarray of bool, shape (E,)
        Seconds nearer the lying posture than the upright one and ≥ ``min_lying_deg`` from
        upright.
    swapped : bool
        True when the vigorous seconds moved upright away from the active-period estimate.
    """

    upright: FloatArray
    lying: FloatArray
    lying_mask: NDArray[np.bool_]
    swapped: bool


def _angle(u: FloatArray, v: FloatArray) -> FloatArray:
    return np.asarray(np.degrees(np.arccos(np.clip(u @ v, -1.0, 1.0))))


def split_upright_lying(
    up: ArrayLike, spread_deg: ArrayLike, estimate: ArrayLike, *, split_deg: float = 45.0,
    vigorous_deg: float = 10.0, min_lying_deg: float = 30.0, still_deg: float = 5.0,
    min_s: int = 20, vigorous_ratio: float = 2.0, min_vigorous_s: int = 10,
    prior: ArrayLike | None = None, prior_near_deg: float = 45.0, prior_far_deg: float = 60.0,
) -> PostureSplit | None:
    """Upright and lying postures of a bout with an estimated upright (see the module text).

    Parameters
    ----------
    up : array_like, shape (E, 3)
        Per-second unit up vectors of the bout (sensor frame).
    spread_deg : array_like, shape (E,)
        Direction spread per second, degrees.
    estimate : array_like, shape (3,)
        Upright from :func:`analysis.calibration.estimate_upright` (or any first guess).
    split_deg, vigorous_deg, min_lying_deg, still_deg : float
    min_s : int
        Seconds a posture must hold.
    vigorous_ratio, min_vigorous_s
        The other posture becomes upright only when at least ``vigorous_ratio`` times as
        many vigorous seconds (and ``min_vigorous_s``) are nearer to it.
    prior : array_like, shape (3,), optional
        The up axis of how the sensor is worn (:mod:`analysis.upaxis`; sensor frame). When
        given and clear — one posture within ``prior_near_deg`` of it and the other beyond
        ``prior_far_deg`` — the nearer posture is upright, whatever the estimate and the
        vigorous seconds say; otherwise it is ignored (a chest sensor can sit 20–40° off).

    Returns
    -------
    PostureSplit or None
        None when the bout does not hold two sustained postures ``split_deg`` apart.
    """
    u = np.asarray(up, dtype=float)
    sp = np.asarray(spread_deg, dtype=float)
    est = _unit(np.asarray(estimate, dtype=float))
    clusters = posture_clusters(u, sp, still_deg=still_deg, min_s=min_s)
    if len(clusters) < 2:
        return None
    centres = [c for c, _ in clusters]
    # the posture the estimate belongs to (else the estimate itself), and the largest far one
    near_est = [c for c in centres if float(_angle(c, est)) < split_deg / 2]
    a = near_est[0] if near_est else est
    far = [c for c in centres if float(_angle(c, a)) >= split_deg]
    if not far:
        return None
    b = far[0]
    ok = np.isfinite(u).all(axis=1)
    vig = ok & (np.nan_to_num(sp) >= vigorous_deg)
    da = np.full(u.shape[0], np.inf)
    db = np.full(u.shape[0], np.inf)
    da[ok] = _angle(u[ok], a)
    db[ok] = _angle(u[ok], b)
    n_a = int((vig & (da < db)).sum())
    n_b = int((vig & (db < da)).sum())
    swapped = n_b >= vigorous_ratio * max(n_a, 1) and n_b >= min_vigorous_s
    if prior is not None:
        p = _unit(np.asarray(prior, dtype=float))
        pa, pb = float(_angle(a, p)), float(_angle(b, p))
        if pa <= prior_near_deg and pb > prior_far_deg:
            swapped = False
        elif pb <= prior_near_deg and pa > prior_far_deg:
            swapped = True
    upright, lying = (b, a) if swapped else (a, b)
    d_up, d_ly = (db, da) if swapped else (da, db)
    mask = ok & (d_ly < d_up) & (d_up >= min_lying_deg)
    log.debug("two postures %.0f° apart; vigorous seconds %d/%d; swapped=%s",
              float(_angle(a, b)), n_a, n_b, swapped)
    return PostureSplit(upright, lying, mask, swapped)
