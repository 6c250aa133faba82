"""Two-posture split of estimated bouts (analysis.upright)."""

from __future__ import annotations

import numpy as np

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
