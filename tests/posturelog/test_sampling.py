"""The sampling summary printed by ``posturelog import``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posturelog.sampling import describe_sampling, summarize_sampling

NS = 1_000_000_000


def test_regular_50hz_with_gyroscope() -> None:
    t = np.arange(3000, dtype=np.int64) * (NS // 50)
    s = summarize_sampling(t, np.zeros((3000, 3)))
    assert s.median_rate_hz == pytest.approx(50.0)
    assert s.interval_p5_s == pytest.approx(0.02) and s.interval_p95_s == pytest.approx(0.02)
    assert s.n_gaps == 0 and s.gyroscope and s.gyroscope_share == 1.0
    assert all(a.available for a in s.availability)
    text = "\n".join(describe_sampling(s))
    assert "50 Hz median" in text and "gyroscope: yes" in text and "gyroscope-aided" in text


def test_zio_like_1_56hz_accelerometer_only_with_gaps() -> None:
    rng = np.random.default_rng(1)
    steps = rng.normal(1 / 1.5625, 0.01, 2000)
    steps[[100, 900]] = [30.0, 4.0]  # two gaps
    t = np.concatenate([[0], np.cumsum(np.round(steps * NS).astype(np.int64))])
    s = summarize_sampling(t, None)
    assert s.median_rate_hz == pytest.approx(1.5625, rel=0.02)
    assert s.n_gaps == 2 and s.longest_gap_s == pytest.approx(30.0)
    assert not s.gyroscope
    by = {a.feature: a for a in s.availability}
    assert by["posture (flexion, slouch)"].available
    assert not by["walking detection"].available and "below 6 Hz" in by["walking detection"].reason
    assert by["flexion during fast movement"].reason == "less accurate without gyroscope"
    text = describe_sampling(s)
    assert "2 gaps > 1 s (longest 30 s)" in text[0] and "gyroscope: no" in text[0]
    assert "  walking detection: not available below 6 Hz" in text


def test_partial_gyroscope_and_tiny_inputs() -> None:
    t = np.arange(10, dtype=np.int64) * NS // 10
    gyr = np.zeros((10, 3))
    gyr[:5] = np.nan
    s = summarize_sampling(t, gyr)
    assert s.gyroscope_share == pytest.approx(0.5)
    assert "gyroscope: yes (50% of samples)" in describe_sampling(s)[0]
    one = summarize_sampling(np.array([5], dtype=np.int64), None)
    assert one.median_rate_hz == 0.0 and one.n_samples == 1
    assert describe_sampling(one)[0].startswith("Sampling: 0 Hz median, 0 gaps")
    assert not summarize_sampling(np.zeros(0, dtype=np.int64), None).gyroscope


def test_import_prints_rate_regularity_and_availability(tmp_path: Path) -> None:
    import pandas as pd
    from typer.testing import CliRunner

    from posturelog.cli import app

    t = pd.date_range("2026-11-18T09:00:00+00:00", periods=400, freq="640ms")
    t = t.delete(list(range(200, 220)))  # a 13 s gap
    df = pd.DataFrame({"time": [x.isoformat() for x in t], "acc_x": 0.1, "acc_y": 0.2, "acc_z": 9.8})
    df.to_csv(tmp_path / "zio.csv", index=False)
    result = CliRunner().invoke(app, ["import", str(tmp_path / "zio.csv"), "--data-dir", str(tmp_path / "d"), "--timezone", "UTC"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "source: posturelog CSV" in out
    assert "Sampling: 1.56 Hz median, interval p5–p95 640 ms–640 ms, 1 gap > 1 s (longest 13.4 s), gyroscope: no" in out
    assert "walking detection: not available below 6 Hz" in out
    assert "flexion during fast movement: available, less accurate without gyroscope" in out
