"""``posturelog export --minutes``: one row per minute, owner-only, clear errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd

from posturelog.minutes import MINUTE_COLUMNS, minute_table
from tests.posturelog.cli_helpers import run, write_samples_csv


def write_csv(path: Path, minutes: int = 4, rate_hz: float = 10.0) -> None:
    """Sensor x up the spine, upright and swaying slightly, 09:00 local time."""
    rng = np.random.default_rng(5)
    n = int(minutes * 60 * rate_hz)
    t = pd.date_range("2026-11-18T09:00:00", periods=n, freq=pd.Timedelta(seconds=1 / rate_hz))
    ang = np.radians(5 + 3 * np.sin(np.arange(n) / rate_hz / 4)) + rng.normal(0, 0.01, n)
    acc = np.c_[9.81 * np.cos(ang), np.zeros(n), 9.81 * np.sin(ang)] + rng.normal(0, 0.05, (n, 3))
    write_samples_csv(path, t, acc.round(4))


def test_minutes_export_end_to_end(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", data,
                       "--timezone", "Europe/Berlin")
    assert code == 0, err
    out = tmp_path / "minutes.csv"
    code, stdout, err = run("export", "--minutes", "--out", str(out), "--data-dir", data)
    assert code == 0, err
    assert "minutes" in stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    df = pd.read_csv(out)
    assert list(df.columns) == list(MINUTE_COLUMNS)
    assert len(df) == 4
    assert df["time"].iloc[0] == "2026-11-18T09:00:00+01:00"
    assert (df["seconds"] == 60).all()
    assert set(df["context"]) <= {"upright", "lying", "walking", "nonwear"}
    # range, local time without offset
    code, _, err = run("export", "--minutes", "--out", str(out), "--data-dir", data,
                       "--from", "2026-11-18T09:01", "--to", "2026-11-18T09:03")
    assert code == 0, err
    assert len(pd.read_csv(out)) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_minutes_export_errors(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    out = str(tmp_path / "m.csv")
    code, _, err = run("export", "--minutes", "--out", out, "--data-dir", data)
    assert code == 1 and "no samples stored" in err
    write_csv(tmp_path / "in.csv", minutes=1)
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    code, _, err = run("export", "--minutes", "--out", out, "--data-dir", data,
                       "--from", "2026-11-19T00:00")
    assert code == 1 and "no samples in the requested time range" in err
    code, _, err = run("export", "--minutes", "--out", out, "--data-dir", data,
                       "--from", "2026-11-18T10:00", "--to", "2026-11-18T09:00")
    assert code == 1 and "must be after" in err
    code, _, err = run("export", "--minutes", "--out", str(tmp_path), "--data-dir", data)
    assert code == 1 and "is a directory" in err
    assert not Path(out).exists()


def test_minute_table_summaries() -> None:
    idx = pd.date_range("2026-11-18T09:00:00Z", periods=120, freq="1s", name="time")
    ep = pd.DataFrame({
        "worn": np.r_[np.ones(60, bool), np.zeros(60, bool)],
        "context": ["upright"] * 40 + ["walking"] * 20 + ["nonwear"] * 60,
        "flexion_deg": np.r_[np.arange(60, dtype=float), np.full(60, np.nan)],
        "slouch": np.r_[np.zeros(30, bool), np.ones(30, bool), np.zeros(60, bool)],
        "calibration": ["walking"] * 60 + ["none"] * 60,
        "calibration_confidence": ["high"] * 60 + ["low"] * 60,
    }, index=idx)
    tab = minute_table(ep, "UTC")
    assert tab["worn"].tolist() == [True, False]
    assert tab["context"].tolist() == ["upright", "nonwear"]
    assert tab["flexion_median_deg"].iloc[0] == 29.5
    assert np.isnan(tab["flexion_median_deg"].iloc[1])
    assert tab["slouch_seconds"].tolist() == [30, 0]
    assert tab["calibration"].tolist() == ["walking", "none"]
