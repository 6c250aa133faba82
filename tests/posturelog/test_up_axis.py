"""How the sensor is worn (``--up-axis`` / ``[sensor] up_axis``): one-line errors, storage
with the session, the schema migration, and its effect on the epochs and their cache."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from analysis.settings import AnalysisSettings
from analysis.upaxis import UpPrior
from posturelog.analyze import epochs_for_days
from posturelog.analyze.cache import cache_key
from posturelog.cli import app
from posturelog.config import load_up_axis, resolve_up_axis
from posturelog.errors import UserError
from posturelog.importing import import_csv
from posturelog.store import Store
from sensor.batch import SourceInfo

runner = CliRunner()
G = 9.80665


def _write_lying_csv(path: Path, n_s: int = 600, fs: float = 10.0, seed: int = 3) -> None:
    """Still lying on the back (the sensor's +x up), breathing and noise; seeded."""
    rng = np.random.default_rng(seed)
    n = int(n_s * fs)
    t = pd.Timestamp("2026-11-18T09:00:00Z") + pd.to_timedelta(np.arange(n) / fs, unit="s")
    up = np.array([0.96, -0.2, 0.1]) / np.linalg.norm([0.96, -0.2, 0.1])
    acc = up * G + rng.normal(0, 0.05, (n, 3))
    acc[:, 0] += 0.05 * np.sin(2 * np.pi * 0.25 * np.arange(n) / fs)
    df = pd.DataFrame({"time": t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")})
    df[["acc_x", "acc_y", "acc_z"]] = acc.round(5)
    df.to_csv(path, index=False)


def _one_line(result: Result) -> str:
    code = result.exit_code
    err = result.stderr
    assert code == 1, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("bad", ["up", "+w", "y+", "xy"])
def test_import_rejects_a_bad_up_axis_in_one_line(tmp_path: Path, bad: str) -> None:
    _write_lying_csv(tmp_path / "in.csv", n_s=20)
    data = tmp_path / "data"
    res = runner.invoke(app, ["import", str(tmp_path / "in.csv"), "--data-dir", str(data),
                              "--timezone", "UTC", f"--up-axis={bad}"])
    line = _one_line(res)
    assert "--up-axis" in line and "+x, -x, +y, -y, +z, -z" in line
    assert Store(data).sessions().empty  # nothing imported


def test_record_rejects_a_bad_up_axis_before_connecting(tmp_path: Path) -> None:
    res = runner.invoke(app, ["record", "--data-dir", str(tmp_path / "data"), "--up-axis", "head"])
    assert "--up-axis" in _one_line(res)


def test_config_up_axis(tmp_path: Path) -> None:
    assert load_up_axis(tmp_path) == ""
    (tmp_path / "config.toml").write_text('[sensor]\nup_axis = "-Z"\n', encoding="utf-8")
    assert load_up_axis(tmp_path) == "-z"
    assert resolve_up_axis(None, tmp_path) == "-z"
    assert resolve_up_axis("x", tmp_path) == "+x"  # the flag wins
    (tmp_path / "config.toml").write_text('[sensor]\nup_axis = "up"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"\[sensor\] up axis must be one of"):
        load_up_axis(tmp_path)
    (tmp_path / "config.toml").write_text("[sensor]\nup_axis = 1\n", encoding="utf-8")
    with pytest.raises(UserError, match="must be text"):
        load_up_axis(tmp_path)


def test_up_axis_is_stored_with_the_session(tmp_path: Path) -> None:
    _write_lying_csv(tmp_path / "a.csv", n_s=30)
    data = tmp_path / "data"
    res = runner.invoke(app, ["import", str(tmp_path / "a.csv"), "--data-dir", str(data),
                              "--timezone", "UTC", "--up-axis", "y"])
    assert res.exit_code == 0, res.stderr
    store = Store(data)
    s = store.sessions()
    assert s["up_axis"].tolist() == ["+y"]
    lo = int(pd.Timestamp("2026-11-18T00:00:00Z").value)
    priors = store.up_priors(lo, lo + 86_400 * 10**9)
    assert [p.axis for p in priors] == ["+y"]
    assert priors[0].start_ns == int(pd.Timestamp("2026-11-18T09:00:00Z").value)
    assert priors[0].end_ns is not None and priors[0].end_ns > priors[0].start_ns
    assert store.up_priors(lo - 86_400 * 10**9, lo) == []  # the day before: none


def test_config_up_axis_is_used_by_import(tmp_path: Path) -> None:
    _write_lying_csv(tmp_path / "a.csv", n_s=30)
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text('[sensor]\nup_axis = "+z"\n', encoding="utf-8")
    res = runner.invoke(app, ["import", str(tmp_path / "a.csv"), "--data-dir", str(data),
                              "--timezone", "UTC"])
    assert res.exit_code == 0, res.stderr
    assert Store(data).sessions()["up_axis"].tolist() == ["+z"]


def test_old_database_gains_the_column(tmp_path: Path) -> None:
    store = Store(tmp_path)
    sid = store.start_session(SourceInfo("m", rate_hz=10.0), "UTC", started_ns=10**18)
    store.end_session(sid, 10**18 + 10**9, 0)
    store.close()
    db = sqlite3.connect(tmp_path / "posturelog.db")
    db.execute("ALTER TABLE sessions DROP COLUMN up_axis")
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert store.sessions()["up_axis"].tolist() == [""]
    assert store.up_priors(0, 2 * 10**18) == []


def test_bad_up_axis_in_source_info_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="up axis must be one of"):
        Store(tmp_path).start_session(SourceInfo("m", up_axis="sideways"), "UTC")
    _write_lying_csv(tmp_path / "a.csv", n_s=20)
    with pytest.raises(UserError, match="up axis"):
        import_csv(Store(tmp_path / "d"), tmp_path / "a.csv", "UTC", up_axis="nope")


def test_epochs_use_the_stored_prior_and_key_the_cache_on_it(tmp_path: Path) -> None:
    _write_lying_csv(tmp_path / "a.csv")
    day = date(2026, 11, 18)
    plain = Store(tmp_path / "plain")
    plain.set_setting("timezone", "UTC")
    import_csv(plain, tmp_path / "a.csv", "UTC")
    ep = epochs_for_days(plain, day, day).epochs
    assert (ep["context"] == "upright").all() and (ep["calibration"] == "none").all()
    worn = Store(tmp_path / "worn")
    worn.set_setting("timezone", "UTC")
    import_csv(worn, tmp_path / "a.csv", "UTC", up_axis="+y")
    for _ in range(2):  # computed, then from the cache
        res = epochs_for_days(worn, day, day)
        assert (res.epochs["context"] == "lying").all()
        assert (res.epochs["calibration"] == "prior").all()
        assert res.days[0]["mountings"][0]["source"] == "prior"
    marks = worn.calibration_marks()
    s = AnalysisSettings()
    k0 = cache_key(worn, day, marks, s, None)
    k1 = cache_key(worn, day, marks, s, None, priors=[UpPrior(0, None, "+y")])
    k2 = cache_key(worn, day, marks, s, None, priors=[UpPrior(0, None, "-y")])
    assert len({k0, k1, k2}) == 3


def test_prior_calibration_reaches_the_minutes_export_and_the_report_words(tmp_path: Path) -> None:
    from posturelog.minutes import export_minutes
    from posturelog.report.wording import calibration_text

    _write_lying_csv(tmp_path / "a.csv")
    store = Store(tmp_path / "d")
    store.set_setting("timezone", "UTC")
    import_csv(store, tmp_path / "a.csv", "UTC", up_axis="+y")
    n = export_minutes(store, tmp_path / "m.csv", None, None, AnalysisSettings())
    m = pd.read_csv(tmp_path / "m.csv")
    assert n == len(m) > 0
    assert set(m["calibration"]) == {"prior"} and set(m["calibration_confidence"]) == {"low"}
    assert calibration_text("prior", "low") == (
        "upright from how the sensor is worn (its up axis), not from the data, low confidence")
