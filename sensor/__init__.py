"""Acquisition: sensor profiles, the BLE client, sample-time reconstruction and the simulated wearer.

Imports only numpy and :mod:`kinematics` (and bleak in :mod:`sensor.ble`); never ``analysis`` or
``posturelog``.
"""

from sensor.batch import SampleBatch, SourceInfo

__all__ = ["SampleBatch", "SourceInfo"]
