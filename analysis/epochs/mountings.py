"""Wear bouts and the mounting of each: which calibration every worn second uses.

A wear bout is a run of worn seconds separated from the next by at least
``calibration_min_bout_s`` of non-wear or missing data. Each bout gets a mounting
(``analysis.calibration.Mounting``), in this order:

a. a marked stand-tall + bend routine inside the bout (``calibration_marks``) that passes
   the one acceptance rule (``analysis.calibration.check_routine``; a rejected routine
   calibrates nothing and its reason is recorded, :attr:`BoutCandidates.rejected`);
b. the previous bout's (or previous day's) mounting when
   ``analysis.calibration.detect_reattachment`` sees no change of the typical up direction
   across the non-wear gap (a detector false alarm must not cost a calibration);
c. ``analysis.calibration.fit_from_walking`` on the bout (upright = walking mean tilted back
   by ``walking_lean_deg``; forward axis from step-band acceleration), with the forward
   *sign* checked by brief excursions (:func:`_check_forward_sign`);
d. the previous mounting; else the next bout's when the sensor was not re-attached in
   between; else none (the upright is then estimated, :func:`bout_angles`).

The fits that need per-sample data (routines, walking) do not depend on the mounting
carried in from the day before: :func:`bout_candidates` makes them once, where the samples
are (possibly in a worker process), and :func:`choose_mountings` applies the order above
given the carried mounting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calibration import (
    Mounting,
    check_routine,
    detect_reattachment,
    estimate_upright,
    fit_from_walking,
    movement_drift_deg,
    movement_spread_deg,
)
from analysis.epochs.features import unit_rows
from analysis.flexion import flexion_angles
from analysis.settings import AnalysisSettings
from analysis.upright import split_upright_lying
from analysis.wear import runs
from vocab.units import NS_PER_S

__all__ = [
    "BoutAngles",
    "BoutCandidates",
    "BoutRecord",
    "bout_angles",
    "bout_candidates",
    "choose_mountings",
    "marks_ns",
    "wear_bouts",
]

log = logging.getLogger(__name__)

_NS = NS_PER_S

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoutArray = NDArray[np.int32]
BoolArray = NDArray[np.bool_]
LabelArray = NDArray[np.object_]


class BoutRecord(TypedDict):
    """The calibration of one wear bout.

    ``start``/``end`` (UTC; end exclusive), ``source`` (routine/walking/estimated/prior/none),
    ``confidence`` (high/medium/low), ``up_sensor``/``forward_sensor`` (unit vectors in the
    sensor frame; forward None without a mounting, up None when not even estimated) and
    ``quality`` (the fit's diagnostics, :class:`~analysis.calibration.Mounting`).
    """

    bout: int
    start: pd.Timestamp
    end: pd.Timestamp
    source: str
    confidence: str
    up_sensor: list[float] | None
    forward_sensor: list[float] | None
    quality: dict[str, object]


def wear_bouts(epochs: pd.DataFrame, s: AnalysisSettings) -> BoutArray:
    """Wear bout number per second (-1 for non-wear)."""
    sec = pd.DatetimeIndex(epochs.index).as_unit("ns").asi8 // _NS
    worn = epochs["worn"].to_numpy(dtype=bool)
    bout = np.full(sec.size, -1, dtype=np.int32)
    if sec.size == 0:
        return bout
    # a bout ends at non-wear runs or data gaps lasting >= calibration_min_bout_s
    starts, ends, vals = runs(worn)
    current = -1
    last_end_s: int | None = None
    for a, b, v in zip(starts, ends, vals, strict=True):
        if not v:
            continue
        if last_end_s is None or sec[a] - last_end_s >= s.calibration_min_bout_s:
            current += 1
        # data gaps inside a worn run also split it
        inner = np.flatnonzero(np.diff(sec[a:b]) >= s.calibration_min_bout_s) + a + 1
        edges = np.concatenate(([a], inner, [b]))
        for k in range(edges.size - 1):
            if k > 0:
                current += 1
            bout[edges[k]:edges[k + 1]] = current
        last_end_s = int(sec[b - 1]) + 1
    return bout



def marks_ns(marks: pd.DataFrame | None) -> list[tuple[int, int]]:
    """``(start_ns, end_ns)`` of calibration marks (``start``, ``end`` columns), sorted."""
    if marks is None or len(marks) == 0:
        return []
    for c in ("start", "end"):
        if c not in marks.columns:
            raise ValueError(f"calibration_marks lack column '{c}'")
    a = pd.DatetimeIndex(pd.to_datetime(marks["start"], utc=True)).as_unit("ns").asi8
    b = pd.DatetimeIndex(pd.to_datetime(marks["end"], utc=True)).as_unit("ns").asi8
    return sorted(zip(a.tolist(), b.tolist(), strict=True))


def _check_forward_sign(
    m: Mounting, sec: IntArray, upv: FloatArray, s: AnalysisSettings,
    window_s: int = 121, min_excursion_deg: float = 8.0,
) -> Mounting:
    """Choose the sign of a walking-fitted forward axis from brief excursions.

    Walking fixes the antero-posterior *axis* but not its sign. The sign "people flex forward
    more than they extend" fails on a day of reclined sofa sitting, which is sustained. Brief
    excursions are different: reaching, picking something up and bending are forward, brief
    backward leans of many degrees are rare. So the pitch (upright, non-walking seconds) minus
    its 2-min running median is summed over excursions beyond ``min_excursion_deg``; a
    negative sum flips the forward axis (and the walking-lean correction with it).
    """
    if sec.size < window_s:
        return m
    pitch = np.degrees(np.arcsin(np.clip(-(upv @ m.forward_sensor), -1.0, 1.0)))
    grid = np.full(int(sec[-1] - sec[0]) + 1, np.nan)
    grid[sec - sec[0]] = pitch
    base = pd.Series(grid).rolling(window_s, center=True, min_periods=window_s // 4).median()
    resid = pitch - base.to_numpy()[sec - sec[0]]
    big = np.abs(resid) > min_excursion_deg
    score = float(np.nansum(resid[big]))
    m.quality["excursion_score_deg_s"] = score
    if score >= 0:
        return m
    lean = np.radians(s.walking_lean_deg)
    up_walk = np.cos(lean) * m.up_sensor - np.sin(lean) * m.forward_sensor
    ap = -m.forward_sensor
    up0 = np.cos(lean) * up_walk + np.sin(lean) * ap
    log.info("walking calibration: forward sign flipped by brief excursions (%.0f deg·s)", score)
    return Mounting.from_axes(up0, ap, "walking", m.fitted_ns, {**m.quality, "sign_flipped": True})


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


def _confidence(m: Mounting) -> str:
    """Confidence of a mounting: routine high; walking high unless its forward axis is weak
    (AP/ML step-band ratio < 1.1), its sign was flipped by excursions, or it rests on less
    than 2 min of walking (then medium); the nominal default low."""
    if m.source == "routine":
        return "high"
    if m.source == "walking":
        q = m.quality
        weak = (float(q.get("ap_ml_ratio", 2.0)) < 1.1 or bool(q.get("sign_flipped", False))
                or float(q.get("walking_s", 120.0)) < 120.0)
        return "medium" if weak else "high"
    return "low"




@dataclass
class BoutCandidates:
    """The carry-independent mounting fits of one day's wear bouts.

    Attributes
    ----------
    first : list of int
        Index (into the day's seconds) of each bout's first second.
    reattached : frozenset of int
        Second indices where a re-attachment was seen (first worn second after the gap).
    routine : list of Mounting or None
        Per bout: the first marked routine inside it that was accepted.
    walking : dict of int to Mounting or None
        Walking fits of the bouts that may need one whatever mounting is carried in (the
        bouts that need one when nothing is carried; with a carried mounting they are a
        subset), None where the fit was not possible.
    rejected : list of str
        Marked routines that were rejected: when (UTC) and why.
    """

    first: list[int]
    reattached: frozenset[int]
    routine: list[Mounting | None]
    walking: dict[int, Mounting | None] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)

    @property
    def n_bouts(self) -> int:
        """Number of wear bouts."""
        return len(self.first)


#: Samples around a calibration mark that its routine is looked for in (s).
MARK_PAD_S = 3.0


def _bout_routine(t_ns: IntArray, up: FloatArray, fs_hz: float,
                  marks: list[tuple[int, int]], t0: int, t1: int, s: AnalysisSettings,
                  rejected: list[str]) -> Mounting | None:
    """The first marked routine overlapping samples ``t0`` … ``t1`` (ns) that passes
    ``analysis.calibration.check_routine``; the reasons of those that do not are appended
    to ``rejected``."""
    pad = int(MARK_PAD_S * _NS)
    for a, b in marks:
        if b < t0 or a > t1:
            continue
        i0 = int(np.searchsorted(t_ns, a - pad))
        i1 = int(np.searchsorted(t_ns, b + pad))
        u = up[i0:i1]
        ok = np.isfinite(u).all(axis=1)
        check = check_routine(u[ok], fs_hz, t_ns=t_ns[i0:i1][ok],
                              min_bend_deg=s.routine_min_bend_deg,
                              max_stand_spread_deg=s.routine_max_stand_spread_deg)
        if check.mounting is not None:
            return check.mounting
        when = pd.Timestamp(a, unit="ns", tz="UTC").isoformat()
        log.warning("calibration routine at %s rejected: %s", when, check.reason)
        rejected.append(f"{when}: {check.reason}")
    return None


def _bout_walking(k: int, idx: IntArray, acc: FloatArray, up: FloatArray, fs_hz: float,
                  sec: IntArray, counts: IntArray, first_sample: IntArray,
                  walk: BoolArray, upv: FloatArray, s: AnalysisSettings) -> Mounting | None:
    """Walking fit of bout ``k`` (seconds ``idx``), None with too little walking or on failure."""
    lo = int(first_sample[idx[0]])
    hi = int(first_sample[idx[-1]] + counts[idx[-1]])
    bsec = np.zeros(sec.size, dtype=bool)
    bsec[idx] = True
    wsec = bsec & walk
    if wsec.sum() < s.calibration_min_walking_s:
        return None
    u_walk = unit_rows(np.nanmean(upv[wsec], axis=0))
    ang = np.degrees(np.arccos(np.clip(upv @ u_walk, -1, 1)))
    upr = bsec & ~walk & (ang < s.lying_inclination_deg)
    wmask = np.repeat(wsec, counts)[lo:hi]
    umask = np.repeat(upr, counts)[lo:hi]
    try:
        m = fit_from_walking(
            acc[lo:hi], up[lo:hi], fs_hz, wmask, upright_mask=umask,
            lean_deg=s.walking_lean_deg, fitted_ns=int(sec[idx[0]]) * _NS,
            min_walking_s=s.calibration_min_walking_s,
        )
        return _check_forward_sign(m, sec[upr], upv[upr], s)
    except ValueError as exc:
        log.warning("walking calibration of wear bout %d failed: %s", k, exc)
        return None


def bout_candidates(
    t_ns: IntArray, acc: FloatArray, up: FloatArray, fs_hz: float, sec: IntArray,
    counts: IntArray, bout: BoutArray, walk: BoolArray, upv: FloatArray,
    marks: list[tuple[int, int]], s: AnalysisSettings,
) -> BoutCandidates:
    """Routine and walking fits of every wear bout of a day (the per-sample part).

    Parameters
    ----------
    t_ns : ndarray, shape (N,), int64
        Sample times (UTC ns).
    acc, up : ndarray, shape (N, 3)
        Acceleration (m/s²) and unit up vectors (sensor frame) per sample.
    fs_hz : float
        Median sampling rate (Hz).
    sec, counts, bout : ndarray, shape (E,)
        Per second: UTC second, samples in it, wear bout (-1: non-wear).
    walk : ndarray of bool, shape (E,)
        Worn walking seconds.
    upv : ndarray, shape (E, 3)
        Per-second mean up vector.
    marks : list of (int, int)
        Calibration marks (:func:`marks_ns`).
    s : AnalysisSettings

    Returns
    -------
    BoutCandidates
    """
    n_bouts = int(bout.max()) + 1 if (bout >= 0).any() else 0
    first_sample = np.concatenate(([0], np.cumsum(counts)[:-1]))
    reattached = frozenset(detect_reattachment(upv, bout >= 0, 1.0, walking=walk,
                                               threshold_deg=s.reattach_threshold_deg,
                                               window_s=120.0, min_nonwear_s=1.0))
    bouts = [np.flatnonzero(bout == k) for k in range(n_bouts)]
    routine: list[Mounting | None] = []
    rejected: list[str] = []
    for idx in bouts:
        lo = int(first_sample[idx[0]])
        hi = int(first_sample[idx[-1]] + counts[idx[-1]])
        routine.append(_bout_routine(t_ns, up, fs_hz, marks, int(t_ns[lo]), int(t_ns[hi - 1]),
                                     s, rejected))
    cands = BoutCandidates([int(idx[0]) for idx in bouts], reattached, routine,
                           rejected=rejected)
    # walking fits of the bouts that need one when nothing is carried in (a superset of
    # those that need one with a carried mounting)
    previous: Mounting | None = None
    for k, idx in enumerate(bouts):
        m = routine[k]
        new_attachment = k == 0 and previous is None or cands.first[k] in reattached
        if m is None and previous is not None and not new_attachment:
            m = previous
        if m is None:
            m = cands.walking[k] = _bout_walking(k, idx, acc, up, fs_hz, sec, counts,
                                                 first_sample, walk, upv, s)
        if m is None:
            m = previous
        previous = m if m is not None else previous
    return cands


def choose_mountings(
    cands: BoutCandidates, carried: Mounting | None, given: Sequence[Mounting] | None = None,
) -> list[Mounting | None]:
    """One mounting per wear bout: routine > carried/unchanged > walking > previous > next.

    Parameters
    ----------
    cands : BoutCandidates
    carried : Mounting or None
        The previous day's mounting, for a bout starting at local midnight.
    given : sequence of Mounting, optional
        Known mountings: bout ``k`` uses ``given[min(k, len - 1)]`` (nothing is chosen).
    """
    n_bouts = cands.n_bouts
    if given:
        return [given[min(k, len(given) - 1)] for k in range(n_bouts)]
    out: list[Mounting | None] = []
    previous = carried
    for k in range(n_bouts):
        m = cands.routine[k]
        new_attachment = k == 0 and previous is None or cands.first[k] in cands.reattached
        if m is None and previous is not None and not new_attachment:
            m = previous
        if m is None:
            if k not in cands.walking:
                raise RuntimeError(f"wear bout {k} needs a walking fit that was not made")
            m = cands.walking[k]
        if m is None and previous is not None:
            log.info("wear bout %d: no routine or walking; keeping the previous mounting", k)
            m = previous
        if m is None:
            log.info("wear bout %d: no routine or walking of its own yet", k)
        out.append(m)
        if m is not None:
            previous = m
    # backward: a bout without a mounting of its own takes the next bout's when the sensor
    # was not re-attached in between (the same mounting; e.g. the night before the first
    # walk of a recording that starts while the wearer is asleep)
    for k in range(n_bouts - 2, -1, -1):
        if out[k] is None and out[k + 1] is not None \
                and cands.first[k + 1] not in cands.reattached:
            log.info("wear bout %d: mounting of the next bout applied backward", k)
            out[k] = out[k + 1]
    return out


@dataclass
class BoutAngles:
    """Per-second angles and calibration labels of a day, from its bouts' mountings.

    ``flexion_deg``, ``lateral_deg``, ``inclination_deg`` (degrees, NaN outside bouts),
    ``calibration`` and ``confidence`` (object arrays of labels), ``records`` (one
    :class:`BoutRecord` per bout), ``last`` (the last mounting used, to carry on) and
    ``lying_hint`` (bool per second: the lying posture of an estimated bout's two-posture
    split, :func:`analysis.upright.split_upright_lying`).
    """

    flexion_deg: FloatArray
    lateral_deg: FloatArray
    inclination_deg: FloatArray
    calibration: LabelArray
    confidence: LabelArray
    records: list[BoutRecord]
    last: Mounting | None
    lying_hint: BoolArray


def _estimated_up(k: int, idx: IntArray, feats: pd.DataFrame, bout: BoutArray,
                  upv: FloatArray, intensity: FloatArray,
                  s: AnalysisSettings,
                  fallback: FloatArray | None = None) -> tuple[FloatArray, str, str]:
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


#: Internal source of an upright estimated from any movement, transitions included (the
#: fallback of :func:`_estimated_up`): reported as "estimated", but an up-axis prior is
#: preferred to it when the bout holds a single posture.
_WEAK = "estimated-any-movement"


def _bout_prior(idx: IntArray, prior_up: FloatArray | None) -> FloatArray | None:
    """The up-axis prior (unit, shape (3,)) of the bout with rows ``idx``: that of its first
    second with one, None when none of its seconds has one."""
    if prior_up is None:
        return None
    ok = np.flatnonzero(np.isfinite(prior_up[idx]).all(axis=1))
    return None if ok.size == 0 else unit_rows(prior_up[idx[ok[0]]])


def _borrow_estimates(est: dict[int, tuple[FloatArray, str, str]], bout: BoutArray,
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


def bout_angles(feats: pd.DataFrame, fitted: Sequence[Mounting | None],
                initial: Mounting | None, s: AnalysisSettings,
                prior_up: FloatArray | None = None) -> BoutAngles:
    """Flexion, lateral bend and inclination of every second from its bout's mounting.

    Bouts without a mounting get an estimated upright (:func:`_estimated_up`), refined by
    the two-posture split (:func:`analysis.upright.split_upright_lying`); a bout where
    nothing can be estimated borrows the estimate of a neighbour joined to it only by
    missing data (:func:`_borrow_estimates`). A bout that still has no upright of its own
    data (source "none", or one guessed from any movement in a bout with a single posture)
    takes the up-axis prior of how the sensor is worn, where one is given (source "prior",
    confidence "low"); the prior also breaks a clear tie in the two-posture split.

    Parameters
    ----------
    feats : DataFrame, shape (E, ...)
        Per-second features with ``bout``, ``worn``, ``n_samples``, ``up_*``, ``accdir_*``.
    fitted : sequence of Mounting or None
        One per bout (:func:`choose_mountings`).
    initial : Mounting or None
        The carried mounting (``last`` when no bout has one).
    s : AnalysisSettings
    prior_up : ndarray, shape (E, 3), optional
        Per second, the unit up axis of how the sensor is worn (sensor frame,
        :mod:`analysis.upaxis`); NaN rows where none is known. None: no prior anywhere.
    """
    bout = feats["bout"].to_numpy()
    counts = feats["n_samples"].to_numpy()
    sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // _NS
    upv = feats[["up_x", "up_y", "up_z"]].to_numpy()
    n = len(feats)
    out = BoutAngles(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
                     np.full(n, "none", dtype=object), np.full(n, "low", dtype=object),
                     [], initial, np.zeros(n, dtype=bool))
    ests: dict[int, tuple[FloatArray, str, str]] = {}
    if any(m is None for m in fitted):
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
                        out.lying_hint[idx] = split.lying_mask
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
    for k, m in enumerate(fitted):
        idx = np.flatnonzero(bout == k)
        up_est: FloatArray | None = None
        if m is not None:
            out.flexion_deg[idx], out.lateral_deg[idx], out.inclination_deg[idx] = \
                flexion_angles(upv[idx], m)
            source = "none" if m.source == "default" else str(m.source)
            out.confidence[idx] = _confidence(m)
            out.last = m
        else:
            up_est, source, conf = ests[k]
            out.confidence[idx] = conf
            out.inclination_deg[idx] = np.degrees(np.arccos(np.clip(upv[idx] @ up_est, -1, 1)))
        out.calibration[idx] = source
        out.records.append(BoutRecord(
            bout=k,
            start=pd.Timestamp(int(sec[idx[0]]) * _NS, tz="UTC"),
            end=pd.Timestamp((int(sec[idx[-1]]) + 1) * _NS, tz="UTC"),
            source=source,
            confidence=str(out.confidence[idx[0]]),
            up_sensor=(np.asarray(m.up_sensor).tolist() if m is not None
                       else None if up_est is None else np.asarray(up_est).tolist()),
            forward_sensor=None if m is None else np.asarray(m.forward_sensor).tolist(),
            quality={} if m is None else dict(m.quality),
        ))
    return out
