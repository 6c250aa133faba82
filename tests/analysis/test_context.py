"""Context per second: lying / walking / upright / non-wear."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.context import CONTEXT_DTYPE, classify_context, walking_flag
from analysis.settings import AnalysisSettings


def frame(incl: np.ndarray, step_rms: np.ndarray, worn: np.ndarray | bool = True) -> pd.DataFrame:
    n = len(incl)
    idx = pd.DatetimeIndex(pd.date_range("2026-11-16T10:00:00Z", periods=n, freq="s"), name="time")
    return pd.DataFrame({"inclination_deg": incl, "step_power": np.asarray(step_rms) ** 2,
                         "worn": np.broadcast_to(worn, (n,)).copy()}, index=idx)


def test_classes() -> None:
    incl = np.r_[np.full(100, 10.0), np.full(100, 85.0), np.full(100, 5.0), np.full(100, 5.0)]
    step = np.r_[np.zeros(200), np.full(100, 1.5), np.zeros(100)]
    worn = np.r_[np.ones(300, bool), np.zeros(100, bool)]
    out, info = classify_context(frame(incl, step, worn))
    assert out["context"].dtype == CONTEXT_DTYPE
    ctx = out["context"].astype(str).to_numpy()
    assert (ctx[:100] == "upright").all()
    assert (ctx[100:200] == "lying").all()
    assert (ctx[203:297] == "walking").all()
    assert (ctx[300:] == "nonwear").all()
    assert info["lying_seconds"] == 100 and info["nonwear_seconds"] == 100


def test_deep_bend_is_not_lying_and_short_steps_not_walking() -> None:
    incl = np.r_[np.full(50, 5.0), np.full(10, 75.0), np.full(50, 5.0)]
    step = np.r_[np.zeros(50), np.full(1, 2.0), np.zeros(59)]
    out, _ = classify_context(frame(incl, step))
    assert (out["context"] == "upright").all()


def test_lying_boundary_setting() -> None:
    incl = np.full(60, 62.0)
    out, _ = classify_context(frame(incl, np.zeros(60)))
    assert (out["context"] == "lying").all()  # > 60° default (hip study: 64.9°)
    out, _ = classify_context(frame(incl, np.zeros(60)), AnalysisSettings(lying_inclination_deg=65))
    assert (out["context"] == "upright").all()


def test_walking_flag_needs_column() -> None:
    with pytest.raises(ValueError, match="step_power"):
        walking_flag(frame(np.zeros(3), np.zeros(3)).drop(columns="step_power"))
    with pytest.raises(ValueError, match="needs columns"):
        classify_context(frame(np.zeros(3), np.zeros(3)).drop(columns="worn"))
