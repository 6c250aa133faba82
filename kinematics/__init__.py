"""Rigid-body kinematics shared by :mod:`sensor` and :mod:`analysis` (numpy only).

A leaf package: it imports numpy and nothing of ours, so both sides may use it without
importing each other.
"""

from kinematics import quaternion

__all__ = ["quaternion"]
