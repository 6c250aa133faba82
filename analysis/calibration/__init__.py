"""Mounting calibration: where the wearer's upright and forward directions are in the sensor frame.

Sources of a mounting (``Mounting.source``):

``routine``
    "Stand tall ~5 s, then bend forward and come back" (:mod:`analysis.calibration.routine`;
    :func:`check_routine` is the one acceptance rule).
``walking``
    Upright from walking tilted back by a typical lean, forward axis from step-band
    acceleration (:mod:`analysis.calibration.walking`).
``default``
    No calibration: the nominal placement (sensor flat on the back, x up the spine, z out of
    the back).

Without either, upright can be estimated from the wearer's active periods
(:mod:`analysis.calibration.upright`); :func:`detect_reattachment`
(:mod:`analysis.calibration.reattachment`) flags non-wear periods across which the sensor
was put back on differently.
"""

from analysis.calibration.mounting import Mounting, MountingSource
from analysis.calibration.reattachment import detect_reattachment
from analysis.calibration.routine import (
    Routine,
    RoutineCheck,
    check_routine,
    find_routine,
    fit_routine,
)
from analysis.calibration.upright import (
    estimate_upright,
    movement_drift_deg,
    movement_spread_deg,
)
from analysis.calibration.walking import fit_from_walking

__all__ = [
    "Mounting",
    "MountingSource",
    "Routine",
    "RoutineCheck",
    "check_routine",
    "detect_reattachment",
    "estimate_upright",
    "find_routine",
    "fit_from_walking",
    "fit_routine",
    "movement_drift_deg",
    "movement_spread_deg",
]
