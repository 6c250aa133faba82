"""Raw samples → per-second epochs; and posturelog.analyze (store, per-day cache)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from analysis.epochs import EPOCH_COLUMNS, FEATURE_COLUMNS, EpochsInfo, epochs_from_samples
from analysis.settings import AnalysisSettings

if TYPE_CHECKING:
    from posturelog.store import Store

FS = 50.0
START_NS = int(pd.Timestamp("2026-11-16T08:00:00Z").value)


def synthetic(seconds: int = 1800, seed: int = 0, start_ns: int = START_NS) -> pd.DataFrame:
    """Desk 0–300 s, sitting 300–900 s, slouch 30° 900–1300 s, walking 1300–1600 s, lying after.

    Sensor x axis up the spine, z out of the back (the trunk pitches about sensor y).
    """
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    flex = np.where((t >= 900) & (t < 1300), 30.0, 3.0)
    flex = np.convolve(flex, np.ones(100) / 100, mode="same")  # 2-s transitions
    flex += 0.3 * np.sin(2 * np.pi * 0.25 * t) + np.cumsum(rng.normal(0, 0.003, n))
    walking = (t >= 1300) & (t < 1600)
    th = np.radians(flex)
    # body up = (cos th) spine + (sin th) back-normal; sensor x = spine, z = out of the back
    up = np.stack([np.cos(th), np.zeros(n), np.sin(th)], axis=1)
    lying = t >= 1600
    up[lying] = [0.05, 0.0, 1.0]
    desk = t < 300
    up[desk] = np.array([0.1, 0.3, 0.95]) / np.linalg.norm([0.1, 0.3, 0.95])
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    acc = 9.81 * up + rng.normal(0, 0.03, (n, 3))
    ph = 2 * np.pi * 1.9 * t[walking]
    acc[walking, 0] += 2.5 * np.cos(ph)
    acc[walking, 2] += 1.2 * np.cos(ph - 0.9)
    acc[walking, 1] += 0.8 * np.sin(0.5 * ph)
    gyr = rng.normal(0, 0.005, (n, 3))
    gyr[:, 1] += np.gradient(th) * FS * ~desk
    gyr[lying, 0] += 0.003 * np.sin(2 * np.pi * 0.2 * t[lying])
    gyr[walking] += rng.normal(0, 0.05, (walking.sum(), 3))
    idx = pd.DatetimeIndex(pd.to_datetime(start_ns + (t * 1e9).astype(np.int64), utc=True),
                           name="time")
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    return pd.DataFrame(np.hstack([acc, gyr]), columns=cols, index=idx)


@pytest.fixture(scope="module")
def result() -> tuple[pd.DataFrame, EpochsInfo]:
    s = synthetic()
    marks = pd.DataFrame({"start": [pd.Timestamp("2026-11-16T08:05:00Z")],
                          "end": [pd.Timestamp("2026-11-16T08:05:05Z")]})
    return epochs_from_samples(s, FS, calibration_marks=marks)


def test_shape_and_columns(result: tuple[pd.DataFrame, EpochsInfo]) -> None:
    ep, info = result
    assert list(ep.columns[: len(EPOCH_COLUMNS)]) == list(EPOCH_COLUMNS)
    assert set(FEATURE_COLUMNS) <= set(ep.columns)
    assert len(ep) == 1800 and ep.index.name == "time" and str(ep.index.tz) == "UTC"
    assert (ep.index == ep.index.floor("s")).all()
    assert (ep["n_samples"] == 50).all()
    assert info.segments == 1


def test_wear_context_and_slouch(result: tuple[pd.DataFrame, EpochsInfo]) -> None:
    ep, info = result
    ctx = ep["context"].astype(str).to_numpy()
    assert (ctx[10:290] == "nonwear").all()
    assert (ctx[320:890] == "upright").all()
    assert (ctx[1310:1590] == "walking").all()
    assert (ctx[1630:] == "lying").all()
    slouch = ep["slouch"].to_numpy()
    assert slouch[905:1295].all() and not slouch[:895].any() and not slouch[1305:].any()
    assert info.episodes is not None and len(info.episodes) == 1
    # walking fit (mark has no bend): upright within the assumed walking lean
    worn = ep.iloc[320:890]
    assert abs(worn["flexion_deg"].median() - 3.0) < 6.0
    assert (ep["calibration"].iloc[310:] == "walking").all()


def test_gaps_and_bad_input() -> None:
    s = synthetic(600)
    s = s.drop(s.index[10000:10500])  # 10-s gap
    ep, info = epochs_from_samples(s, FS)
    assert info.segments == 2 and len(ep) == 590
    with pytest.raises(ValueError, match="fs_hz"):
        epochs_from_samples(s, 0.0)
    # a low nominal rate is not refused: walking is reported as not available instead
    _, low = epochs_from_samples(s, 2.0)
    assert low.walking_available is False and "Nyquist" in low.walking_reason
    with pytest.raises(ValueError, match="lack columns"):
        epochs_from_samples(s.drop(columns="acc_x"), FS)
    with pytest.raises(ValueError, match="sorted"):
        epochs_from_samples(s.iloc[::-1], FS)
    empty, _ = epochs_from_samples(s.iloc[:0], FS)
    assert len(empty) == 0 and list(empty.columns) == list(EPOCH_COLUMNS)


def test_accelerometer_only() -> None:
    s = synthetic(900)
    s[["gyr_x", "gyr_y", "gyr_z"]] = np.nan
    ep, info = epochs_from_samples(s, FS)
    assert not info.wear["used_gyroscope"]
    assert (ep["context"].astype(str).to_numpy()[10:290] == "nonwear").all()
    assert ep["worn"].to_numpy()[320:].all()


def _record_synthetic(store: Store, start_ns: int, *, seed: int) -> None:
    """Record 30 min of :func:`synthetic` samples from ``start_ns`` as one closed session."""
    from sensor.batch import SampleBatch, SourceInfo

    sid = store.start_session(SourceInfo(model="test", rate_hz=FS), "Europe/London", start_ns)
    s = synthetic(1800, seed=seed, start_ns=start_ns)
    t = s.index.as_unit("ns").asi8
    with store.segment_writer(sid) as w:
        for i in range(0, len(s), 5000):
            sl = slice(i, i + 5000)
            w.append(SampleBatch(t[sl], s.iloc[sl, :3].to_numpy(), s.iloc[sl, 3:].to_numpy()))
    store.end_session(sid, int(t[-1]), len(s))


def test_analyze_store_cache(tmp_path: Path) -> None:
    from posturelog.analyze import epochs_for_days
    from posturelog.store import Store

    store = Store(tmp_path)
    _record_synthetic(store, START_NS, seed=0)
    calls: list[tuple[date, int, int]] = []
    day = date(2026, 11, 16)
    ep = epochs_for_days(store, day, day, AnalysisSettings(), lambda d, i, n: calls.append((d, i, n))).epochs
    assert calls == [(day, 1, 1)]
    assert len(ep) == 1800 and list(ep.columns[:len(EPOCH_COLUMNS)]) == list(EPOCH_COLUMNS)
    cached = list((tmp_path / "cache" / "epochs").glob("2026-11-16-*.parquet"))
    assert len(cached) == 1
    again = epochs_for_days(store, day, day).epochs
    pd.testing.assert_frame_equal(ep, again)
    other = epochs_for_days(store, day, day, AnalysisSettings(slouch_threshold_deg=25)).epochs
    assert len(list((tmp_path / "cache" / "epochs").glob("2026-11-16-*.parquet"))) == 1
    assert other["slouch"].sum() <= ep["slouch"].sum()


def _two_day_store(tmp_path: Path) -> tuple[Store, date, date]:
    """A store with 30 min on each of 16, 17 and 18 November (three local days)."""
    from posturelog.store import Store

    store = Store(tmp_path)
    for k in range(3):
        _record_synthetic(store, START_NS + k * 86_400 * 1_000_000_000, seed=k)
    return store, date(2026, 11, 16), date(2026, 11, 18)


def test_day_files_read_like_read_samples(tmp_path: Path) -> None:
    from posturelog.samplereader import read_sample_files

    store, first, _ = _two_day_store(tmp_path)
    lo = int(pd.Timestamp("2026-11-16T08:10:00Z").value)  # a range cutting through files
    hi = int(pd.Timestamp("2026-11-17T08:20:00Z").value)
    day = read_sample_files(store.sample_files(lo, hi), lo, hi)
    t, acc, gyr = day.t_ns, day.acc_mps2, day.gyr_rads
    ref = store.read_samples(lo, hi)
    np.testing.assert_array_equal(t, ref.index.as_unit("ns").asi8)
    np.testing.assert_array_equal(acc, ref[["acc_x", "acc_y", "acc_z"]].to_numpy())
    np.testing.assert_array_equal(gyr, ref[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())


def test_parallel_days_match_serial(tmp_path: Path) -> None:
    """Days prepared in worker processes give the same epochs and cache as one process,
    also when only some days are cached."""
    from posturelog.analyze import epochs_for_days

    store, first, last = _two_day_store(tmp_path)
    serial = epochs_for_days(store, first, last, use_cache=False, workers=1).epochs
    calls: list[int] = []
    par = epochs_for_days(store, first, last, workers=2,
                          progress=lambda d, i, n: calls.append(i)).epochs
    assert calls == [1, 2, 3]
    pd.testing.assert_frame_equal(serial, par)
    cache = tmp_path / "cache" / "epochs"
    assert len(list(cache.glob("*.parquet"))) == 3
    for p in cache.glob("2026-11-16-*"):  # first day uncached: the rest is found again
        p.unlink()
    again = epochs_for_days(store, first, last, workers=2).epochs
    pd.testing.assert_frame_equal(serial, again, check_freq=False)


def test_mounting_applies_backward_across_a_data_gap() -> None:
    """A wear bout without routine or walking (sitting, slouching) before a 150-s link loss
    takes the walking mounting of the bout after it: same sensor attachment, no re-attachment
    seen across the gap."""
    s = synthetic(1800)
    t = (s.index - s.index[0]).total_seconds().to_numpy()
    s = s[(t < 1100) | (t >= 1250)]
    ep, info = epochs_from_samples(s, FS)
    assert len(info.mountings) == 2
    before = ep.index < s.index[0] + pd.Timedelta(seconds=1100)
    worn_before = before & ep["worn"].to_numpy()
    assert (ep.loc[worn_before, "calibration"].astype(str) == "walking").all()
    slouch = (ep.index >= s.index[0] + pd.Timedelta(seconds=950)) & before
    assert abs(float(np.nanmedian(ep.loc[slouch, "flexion_deg"])) - 30.0) < 6.0


def test_samples_with_non_finite_acceleration_are_dropped_and_the_rest_kept() -> None:
    """A sample whose acceleration holds NaN or inf is left out; every other sample gives the
    same epochs as if the bad ones had never been recorded."""
    s = synthetic(300)
    bad = s.copy()
    bad.iloc[1000:1010, 1] = np.nan  # acc_y
    bad.iloc[5000, 2] = np.inf  # acc_z
    ep_bad, _ = epochs_from_samples(bad, FS)
    ep_clean, _ = epochs_from_samples(s.drop(s.index[[*range(1000, 1010), 5000]]), FS)
    pd.testing.assert_frame_equal(ep_bad, ep_clean)
    assert ep_bad["n_samples"].sum() == len(s) - 11
