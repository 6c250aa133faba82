"""posturelog calibrate --at: finds the routine in recorded data and stores a mark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.store import Store

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def test_calibrate_at_marks_the_routine(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    assert runner.invoke(app, ["import", str(SAMPLES / "recording.csv"), "--timezone", "Europe/London", "--data-dir", data]).exit_code == 0
    # The user remembers roughly when they did it: a minute later is close enough.
    result = runner.invoke(app, ["calibrate", "--at", "2026-11-16T06:52:00", "--data-dir", data])
    assert result.exit_code == 0, result.stderr
    assert "forward bend" in result.stdout
    marks = Store(data).calibration_marks()
    assert len(marks) == 1
    # the simulator's routine: still stand from 06:51:02, bend back up by 06:51:15 (local = UTC in Nov)
    assert pd.Timestamp("2026-11-16T06:50:58Z") <= marks["start"].iloc[0] <= pd.Timestamp("2026-11-16T06:51:06Z")
    assert pd.Timestamp("2026-11-16T06:51:12Z") <= marks["end"].iloc[0] <= pd.Timestamp("2026-11-16T06:51:20Z")


def test_calibrate_without_routine_is_one_line_error(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    assert runner.invoke(app, ["import", str(SAMPLES / "recording.csv"), "--timezone", "Europe/London", "--data-dir", data]).exit_code == 0
    result = runner.invoke(app, ["calibrate", "--at", "2026-11-16T07:02:00", "--data-dir", data])
    assert result.exit_code == 1
    assert "no stand-tall + bend-forward routine" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = runner.invoke(app, ["calibrate", "--at", "2026-11-18T07:00:00", "--data-dir", data])
    assert result.exit_code == 1 and "no recorded samples" in result.stderr
    assert Store(data).calibration_marks().empty


# -- one routine-acceptance rule for `posturelog calibrate` and the analysis ----------------
FS = 50.0
START_NS = int(pd.Timestamp("2026-11-16T08:00:00Z").value)
ROUTINE_S = (200.0, 218.0)  # stand tall 200–210 s, bend 210–213 s, hold, back by 217 s


def _routine_samples(bend_deg: float, seconds: int = 600, seed: int = 3) -> pd.DataFrame:
    """Sitting at 3° (breathing), then the routine with a forward bend of ``bend_deg``, then
    upright; sensor x up the spine, z out of the back (the trunk pitches about sensor y)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * FS)) / FS
    flex = 3.0 + 0.3 * np.sin(2 * np.pi * 0.25 * t)
    stand = (t >= 200) & (t < 217)
    flex[stand] = 0.0
    ramp = np.interp(t, [210, 213, 214, 217], [0.0, bend_deg, bend_deg, 0.0])
    flex[stand] += ramp[stand]
    th = np.radians(flex)
    up = np.stack([np.cos(th), np.zeros(t.size), np.sin(th)], axis=1)
    acc = 9.81 * up + rng.normal(0, 0.03, (t.size, 3))
    gyr = rng.normal(0, 0.005, (t.size, 3))
    gyr[:, 1] += np.gradient(th) * FS
    idx = pd.DatetimeIndex(pd.to_datetime(START_NS + (t * 1e9).astype(np.int64), utc=True),
                           name="time")
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    return pd.DataFrame(np.hstack([acc, gyr]), columns=cols, index=idx)


def _cli_accepts(samples: pd.DataFrame, tmp_path: Path) -> bool:
    from analysis.settings import AnalysisSettings
    from posturelog.calibrate import mark_routine
    from posturelog.errors import UserError
    from sensor.batch import SampleBatch, SourceInfo

    store = Store(tmp_path)
    sid = store.start_session(SourceInfo(model="test", rate_hz=FS), "Europe/London", START_NS)
    t = samples.index.as_unit("ns").asi8
    with store.segment_writer(sid) as w:
        for i in range(0, len(samples), 5000):
            sl = slice(i, i + 5000)
            w.append(SampleBatch(t[sl], samples.iloc[sl, :3].to_numpy(),
                                 samples.iloc[sl, 3:].to_numpy()))
    store.end_session(sid, int(t[-1]), len(samples))
    at = START_NS + int(ROUTINE_S[0] * 1e9)
    try:
        mark_routine(store, at - 60 * 10**9, at + 120 * 10**9, settings=AnalysisSettings())
    except UserError:
        return False
    return True


def _pipeline_accepts(samples: pd.DataFrame) -> tuple[bool, tuple[str, ...]]:
    from analysis.epochs import epochs_from_samples

    t0 = pd.Timestamp(START_NS, tz="UTC")
    marks = pd.DataFrame({"start": [t0 + pd.Timedelta(seconds=ROUTINE_S[0])],
                          "end": [t0 + pd.Timedelta(seconds=ROUTINE_S[1])]})
    _, info = epochs_from_samples(samples, FS, calibration_marks=marks)
    sources = {b["source"] for b in info.mountings}
    return "routine" in sources, info.rejected_routines


@pytest.mark.parametrize(("bend_deg", "accepted"), [(35.0, True), (12.0, False), (17.0, False)])
def test_cli_and_pipeline_accept_the_same_routines(bend_deg: float, accepted: bool,
                                                   tmp_path: Path) -> None:
    """A good routine calibrates in both; a bend below ``routine_min_bend_deg`` (20°) in
    neither — 17° used to be accepted silently by the analysis's second algorithm (15°)."""
    samples = _routine_samples(bend_deg)
    assert _cli_accepts(samples, tmp_path) is accepted
    in_pipeline, rejected = _pipeline_accepts(samples)
    assert in_pipeline is accepted
    if accepted:
        assert rejected == ()
    else:
        assert len(rejected) == 1 and "forward bend of at least 20°" in rejected[0]
