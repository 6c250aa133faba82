"""Real and low-rate data: no refusals, lying found without a calibration, coarse non-wear.

Real data: an excerpt of the UCI older-people set (CC BY 4.0, Torres et al. 2013; see
``tests/analysis/data/README.md``): irregular 1–4 Hz RFID reads, accelerometer only, no
routine and little walking.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from analysis.epochs import epochs_from_arrays
from analysis.settings import AnalysisSettings
from analysis.wear import detect_wear
from vocab.samples import rate_from_times

DATA = Path(__file__).parent / "data" / "uci_older_s1"
G = 9.80665
LABELS = {1: "upright", 2: "upright", 3: "lying", 4: "walking"}
T0_NS = int(pd.Timestamp("2026-01-05T12:00:00Z").value)


def _uci(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = pd.read_csv(path, header=None).to_numpy(dtype=float)
    keep = np.concatenate(([True], np.diff(d[:, 0]) > 0))
    d = d[keep]
    t_ns = T0_NS + np.round(d[:, 0] * 1e9).astype(np.int64)
    return t_ns, d[:, 1:4] * G, np.array([LABELS[int(c)] for c in d[:, 8]], dtype=object)


def _second_labels(t_ns: np.ndarray, lab: np.ndarray) -> pd.Series:
    s = pd.Series(lab, index=t_ns // 1_000_000_000)
    return s.groupby(level=0).agg(lambda x: x.value_counts().index[0])


def test_uci_excerpt_lying_and_context() -> None:
    files = sorted(DATA.glob("d*.csv"))
    assert len(files) == 5
    pred, truth = [], []
    for f in files:
        t_ns, acc, lab = _uci(f)
        fs = rate_from_times(t_ns)
        ep, info = epochs_from_arrays(t_ns, acc, None, fs)  # must not raise
        assert info.walking_available is False and "Nyquist" in info.walking_reason
        assert np.isnan(ep["step_power"]).all()
        sec = pd.DatetimeIndex(ep.index).as_unit("ns").asi8 // 1_000_000_000
        truth.append(_second_labels(t_ns, lab).reindex(sec).to_numpy())
        pred.append(ep["context"].astype(str).to_numpy())
        assert set(ep["calibration"].astype(str)) <= {"estimated", "none"}
        assert set(ep["calibration_confidence"].astype(str)) <= {"medium", "low"}
    p, t = np.concatenate(pred), np.concatenate(truth)
    lying_recall = float(np.mean(p[t == "lying"] == "lying"))
    agreement = float(np.mean(p == t))
    assert lying_recall >= 0.95, lying_recall
    # measured 0.935 (walking cannot be seen at 1–4 Hz: it is ~5 % of the seconds)
    print(f"lying recall {lying_recall:.3f}, agreement {agreement:.3f}")
    assert agreement >= 0.90, agreement


GAP = Path(__file__).parent / "data" / "uci_older_s1_gap" / "d1p27F.csv"


def test_bout_after_a_data_gap_keeps_the_estimated_upright() -> None:
    """d1p27F: the RFID reads stop for 2 min (12:06:34–12:08:34) while the wearer lies down;
    the bout after the gap holds nothing but still lying, so on its own it has no upright.
    The sensor was not taken off (missing data, not non-wear): it borrows the upright
    estimated before the gap instead of calling its own lying posture upright."""
    t_ns, acc, lab = _uci(GAP)
    ep, info = epochs_from_arrays(t_ns, acc, None, rate_from_times(t_ns))
    assert [r["source"] for r in info.mountings] == ["estimated", "estimated"]
    sec = pd.DatetimeIndex(ep.index).as_unit("ns").asi8 // 1_000_000_000
    t = _second_labels(t_ns, lab).reindex(sec).to_numpy()
    p = ep["context"].astype(str).to_numpy()
    after_gap = ep["bout"].to_numpy() == 1
    # measured: 62/62 lying seconds after the gap (0/62 when the bout took its own median)
    assert np.mean(p[after_gap & (t == "lying")] == "lying") >= 0.95
    # measured 0.98 lying recall, 0.96 agreement over the sequence
    assert np.mean(p[t == "lying"] == "lying") >= 0.95


@pytest.mark.parametrize("fs", [1.0, 1.56, 3.0])
def test_low_rate_accelerometer_only_is_not_refused(fs: float) -> None:
    rng = np.random.default_rng(0)
    n = int(1800 * fs)
    t_ns = T0_NS + np.round(np.arange(n) / fs * 1e9).astype(np.int64)
    # irregular: drop 20 % of the samples (gaps of seconds)
    keep = rng.random(n) > 0.2
    t_ns = t_ns[keep]
    up = np.tile([0.2, 0.97, 0.1], (t_ns.size, 1))
    half = t_ns.size // 2
    up[half:] = [0.98, 0.1, 0.15]  # lying in the second half
    acc = G * up / np.linalg.norm(up, axis=1, keepdims=True) + rng.normal(0, 0.2, (t_ns.size, 3))
    ep, info = epochs_from_arrays(t_ns, acc, None, fs)
    assert len(ep) > 0
    assert not info.walking_available
    assert ep["context"].astype(str).isin(["upright", "lying", "nonwear"]).all()


def _still_epochs(seconds: int, g_dir: np.ndarray, step_mps2: float) -> pd.DataFrame:
    """Per-second features of a sensor read at 1 Hz, quantised to ``step_mps2``, with only
    sub-LSB breathing (invisible after quantisation)."""
    t = np.arange(seconds)
    acc = G * g_dir / np.linalg.norm(g_dir) + 0.02 * np.sin(2 * np.pi * 0.25 * t)[:, None]
    acc = np.round(acc / step_mps2) * step_mps2
    idx = pd.DatetimeIndex(pd.to_datetime(T0_NS // 1_000_000_000 + t, unit="s", utc=True),
                           name="time")
    cols: dict[str, np.ndarray] = {"n_samples": np.ones(seconds, dtype=np.int32)}
    for i, a in enumerate("xyz"):
        cols[f"acc_mean_{a}"] = acc[:, i]
        cols[f"acc_sd_{a}"] = np.zeros(seconds)
        cols[f"acc_min_{a}"] = acc[:, i]
        cols[f"acc_max_{a}"] = acc[:, i]
    return pd.DataFrame(cols, index=idx)


def test_coarse_resolution_still_person_is_worn_table_is_not() -> None:
    step = G / 64  # 1/64 g, as the Zio patch
    s = AnalysisSettings()
    # two hours lying still on the back: the sensor follows the back's curve (20° off an axis)
    lying = _still_epochs(7200, np.array([0.34, 0.0, 0.94]), step)
    out, info = detect_wear(lying, s, resolution_mps2=step, fs_hz=1.0)
    assert not info["breathing_observable"]
    assert out["worn"].all()
    # the same sensor flat on a table for two hours
    table = _still_epochs(7200, np.array([0.0, 0.01, 1.0]), step)
    out, _ = detect_wear(table, s, resolution_mps2=step, fs_hz=1.0)
    assert (~out["worn"]).mean() > 0.95


def test_week_from_midnight_first_night_lying() -> None:
    """A recording that starts at midnight while the wearer sleeps with the sensor on: the
    night gets the mounting fitted later in the same wear bout, and its lying is found."""
    from sensor.simulate import SimulatedWearer, SimulationSettings

    w = SimulatedWearer(SimulationSettings(seed=11, days=1, fs_hz=50, start_date=date(2026, 11, 16),
                                           timezone="Europe/London", calibration_routine=False))
    day = w.day(0)
    night = day.t_ns < day.t_ns[0] + 4 * 3600 * 1_000_000_000  # 00:00–04:00 local (UTC+0)
    assert day.worn[night].all() and (day.context[night] == 1).mean() > 0.95
    acc = day.acc_mps2
    ep, _ = epochs_from_arrays(day.t_ns, acc, day.gyr_rads, 50.0)
    first = ep.index < ep.index[0] + pd.Timedelta(hours=4)
    assert (ep.loc[first, "calibration"].astype(str) != "none").all()
    assert (ep.loc[first, "context"].astype(str) == "lying").mean() >= 0.95


def _validate_real() -> ModuleType:
    path = Path(__file__).parents[2] / "benchmarks" / "validate_real.py"
    spec = importlib.util.spec_from_file_location("validate_real", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up while being built
    spec.loader.exec_module(mod)
    return mod


def test_label_lag_recovers_a_known_offset_and_claims_none_without_relation() -> None:
    """The benchmark's label/signal lag: labels that run 40 s ahead of a stepping signal are
    found 40 s off; unrelated labels get no lag (it must not absorb errors by chance)."""
    vr = _validate_real()
    rng = np.random.default_rng(7)
    n = 900
    t = pd.DatetimeIndex(pd.to_datetime(np.arange(n) + 1_767_614_400, unit="s", utc=True))
    walking = np.zeros(n, dtype=bool)
    for a, b in ((100, 250), (400, 430), (600, 780)):
        walking[a:b] = True
    power = np.where(walking, 2.0, 0.05) ** 2 * rng.uniform(0.5, 1.5, n)
    step_power = pd.Series(power, index=t)
    lab = pd.Series(np.where(np.roll(walking, -40), "walking", "upright"), index=t)
    assert vr.label_lag_s(lab, step_power) == 40
    assert vr.label_lag_s(pd.Series(np.where(walking, "walking", "upright"), index=t),
                          step_power) == 0
    noise = pd.Series(np.where(rng.random(n) < 0.3, "walking", "upright"), index=t)
    assert vr.label_lag_s(noise, step_power) == 0
