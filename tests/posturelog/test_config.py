"""config.toml and command-line overrides of the analysis settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.settings import AnalysisSettings
from posturelog.config import load_settings
from posturelog.errors import UserError


def test_defaults_without_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == AnalysisSettings()


def test_file_then_flags(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[analysis]\nslouch_threshold_deg = 15\nslouch_min_duration_s = 120\n")
    s = load_settings(tmp_path)
    assert (s.slouch_threshold_deg, s.slouch_min_duration_s) == (15.0, 120.0)
    s = load_settings(tmp_path, threshold_deg=25)
    assert (s.slouch_threshold_deg, s.slouch_min_duration_s) == (25.0, 120.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[analysis]\nslouch_treshold_deg = 15\n", "unknown setting"),
        ("[analysis]\nslouch_threshold_deg = 'high'\n", "must be a number"),
        ("[analysis\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_user_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(text)
    with pytest.raises(UserError, match=message):
        load_settings(tmp_path)


def test_out_of_range_flags(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="between 0 and 90"):
        load_settings(tmp_path, threshold_deg=-5)
    with pytest.raises(UserError, match="0–3600"):
        load_settings(tmp_path, min_duration_s=7200)
