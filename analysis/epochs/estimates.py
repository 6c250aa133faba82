"""The estimated upright of each wear bout that has no mounting.

A bout without a marked routine, a walking fit or a carried mounting
(:func:`analysis.epochs.mountings.choose_mountings` gave it None) still needs an upright to
measure inclination against (:func:`estimated_uprights`):

a. an estimate from its own active periods (``analysis.calibration.estimate_upright`` on
   locomotion-like movement), else from those of a neighbour joined to it only by missing
   data, else from any movement, transitions included (a weaker reference), each refined
   by the two-posture split (``analysis.upright.split_upright_lying``; the up-axis prior,
   where one is given, breaks a clear tie);
b. else its most common direction (source "none"), which a neighbour joined to it only by
   missing data replaces with its final estimate (:func:`_borrow_estimates`);
c. a bout without an upright of its own data (source "none", or one from any movement in a
   bout with a single posture) takes the up-axis prior of how the sensor is worn (source
   "prior", :mod:`analysis.upaxis`) where one is given.

The forward direction of such a bout stays unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calibration import Mounting, estimate_upright, movement_drift_deg, movement_spread_deg
from analysis.rows import unit_rows
from analysis.settings import AnalysisSettings
from analysis.upright import split_upright_lying
from vocab.units import NS_PER_S

__all__ = ["Estimate", "estimated_uprights"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoutArray = NDArray[np.int32]
BoolArray = NDArray[np.bool_]

#: The upright of one bout without a mounting: ``(up, source, confidence)``, ``up`` a unit
#: vector of shape (3,) in the sensor frame.
Estimate = tuple[FloatArray, str, str]

#: Internal source of an upright estimated from any movement, transitions included (the
#: fallback of :func:`_estimated_up`): reported as "estimated", but an up-axis prior is
#: preferred to it when the bout holds a single posture.
_WEAK = "estimated-any-movement"


def _joined_by_missing_data(a: IntArray, b: IntArray, worn: BoolArray) -> bool:
    """Whether two bouts (row indices ``a`` before ``b``) are separated only by missing data:
    no non-worn row between them, so the sensor was not taken off in between."""
    return bool(worn[a[-1] + 1:b[0]].all())


def _neighbour_estimate(
    k: int, bout: BoutArray, worn: BoolArray, upv: FloatArray, spread_deg: FloatArray,
    s: AnalysisSettings,
) -> tuple[FloatArray, int] | None:
    """Estimated upright of the nearest bout (previous first) that is separated from bout
    ``k`` only by missing data, not by non-wear: the sensor was not taken off in between,
    so its mounting is the same (e.g. a link loss in the middle of the night)."""
    n_bouts = int(bout.max()) + 1
    idx = np.flatnonzero(bout == k)
    for j in (k - 1, k + 1):
        if not 0 <= j < n_bouts:
            continue
        jdx = np.flatnonzero(bout == j)
        if not _joined_by_missing_data(*((jdx, idx) if j < k else (idx, jdx)), worn):
            continue
        est = estimate_upright(upv[jdx], spread_deg[jdx], active_deg=s.estimate_active_deg,
                               min_active_s=s.estimate_min_active_s)
        if est is not None:
            return est
    return None


def _estimated_up(k: int, idx: IntArray, feats: pd.DataFrame, bout: BoutArray,
                  upv: FloatArray, intensity: FloatArray,
                  s: AnalysisSettings,
                  fallback: FloatArray | None = None) -> Estimate:
    """Upright of a bout without a mounting: ``(up, source, confidence)``.

    Estimated from the bout's active periods (``analysis.calibration.estimate_upright``),
    else a neighbour's across missing data, else from any movement (source :data:`_WEAK`,
    reported as "estimated"), else the bout's typical direction (its most common posture,
    source "none"); the forward direction stays unknown.
    """
    est = estimate_upright(upv[idx], intensity[idx], active_deg=s.estimate_active_deg,
                           min_active_s=s.estimate_min_active_s)
    if est is None:
        est = _neighbour_estimate(k, bout, feats["worn"].to_numpy(dtype=bool), upv,
                                  intensity, s)
    if est is not None:
        conf = "medium" if est[1] >= s.estimate_confident_active_s else "low"
        return est[0], "estimated", conf
    if fallback is not None:  # any movement, transitions included: a weaker reference
        est = estimate_upright(upv[idx], fallback[idx], active_deg=s.estimate_active_deg,
                               min_active_s=s.estimate_min_active_s)
        if est is not None:
            return est[0], _WEAK, "low"
    return unit_rows(np.nanmedian(upv[idx], axis=0)), "none", "low"


def _bout_prior(idx: IntArray, prior_up: FloatArray | None) -> FloatArray | None:
    """The up-axis prior (unit, shape (3,)) of the bout with rows ``idx``: that of its first
    second with one, None when none of its seconds has one."""
    if prior_up is None:
        return None
    ok = np.flatnonzero(np.isfinite(prior_up[idx]).all(axis=1))
    return None if ok.size == 0 else unit_rows(prior_up[idx[ok[0]]])


def _borrow_estimates(est: dict[int, Estimate], bout: BoutArray,
                      worn: BoolArray) -> None:
    """Give a bout left without any estimate (source "none") the final upright of the
    nearest bout (previous first) that has one and is joined to it only by missing data.

    The sensor stayed on across a pure data gap (an RFID reader losing the tag, a Bluetooth
    link dropping), so the mounting — and with it the upright — is the one estimated next
    to it; the bout's own most common direction is no upright at all when the wearer lay
    still through it. Changes ``est`` in place (borrowed estimates keep confidence "low").
    """
    rows = {k: np.flatnonzero(bout == k) for k in est}
    own = {k: v for k, v in est.items() if v[1] in ("estimated", _WEAK)}
    for k, (_, source, _) in list(est.items()):
        if source != "none":
            continue
        for j in (k - 1, k + 1):
            if j not in own:
                continue
            a, b = (rows[j], rows[k]) if j < k else (rows[k], rows[j])
            if _joined_by_missing_data(a, b, worn):
                est[k] = (own[j][0], "estimated", "low")
                log.debug("bout %d: upright borrowed from bout %d across missing data", k, j)
                break


def estimated_uprights(feats: pd.DataFrame, fitted: Sequence[Mounting | None],
                       s: AnalysisSettings, prior_up: FloatArray | None = None,
                       ) -> tuple[dict[int, Estimate], BoolArray]:
    """The estimated upright of every wear bout without a mounting (see the module notes).

    Parameters
    ----------
    feats : DataFrame, shape (E, ...)
        Per-second features with ``bout``, ``worn``, ``n_samples``, ``up_*``, ``accdir_*``.
    fitted : sequence of Mounting or None
        One per bout (:func:`analysis.epochs.mountings.choose_mountings`); the bouts with
        None are estimated.
    s : AnalysisSettings
    prior_up : ndarray, shape (E, 3), optional
        Per second, the unit up axis of how the sensor is worn (sensor frame,
        :mod:`analysis.upaxis`); NaN rows where none is known. None: no prior anywhere.

    Returns
    -------
    estimates : dict of int to Estimate
        Per bout without a mounting: its upright, source ("estimated", "prior" or "none")
        and confidence.
    lying_hint : ndarray of bool, shape (E,)
        The lying posture of an estimated bout's two-posture split.
    """
    lying_hint = np.zeros(len(feats), dtype=bool)
    ests: dict[int, Estimate] = {}
    if not any(m is None for m in fitted):
        return ests, lying_hint
    bout = feats["bout"].to_numpy()
    counts = feats["n_samples"].to_numpy()
    sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // NS_PER_S
    upv = feats[["up_x", "up_y", "up_z"]].to_numpy()
    dirs = feats[[f"accdir_{a}" for a in "xyz"]].to_numpy()
    intensity = movement_spread_deg(sec, dirs, counts)
    # upright is estimated from movement about one direction (locomotion), not
    # from movement between postures (bending, lying down)
    drift = movement_drift_deg(sec, dirs, counts)
    locomotion = np.where(drift <= intensity, intensity, 0.0)
    for k, m in enumerate(fitted):
        if m is None:
            idx = np.flatnonzero(bout == k)
            first, how, conf = _estimated_up(k, idx, feats, bout, upv, locomotion, s,
                                             fallback=intensity)
            if how in ("estimated", _WEAK):
                split = split_upright_lying(upv[idx], intensity[idx], first,
                                            prior=_bout_prior(idx, prior_up))
                if split is not None:
                    first = split.upright
                    lying_hint[idx] = split.lying_mask
                    how = "estimated"  # two observed postures: the data's own upright
            ests[k] = (first, how, conf)
    _borrow_estimates(ests, bout, feats["worn"].to_numpy(dtype=bool))
    for k, (first, how, conf) in list(ests.items()):
        if how == "estimated":
            continue
        prior = _bout_prior(np.flatnonzero(bout == k), prior_up)
        if prior is not None:
            log.info("wear bout %d: no upright in the data; using how the sensor is worn", k)
            ests[k] = (prior, "prior", "low")
        elif how == _WEAK:
            ests[k] = (first, "estimated", conf)
    return ests, lying_hint
