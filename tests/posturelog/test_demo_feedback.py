"""Simulated reactions to live alerts, and the demo's replay of the live path into the alert log."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from analysis.settings import AnalysisSettings
from posturelog.alertlog import read_alerts
from posturelog.alerts import AlertSettings
from posturelog.demo_feedback import ReplayFeedback
from posturelog.store import Store
from sensor.simulate import SimulatedWearer, SimulationSettings

BASE = SimulationSettings(seed=3, days=1, fs_hz=10.0, start_date=dt.date(2026, 11, 16))


def test_feedback_off_is_bit_identical() -> None:
    a = SimulatedWearer(BASE).day(0)
    b = SimulatedWearer(dataclasses.replace(BASE, feedback_alert_after_s=None)).day(0)
    assert np.array_equal(a.acc_mps2, b.acc_mps2) and np.array_equal(a.gyr_rads, b.gyr_rads)


def test_wearer_reacts_to_alerts() -> None:
    off = SimulatedWearer(BASE)
    on = SimulatedWearer(dataclasses.replace(BASE, feedback_alert_after_s=30.0, feedback_react_probability=0.8))
    reactions = on.alert_reactions()
    assert len(reactions) >= 5
    share = np.mean([ok for _, ok in reactions])
    assert 0.4 <= share <= 1.0
    # reacting shortens slouches: most intended episodes now end within 30 + 15 s (+ ramps)
    lengths_on = np.array([(b - a) / 1e9 for a, b in on.slouch_episodes()])
    lengths_off = np.array([(b - a) / 1e9 for a, b in off.slouch_episodes()])
    assert np.median(lengths_on) < 60 < np.median(lengths_off)
    assert off.alert_reactions() == []
    with pytest.raises(ValueError, match="feedback_react_probability"):
        dataclasses.replace(BASE, feedback_react_probability=1.5)


def test_replay_logs_alerts_with_time_to_correct(tmp_path: Path) -> None:
    settings = dataclasses.replace(BASE, fs_hz=25.0, feedback_alert_after_s=30.0, link_gaps=False)
    wearer = SimulatedWearer(settings)
    reactions = wearer.alert_reactions()
    store = Store(tmp_path / "data")
    replay = ReplayFeedback(store, wearer, settings.timezone, AlertSettings(alert_after_s=30.0, max_per_hour=60),
                            AnalysisSettings())
    lo, hi = reactions[0][0] - 3600 * 10**9, reactions[0][0] + 3 * 3600 * 10**9  # a desk morning
    for batch in wearer.batches(batch_s=1.0):
        if batch.t_ns[-1] < lo:
            continue
        if batch.t_ns[0] > hi:
            break
        replay(batch)
    replay.finish()
    alerts = read_alerts(store)
    slouch = alerts[alerts["kind"] == "slouch"]
    sim = [(t, ok) for t, ok in reactions if lo <= t <= hi - 120 * 10**9]
    assert len(slouch) >= len(sim) >= 3
    t_alert = slouch["time"].astype("int64").to_numpy()
    for t, ok in sim:  # every simulated alert has a live alert within a few seconds
        near = np.abs(t_alert - t) < 6 * 10**9
        assert near.any(), (t, t_alert)
        stc = float(slouch["seconds_to_correct"].to_numpy()[near][0])
        if ok:  # straightened 2–15 s after the alert, plus the ramp and the hysteresis
            assert 0 <= stc <= 25, stc
    store.close()
