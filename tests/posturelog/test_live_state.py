"""Live feedback on the recording path: Recorder listener → live state → alert policy → alert log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.calibration import Mounting
from analysis.live import LiveEngine, LiveSecond
from analysis.settings import AnalysisSettings
from posturelog.alertlog import add_alert, read_alerts, set_seconds_to_correct
from posturelog.alerts import Alert, AlertPolicy, AlertSettings
from posturelog.live_state import (
    LiveFeedback,
    latest_mounting,
    make_engine,
    save_live_mounting,
    status_text,
)
from posturelog.recorder import Recorder
from posturelog.store import Store
from sensor.batch import SampleBatch, SourceInfo

FS = 25
T0 = 1_795_000_000 * 10**9


def batches(flexion_deg: np.ndarray, seed: int = 0) -> list[SampleBatch]:
    """1-s batches of a sensor in the default mounting (x up the spine, z out of the back)."""
    rng = np.random.default_rng(seed)
    n = flexion_deg.size * FS
    th = np.radians(np.repeat(flexion_deg, FS))
    th = np.convolve(th, np.ones(FS) / FS, mode="same")  # 1-s transitions
    t = T0 + np.arange(n, dtype=np.int64) * (10**9 // FS)
    acc = 9.81 * np.stack([np.cos(th), np.zeros(n), np.sin(th)], axis=1)
    acc[:, 1] += 0.05 * np.sin(2 * np.pi * 0.25 * np.arange(n) / FS)  # breathing sway
    acc += rng.normal(0, 0.03, acc.shape)
    gyr = rng.normal(0, 0.005, (n, 3))
    gyr[:, 1] += np.gradient(th) * FS
    return [SampleBatch(t[i:i + FS], acc[i:i + FS], gyr[i:i + FS]) for i in range(0, n, FS)]


def test_feedback_on_the_recorder_logs_alerts(tmp_path: Path) -> None:
    store = Store(tmp_path)
    flex = np.concatenate([np.full(60, 3.0), np.full(70, 30.0), np.full(60, 3.0)])
    seen: list[str] = []

    def on_alert(alert: Alert, corrected: bool) -> None:
        if corrected:
            assert alert.id is not None and alert.seconds_to_correct is not None
            set_seconds_to_correct(store, alert.id, alert.seconds_to_correct)
        else:
            add_alert(store, alert)

    engine = LiveEngine(FS, Mounting.default(), timezone="UTC")
    policy = AlertPolicy(AlertSettings(repeat_after_s=0), "UTC")
    fb = LiveFeedback(engine, policy, on_second=lambda s, u: seen.append(s.state), on_alert=on_alert)
    with Recorder(store, SourceInfo(model="test", rate_hz=FS), "UTC") as rec:
        fb.attach(rec)
        for b in batches(flex):
            rec.add(b)
    fb.finish()
    assert fb.seconds == flex.size
    assert "slouched" in seen and seen[-1] == "upright"
    alerts = read_alerts(store)
    assert list(alerts["kind"]) == ["slouch"]
    # sent ~alert_after_s after the slouch began (60 s), corrected after it ended (130 s)
    sent_s = (alerts["time"].iloc[0].value - T0) / 1e9
    assert 60 + 30 <= sent_s <= 60 + 30 + 3
    assert 130 - sent_s - 2 <= alerts["seconds_to_correct"].iloc[0] <= 130 - sent_s + 4
    assert fb.latest is not None and fb.latest.slouch_today_min == pytest.approx(70 / 60, abs=0.1)


def test_latest_mounting(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert latest_mounting(store) is None
    m = Mounting.from_axes([0.0, 1.0, 0.0], [1.0, 0.0, 0.0], "routine", 5)
    save_live_mounting(store, m)
    got = latest_mounting(store)
    assert got is not None and np.allclose(got.up_sensor, m.up_sensor) and got.source == "routine"
    engine = make_engine(store, SourceInfo(model="x", rate_hz=50.0, has_gyroscope=False),
                         AnalysisSettings(), "UTC")
    assert engine.mounting is not None and not engine.with_gyroscope


def test_status_text() -> None:
    sec = LiveSecond(t_s=0, flexion_deg=27.4, lateral_deg=0.0, inclination_deg=27.0, state="slouched",
                     context="upright", worn=True, slouching=True, slouch_run_s=45,
                     slouch_today_min=12.5, since_break_s=38 * 60 + 10, n_samples=50)
    assert status_text(sec) == "slouched 45 s · flexion 27° · today 12.5 min slouched · 38 min since a break"
    off = LiveSecond(0, float("nan"), float("nan"), float("nan"), "nonwear", "nonwear", False, False, 0,
                     0.0, float("nan"), 50)
    assert status_text(off).startswith("not worn · flexion – ·")
