"""``posturelog demo --stretching``: simulated stretch sessions logged as checked stretches and
reported (one day at 5 Hz: the comparison is withheld, the counts are in daily.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.store import Store
from vocab.stretchnote import is_verified_stretch, parse_stretch_note


def test_demo_with_stretching(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "report"
    args = ["demo", "--days", "1", "--rate", "5", "--seed", "1", "--start", "2026-11-16",
            "--stretching", "--data-dir", str(data), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    with Store(data) as store:
        log = store.remedy_log(0, 2**62)
    notes = [str(n) for n in log.loc[log["kind"] == "stretch", "note"]]
    checked = [n for n in notes if parse_stretch_note(n) is not None]
    assert checked, notes  # sessions logged with the command's note
    daily = pd.read_csv(out / "daily.csv")
    monday = daily[daily["date"] == "2026-11-16"].iloc[0]
    assert monday["stretches_verified"] == sum(is_verified_stretch(n) for n in notes)
    assert monday["stretches_verified"] + monday["stretches_logged_only"] == len(notes)
    html = (out / "report.html").read_text()
    assert "too few to compare" in html and "at least 10 are needed" in html
