"""Per-second angles and calibration labels of a day from each wear bout's mounting.

Flexion, lateral bend and inclination (``analysis.flexion.flexion_angles``) of every second
of a bout with a mounting (:func:`analysis.epochs.mountings.choose_mountings`); inclination
only, against an estimated upright (:mod:`analysis.epochs.estimates`), in a bout without
one. One :class:`BoutRecord` per bout says which calibration it used and how confident it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.calibration import Mounting
from analysis.epochs.estimates import estimated_uprights
from analysis.flexion import flexion_angles
from analysis.settings import AnalysisSettings
from vocab.units import NS_PER_S

__all__ = ["BoutAngles", "BoutRecord", "bout_angles"]

_NS = NS_PER_S

FloatArray = NDArray[np.float64]
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


def bout_angles(feats: pd.DataFrame, fitted: Sequence[Mounting | None],
                initial: Mounting | None, s: AnalysisSettings,
                prior_up: FloatArray | None = None) -> BoutAngles:
    """Flexion, lateral bend and inclination of every second from its bout's mounting.

    Bouts without a mounting get an estimated upright
    (:func:`analysis.epochs.estimates.estimated_uprights`: from their own movement, a
    neighbour's across missing data, or the up-axis prior of how the sensor is worn, where
    one is given) and only an inclination against it.

    Parameters
    ----------
    feats : DataFrame, shape (E, ...)
        Per-second features with ``bout``, ``worn``, ``n_samples``, ``up_*``, ``accdir_*``.
    fitted : sequence of Mounting or None
        One per bout (:func:`analysis.epochs.mountings.choose_mountings`).
    initial : Mounting or None
        The carried mounting (``last`` when no bout has one).
    s : AnalysisSettings
    prior_up : ndarray, shape (E, 3), optional
        Per second, the unit up axis of how the sensor is worn (sensor frame,
        :mod:`analysis.upaxis`); NaN rows where none is known. None: no prior anywhere.
    """
    bout = feats["bout"].to_numpy()
    sec = pd.DatetimeIndex(feats.index).as_unit("ns").asi8 // _NS
    upv = feats[["up_x", "up_y", "up_z"]].to_numpy()
    n = len(feats)
    ests, lying_hint = estimated_uprights(feats, fitted, s, prior_up)
    out = BoutAngles(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
                     np.full(n, "none", dtype=object), np.full(n, "low", dtype=object),
                     [], initial, lying_hint)
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
