"""Non-wear of a back-worn sensor: a desk is non-wear, quiet breathing is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.epochs import second_features
from analysis.settings import AnalysisSettings
from analysis.wear import detect_wear, noise_floor, quiet_sitting_false_positive_rate, runs

FS = 50.0


def features(tilt_deg: np.ndarray, noise: float = 0.03, gyro: bool = True, seed: int = 0,
             fs: float = FS) -> pd.DataFrame:
    """Per-second features of a sensor whose pitch follows ``tilt_deg`` (per sample at ``fs``)."""
    rng = np.random.default_rng(seed)
    n = tilt_deg.size
    th = np.radians(tilt_deg)
    up = np.stack([-np.sin(th), np.zeros(n), np.cos(th)], axis=1)
    acc = 9.81 * up + rng.normal(0, noise, (n, 3))
    gyr = rng.normal(0, 0.005, (n, 3)) + 0.01
    gyr[:, 1] += np.gradient(th) * fs
    t = (np.int64(1_795_000_000) * 1_000_000_000 + (np.arange(n) * (1e9 / fs)).astype(np.int64))
    return second_features(t, acc, gyr if gyro else None, up, np.zeros(n))


def quiet_sitting(seconds: int, amp_deg: float = 0.2, seed: int = 0, fs: float = FS) -> np.ndarray:
    t = np.arange(int(seconds * fs)) / fs
    rng = np.random.default_rng(seed)
    sway = np.cumsum(rng.normal(0, 0.002, t.size))
    return 10 + amp_deg * np.sin(2 * np.pi * 0.25 * t) + sway


def test_desk_is_nonwear_quiet_sitting_is_worn() -> None:
    tilt = np.r_[np.full(int(600 * FS), 3.0), quiet_sitting(1800)]
    out, info = detect_wear(features(tilt))
    worn = out["worn"].to_numpy()
    assert not worn[20:580].any()
    assert worn[620:].all()
    assert info["used_gyroscope"]
    assert info["nonwear_runs"] == 1


@pytest.mark.parametrize("fs", [10.0, 25.0])
def test_desk_and_quiet_sitting_at_lower_rates(fs: float) -> None:
    """Fewer samples per second make each second's mean noisier; the noise floor follows, so a
    sensor on a desk is still non-wear at 10 Hz (it read as worn all day before)."""
    tilt = np.r_[np.full(int(600 * fs), 3.0), quiet_sitting(1800, fs=fs)]
    out, _ = detect_wear(features(tilt, fs=fs), fs_hz=fs)
    worn = out["worn"].to_numpy()
    assert not worn[20:580].any()
    assert worn[620:].all()


@pytest.mark.parametrize("per_second", [5, 10, 50, 200])
def test_noise_floor_is_sigma_over_root_n_at_any_rate(per_second: int) -> None:
    rng = np.random.default_rng(per_second)
    sigma = 0.03
    sd = rng.normal(0.0, sigma, (3600, per_second)).std(axis=1, ddof=1)
    floor = noise_floor(sd, np.full(3600, float(per_second)))
    assert floor == pytest.approx(sigma / np.sqrt(per_second), rel=0.12)


def test_quiet_sitting_without_gyroscope() -> None:
    out, info = detect_wear(features(quiet_sitting(1200, amp_deg=0.2), gyro=False))
    assert out["worn"].all() and not info["used_gyroscope"]


def test_short_still_run_stays_worn() -> None:
    tilt = np.r_[quiet_sitting(300), np.full(int(40 * FS), 3.0), quiet_sitting(300, seed=1)]
    out, _ = detect_wear(features(tilt))
    assert out["worn"].all()


def test_needs_columns_and_empty() -> None:
    with pytest.raises(ValueError, match="needs per-second columns"):
        detect_wear(pd.DataFrame({"n_samples": [1]}))
    out, info = detect_wear(features(np.full(100, 3.0)).iloc[:0])
    assert len(out) == 0 and info["worn_seconds"] == 0


def test_thresholds_are_settings() -> None:
    tilt = quiet_sitting(600, amp_deg=0.2)
    strict = AnalysisSettings(wear_sd_mg=50.0, wear_range_mg=200.0, wear_gyro_sd_dps=20.0)
    out, _ = detect_wear(features(tilt), strict)
    assert not out["worn"].iloc[100:500].any()  # GGIR-like loose limits call sitting non-wear


def test_runs_and_false_positive_rate() -> None:
    s, e, v = runs(np.array([1, 1, 0, 0, 0, 1]))
    assert s.tolist() == [0, 2, 5] and e.tolist() == [2, 5, 6] and v.tolist() == [1, 0, 1]
    pred = np.array([True, False, True, True])
    true = np.array([True, True, True, False])
    quiet = np.array([True, True, False, True])
    assert quiet_sitting_false_positive_rate(pred, true, quiet) == pytest.approx(0.5)
