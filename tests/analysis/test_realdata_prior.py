"""The up-axis prior on real data (UCI older people, CC BY 4.0, Torres et al. 2013; see
``tests/analysis/data/README.md``). The set documents its columns as frontal, vertical and
lateral acceleration, so the documented vertical is the prior: ``+y`` as written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.epochs import epochs_from_arrays
from analysis.upaxis import UpPrior
from vocab.samples import rate_from_times

DATA = Path(__file__).parent / "data"
G = 9.80665
LABELS = {1: "upright", 2: "upright", 3: "lying", 4: "walking"}
T0_NS = int(pd.Timestamp("2026-01-05T12:00:00Z").value)
PRIOR = [UpPrior(T0_NS, None, "+y")]


def _uci(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = pd.read_csv(path, header=None).to_numpy(dtype=float)
    d = d[np.concatenate(([True], np.diff(d[:, 0]) > 0))]
    t_ns = T0_NS + np.round(d[:, 0] * 1e9).astype(np.int64)
    return t_ns, d[:, 1:4] * G, np.array([LABELS[int(c)] for c in d[:, 8]], dtype=object)


def _labels(t_ns: np.ndarray, lab: np.ndarray, ep: pd.DataFrame) -> np.ndarray:
    s = pd.Series(lab, index=t_ns // 1_000_000_000)
    s = s.groupby(level=0).agg(lambda x: x.value_counts().index[0])
    return s.reindex(pd.DatetimeIndex(ep.index).as_unit("ns").asi8 // 1_000_000_000).to_numpy()


@pytest.mark.parametrize("name", ["d1p19F", "d1p20F"])
def test_all_lying_sequence_found_with_the_documented_vertical(name: str) -> None:
    t_ns, acc, lab = _uci(DATA / "uci_older_s1_lying" / f"{name}.csv")
    fs = rate_from_times(t_ns)
    ep, _ = epochs_from_arrays(t_ns, acc, None, fs)
    t = _labels(t_ns, lab, ep)
    p = ep["context"].astype(str).to_numpy()
    # measured: 1/279 and 0/56 lying seconds without a prior (the held posture is "upright")
    assert np.mean(p[t == "lying"] == "lying") < 0.1
    ep, info = epochs_from_arrays(t_ns, acc, None, fs, up_priors=PRIOR)
    p = ep["context"].astype(str).to_numpy()
    # measured: 277/279 and 56/56
    assert np.mean(p[t == "lying"] == "lying") >= 0.95
    assert {r["source"] for r in info.mountings} == {"prior"}
    assert set(ep["calibration_confidence"].astype(str)) == {"low"}


@pytest.mark.parametrize("path", sorted((DATA / "uci_older_s1").glob("d*.csv"))
                         + [DATA / "uci_older_s1_gap" / "d1p27F.csv"], ids=lambda p: p.stem)
def test_prior_leaves_sequences_with_their_own_upright_unchanged(path: Path) -> None:
    """Sequences with both lying and upright time: the data give the upright, the prior is
    not used (and the two-posture split reaches the same decision with it)."""
    t_ns, acc, _ = _uci(path)
    fs = rate_from_times(t_ns)
    base, _ = epochs_from_arrays(t_ns, acc, None, fs)
    ep, info = epochs_from_arrays(t_ns, acc, None, fs, up_priors=PRIOR)
    assert "prior" not in {r["source"] for r in info.mountings}
    pd.testing.assert_frame_equal(ep, base)
