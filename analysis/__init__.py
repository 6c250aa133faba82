"""Pure computation on IMU arrays and DataFrames (numpy, scipy, pandas, matplotlib only)."""

from analysis.tilt import TiltFilter, TiltSettings, gravity_direction

__all__ = ["TiltFilter", "TiltSettings", "gravity_direction"]
