"""Guided live calibration: fit the mounting from a streamed routine, store it, refuse a bad one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.flexion import flexion_angles
from analysis.tilt.gravity import gravity_direction
from posturelog.calibrate import LIVE_PROMPTS, store_live_calibration
from posturelog.errors import UserError
from posturelog.live_state import latest_mounting
from posturelog.store import Store
from sensor.simulate import SimulatedWearer, SimulationSettings

G = 9.80665


@pytest.fixture(scope="module")
def sim_day() -> tuple[SimulatedWearer, object]:
    w = SimulatedWearer(SimulationSettings(seed=2, days=1, fs_hz=25.0, link_gaps=False))
    return w, w.day(0)


def test_simulated_routine_is_fitted_and_stored(sim_day: tuple[SimulatedWearer, object], tmp_path: Path) -> None:
    w, day = sim_day
    a_ns, b_ns = w.routines()[0]
    t = np.asarray(day.t_ns)  # type: ignore[attr-defined]
    sel = (t >= a_ns - 3 * 10**9) & (t <= b_ns + 5 * 10**9)  # what a 20-s guided run streams
    acc = np.asarray(day.acc_mps2)[sel]  # type: ignore[attr-defined]
    gyr = np.asarray(day.gyr_rads)[sel]  # type: ignore[attr-defined]
    with Store(tmp_path / "data") as store:
        message = store_live_calibration(store, t[sel], acc, gyr)
        assert message.startswith("Calibrated: forward bend")
        marks = store.calibration_marks()
        mounting = latest_mounting(store)
    assert len(marks) == 1 and marks["source"].iloc[0] == "guided"
    assert mounting is not None
    # flexion with the fitted mounting matches the simulator's truth over the routine
    up = gravity_direction(acc, gyr, 25.0, causal=False)
    flex, _, _ = flexion_angles(up, mounting)
    truth = np.asarray(day.flexion_deg)[sel]  # type: ignore[attr-defined]
    assert np.nanmedian(np.abs(flex - truth)) < 3.0
    assert LIVE_PROMPTS[0][0] == 0.0 and "bend forward" in LIVE_PROMPTS[1][1]


def _routine(bend_deg: float, still_first: bool, fs: float = 25.0) -> tuple[np.ndarray, np.ndarray]:
    """Stand 6 s, bend to ``bend_deg`` and back (8 s), stand 4 s; sensor z up, x forward-ish."""
    t = np.arange(0.0, 18.0, 1 / fs)
    f = np.where((t > 6) & (t < 14), np.radians(bend_deg) * np.sin(np.pi * (t - 6) / 8.0), 0.0)
    if not still_first:  # fidgeting the whole time: there is no still stand to start from
        f = f + np.radians(10.0) * np.sin(2 * np.pi * 0.2 * t)
    up = np.stack([np.sin(f), 0.1 * np.ones_like(f), np.cos(f)], axis=1)
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    rng = np.random.default_rng(1)
    acc = G * up + 0.02 * rng.standard_normal(up.shape)
    t_ns = (1_790_000_000 * 10**9 + t * 1e9).astype(np.int64)
    return t_ns, acc


def test_good_synthetic_routine_accepted(tmp_path: Path) -> None:
    t_ns, acc = _routine(35.0, still_first=True)
    with Store(tmp_path / "data") as store:
        assert "forward bend 3" in store_live_calibration(store, t_ns, acc, None)


@pytest.mark.parametrize(("bend", "still"), [(8.0, True), (35.0, False)])
def test_routine_done_wrong_is_refused(tmp_path: Path, bend: float, still: bool) -> None:
    t_ns, acc = _routine(bend, still_first=still)
    with Store(tmp_path / "data") as store:
        with pytest.raises(UserError, match="no stand-tall \\+ bend-forward routine found in what the sensor sent"):
            store_live_calibration(store, t_ns, acc, None)
        assert store.calibration_marks().empty
        assert latest_mounting(store) is None
