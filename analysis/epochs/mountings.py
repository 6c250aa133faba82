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
   between; else none (the upright is then estimated, :mod:`analysis.epochs.estimates`).

The fits that need per-sample data (routines, walking) do not depend on the mounting
carried in from the day before: :func:`bout_candidates` makes them once, where the samples
are (possibly in a worker process), and :func:`choose_mountings` applies the order above
given the carried mounting. The angles of each second follow from the chosen mountings
(:func:`analysis.epochs.angles.bout_angles`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calibration import Mounting, check_routine, detect_reattachment, fit_from_walking
from analysis.rows import unit_rows
from analysis.settings import AnalysisSettings
from analysis.wear import runs
from vocab.units import NS_PER_S

__all__ = [
    "BoutCandidates",
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
