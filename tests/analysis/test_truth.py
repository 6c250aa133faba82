"""Accuracy against the simulator's per-sample truth (sensor.simulate).

Generates a few 50 Hz simulated days (module-scoped; ~1 min in total) and checks, per day:
per-minute non-wear F1 ≥ 0.98 (pooled), context accuracy ≥ 95 %, slouch minutes within ±5 %
(±3 min on days with little slouching), episode count within ±10 % (±1), wear minutes within
±3 %. Truth per minute is the majority of the per-sample truth. A DST test checks that the
25-h local day 2026-10-25 (Europe/London) has 25 h and its hours map correctly.

Run with ``-o log_cli=true --log-cli-level=INFO`` to see the per-day error table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.epochs import EpochsInfo, epochs_from_samples
from analysis.metrics import daily_metrics, hourly_profile
from analysis.settings import CONTEXT_NAMES, AnalysisSettings
from analysis.wear import runs
from sensor.simulate import SimulatedDay, SimulatedWearer, SimulationSettings

log = logging.getLogger(__name__)
TZ = "Europe/London"


@dataclass
class DayResult:
    label: str
    epochs: pd.DataFrame
    truth: pd.DataFrame  # per second: worn, slouch, context code
    info: EpochsInfo


def _samples(day: SimulatedDay) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.to_datetime(day.t_ns, unit="ns", utc=True), name="time")
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    return pd.DataFrame(np.hstack([day.acc_mps2, day.gyr_rads]), columns=cols, index=idx)


def _truth_seconds(day: SimulatedDay) -> pd.DataFrame:
    sec = day.t_ns // 1_000_000_000
    st = np.concatenate(([0], np.flatnonzero(np.diff(sec)) + 1))
    cnt = np.diff(np.append(st, sec.size))

    def share(x: np.ndarray) -> np.ndarray:
        return np.add.reduceat(x.astype(float), st) / cnt

    ctx = np.stack([share(day.context == k) for k in range(len(CONTEXT_NAMES))], 1).argmax(1)
    idx = pd.DatetimeIndex(pd.to_datetime(sec[st], unit="s", utc=True), name="time")
    return pd.DataFrame({"worn": share(day.worn) > 0.5, "slouch": share(day.slouch) > 0.5,
                         "context": ctx}, index=idx)


def _analyse(wearer: SimulatedWearer, i: int, label: str, fs: float) -> DayResult:
    day = wearer.day(i)
    marks = pd.DataFrame({"start": pd.to_datetime([a for a, _ in day.routines], utc=True),
                          "end": pd.to_datetime([b for _, b in day.routines], utc=True)})
    ep, info = epochs_from_samples(_samples(day), fs, AnalysisSettings(), calibration_marks=marks)
    return DayResult(label, ep, _truth_seconds(day), info)


@pytest.fixture(scope="module")
def days() -> list[DayResult]:
    with_routine = SimulatedWearer(SimulationSettings(
        seed=11, days=7, fs_hz=50, start_date=date(2026, 11, 16), timezone=TZ))
    no_routine = SimulatedWearer(SimulationSettings(
        seed=12, days=7, fs_hz=50, start_date=date(2026, 11, 16), timezone=TZ,
        calibration_routine=False))
    out = [_analyse(with_routine, i, f"seed11 day{i}", 50.0) for i in (0, 2, 5)]
    out.append(_analyse(no_routine, 3, "seed12 day3 (no routines)", 50.0))
    return out


def _per_minute(r: DayResult) -> pd.DataFrame:
    ep, tr = r.epochs, r.truth
    assert ep.index.equals(tr.index)
    frame = pd.DataFrame({
        "pw": ep["worn"].to_numpy(), "tw": tr["worn"].to_numpy(),
        "pc": ep["context"].cat.codes.to_numpy(), "tc": tr["context"].to_numpy(),
    }, index=ep.index)
    g = frame.groupby(ep.index.floor("min"))

    def mode(x: pd.Series) -> int:
        return int(np.bincount(x.to_numpy(), minlength=4).argmax())

    return pd.DataFrame({"pw": g["pw"].mean() > 0.5, "tw": g["tw"].mean() > 0.5,
                         "pc": g["pc"].agg(mode), "tc": g["tc"].agg(mode)})


def _episodes(flag: np.ndarray) -> int:
    _, _, v = runs(flag)
    return int(np.count_nonzero(v))


def test_error_table(days: list[DayResult]) -> None:
    """The per-day error table: complete, and the numbers no other test checks are sane."""
    rows = []
    for r in days:
        m = _per_minute(r)
        nw_p, nw_t = ~m["pw"], ~m["tw"]
        tp = int((nw_p & nw_t).sum())
        f1 = 2 * tp / max(int(nw_p.sum() + nw_t.sum()), 1)
        worn_t = r.truth["worn"].to_numpy()
        fp = float((~r.epochs["worn"].to_numpy() & worn_t).sum() / max(worn_t.sum(), 1))
        rows.append({
            "day": r.label,
            "nonwear_f1": f1,
            "quiet_worn_as_nonwear_pct": 100 * fp,
            "context_acc_pct": 100 * float((m["pc"] == m["tc"]).mean()),
            "wear_min": r.epochs["worn"].sum() / 60, "wear_min_true": worn_t.sum() / 60,
            "slouch_min": r.epochs["slouch"].sum() / 60,
            "slouch_min_true": r.truth["slouch"].sum() / 60,
            "episodes": len(r.info.episodes),
            "episodes_true": _episodes(r.truth["slouch"].to_numpy()),
            "calibration": ",".join(b["source"] for b in r.info.mountings),
        })
    table = pd.DataFrame(rows).set_index("day")
    log.info("accuracy vs simulator truth:\n%s", table.round(3).to_string())
    assert list(table.index) == [r.label for r in days]
    numbers = table.drop(columns="calibration").to_numpy(dtype=float)
    assert np.isfinite(numbers).all()
    # a quietly sitting or lying wearer is not a sensor left on a table
    assert (table["quiet_worn_as_nonwear_pct"] <= 1.0).all(), table["quiet_worn_as_nonwear_pct"]
    # every wear bout was calibrated, and never by a routine on the day without routines
    assert all(table["calibration"].str.len() > 0)
    assert "routine" not in table.loc["seed12 day3 (no routines)", "calibration"]


def test_nonwear_f1(days: list[DayResult]) -> None:
    tp = fp_fn = 0
    for r in days:
        m = _per_minute(r)
        nw_p, nw_t = ~m["pw"], ~m["tw"]
        tp += int((nw_p & nw_t).sum())
        fp_fn += int((nw_p ^ nw_t).sum())
        assert 2 * int((nw_p & nw_t).sum()) / int(nw_p.sum() + nw_t.sum()) >= 0.95, r.label
    assert 2 * tp / (2 * tp + fp_fn) >= 0.98


def test_context_accuracy(days: list[DayResult]) -> None:
    for r in days:
        m = _per_minute(r)
        assert (m["pc"] == m["tc"]).mean() >= 0.95, r.label


def test_wear_minutes(days: list[DayResult]) -> None:
    for r in days:
        ours, true = r.epochs["worn"].sum() / 60, r.truth["worn"].sum() / 60
        assert abs(ours - true) <= 0.03 * true, r.label


def test_slouch_minutes(days: list[DayResult]) -> None:
    for r in days:
        ours, true = r.epochs["slouch"].sum() / 60, r.truth["slouch"].sum() / 60
        assert abs(ours - true) <= max(0.05 * true, 3.0), (r.label, ours, true)


def test_episode_count(days: list[DayResult]) -> None:
    for r in days:
        ours, true = len(r.info.episodes), _episodes(r.truth["slouch"].to_numpy())
        assert abs(ours - true) <= max(0.1 * true, 1.0), (r.label, ours, true)


def test_daily_metrics_on_truth_days(days: list[DayResult]) -> None:
    for r in days:
        daily = daily_metrics(r.epochs, r.info.episodes, None, TZ)
        day = daily.iloc[int(np.argmax(daily["recorded_minutes"]))]
        assert day["day_hours"] == 24.0 and day["coverage_pct"] > 95.0
        assert day["wear_minutes"] == pytest.approx(
            day["upright_minutes"] + day["walking_minutes"] + day["lying_minutes"])


def test_dst_day_has_25_hours_and_hours_map() -> None:
    wearer = SimulatedWearer(SimulationSettings(
        seed=5, days=7, fs_hz=10, start_date=date(2026, 10, 19), timezone=TZ))
    day = wearer.day(6)
    assert day.date == date(2026, 10, 25)
    assert day.day_end_ns - day.day_start_ns == 25 * 3600 * 10**9
    ep, info = epochs_from_samples(_samples(day), 10.0)
    daily = daily_metrics(ep, info.episodes, None, TZ)
    row = daily[daily["date"] == date(2026, 10, 25)].iloc[0]
    assert row["day_hours"] == 25.0
    assert row["recorded_minutes"] > 1490  # 25 h minus link-loss gaps
    assert row["coverage_pct"] > 99.0
    # local wall-clock hours: 01:00–02:00 happens twice, so holds 2 h of epochs
    local = ep.index.tz_convert(TZ)
    per_hour = pd.Series(1, index=local.hour).groupby(level=0).sum() / 60
    assert per_hour.loc[1] == pytest.approx(120, abs=2)
    assert per_hour.drop(1).between(58, 60.01).all()
    assert local[0].hour == 0 and local[-1].hour == 23
    prof = hourly_profile(ep, TZ)
    assert prof["upright_minutes"].sum() == pytest.approx(row["upright_minutes"])
