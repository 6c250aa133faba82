"""Two-posture split of estimated bouts (analysis.upright)."""

from __future__ import annotations

import numpy as np

from analysis.epochs.estimates import _borrow_estimates
from analysis.upright import posture_clusters, split_upright_lying


def _dirs(centre: np.ndarray, n: int, sd_deg: float, rng: np.random.Generator) -> np.ndarray:
    v = centre + rng.normal(0, np.radians(sd_deg), size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    return a / np.linalg.norm(a)


def test_reclined_upright_and_lying_58_degrees_apart() -> None:
    rng = np.random.default_rng(1)
    upright = _unit([0.38, 0.92, -0.07])
    lying = _unit([0.99, 0.3, -0.04])  # 45-60° from upright: below the fixed 60° rule
    ang = np.degrees(np.arccos(upright @ lying))
    assert 45 < ang < 60
    up = np.vstack([_dirs(upright, 120, 3, rng), _dirs(lying, 100, 2, rng)])
    spread = np.r_[np.full(110, 3.0), np.full(10, 12.0), np.full(100, 2.0)]
    split = split_upright_lying(up, spread, upright)
    assert split is not None and not split.swapped
    assert split.lying_mask[120:].mean() > 0.95
    assert split.lying_mask[:120].mean() < 0.05


def test_one_posture_or_close_postures_give_no_split() -> None:
    rng = np.random.default_rng(2)
    upright = _unit([0.0, 1.0, 0.0])
    up = _dirs(upright, 200, 3, rng)
    assert split_upright_lying(up, np.full(200, 2.0), upright) is None
    slouch = _unit([0.5, 0.87, 0.0])  # 30° forward: sitting slumped, not lying
    up2 = np.vstack([up, _dirs(slouch, 100, 2, rng)])
    assert split_upright_lying(up2, np.full(300, 2.0), upright) is None


def test_vigorous_seconds_move_upright_only_when_clear() -> None:
    rng = np.random.default_rng(3)
    a = _unit([1.0, 0.0, 0.0])
    b = _unit([0.0, 1.0, 0.0])
    up = np.vstack([_dirs(a, 100, 2, rng), _dirs(b, 100, 2, rng), _dirs(b, 30, 6, rng)])
    spread = np.r_[np.full(200, 2.0), np.full(30, 15.0)]
    split = split_upright_lying(up, spread, a)  # the estimate sits on the lying posture
    assert split is not None and split.swapped
    assert float(split.upright @ b) > 0.95
    assert len(posture_clusters(up, spread)) == 2


def test_bout_without_estimate_borrows_across_missing_data_not_across_non_wear() -> None:
    """A bout with nothing to estimate from (still lying after a data gap) takes the upright
    of a neighbour joined to it by missing data only; never across non-wear (the sensor may
    have been put back on differently)."""
    up0 = _unit([0.0, 1.0, 0.0])
    own = _unit([1.0, 0.0, 0.0])  # the second bout's own median: its lying posture
    # rows: bout 0 = 0..9, (gap: no rows), bout 1 = 10..19
    bout = np.repeat(np.array([0, 1], dtype=np.int32), 10)
    worn = np.ones(20, dtype=bool)
    est = {0: (up0, "estimated", "low"), 1: (own, "none", "low")}
    _borrow_estimates(est, bout, worn)
    assert est[1][1] == "estimated" and np.allclose(est[1][0], up0)
    # the same, with a non-wear row between the bouts: no borrowing
    bout_nw = np.r_[np.zeros(10, dtype=np.int32), [-1], np.ones(10, dtype=np.int32)]
    worn_nw = np.r_[np.ones(10, dtype=bool), [False], np.ones(10, dtype=bool)]
    est = {0: (up0, "estimated", "low"), 1: (own, "none", "low")}
    _borrow_estimates(est, bout_nw, worn_nw)
    assert est[1][1] == "none" and np.allclose(est[1][0], own)
    # the previous bout first; a bout that itself only borrowed is not lent on
    est = {0: (own, "none", "low"), 1: (up0, "estimated", "medium"), 2: (own, "none", "low")}
    _borrow_estimates(est, np.repeat(np.array([0, 1, 2], dtype=np.int32), 5),
                      np.ones(15, dtype=bool))
    assert est[0][1] == est[2][1] == "estimated"
    assert np.allclose(est[0][0], up0) and np.allclose(est[2][0], up0)
