"""The fake BlueZ's wearer motion comes from the simulator, and a broken simulator shows."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fakebluez import motion
from tests.fakebluez.motion import SimulatedMotion


class _BrokenWearer:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def day(self, index: int) -> object:
        raise RuntimeError("simulator broke")


def test_simulator_errors_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(motion, "SimulatedWearer", _BrokenWearer)
    with pytest.raises(RuntimeError, match="simulator broke"):
        SimulatedMotion(seed=987654)  # a seed nothing else caches


def test_motion_is_the_simulated_wearer(wearer_motion: SimulatedMotion) -> None:
    acc, gyr = wearer_motion.samples(0, 5, motion._SIM_FS)
    window_acc, window_gyr = motion._simulated_window(7, 900.0)
    np.testing.assert_array_equal(acc, window_acc[:5])
    np.testing.assert_array_equal(gyr, window_gyr[:5])
