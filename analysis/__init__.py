"""Pure computation on IMU arrays and DataFrames (numpy, scipy, pandas, matplotlib only)."""

from analysis.calibration import (
    Mounting,
    detect_reattachment,
    find_routine,
    fit_from_walking,
    fit_routine,
)
from analysis.flexion import flexion_angles
from analysis.tilt import TiltFilter, TiltSettings, gravity_direction

__all__ = [
    "Mounting",
    "TiltFilter",
    "TiltSettings",
    "detect_reattachment",
    "find_routine",
    "fit_from_walking",
    "fit_routine",
    "flexion_angles",
    "gravity_direction",
]
