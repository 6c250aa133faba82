"""The worn-orientation prior (up axis): parsing, per-second spans, and its use in bouts
without an upright of their own (analysis.epochs.bout_angles, analysis.upright)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.epochs import epochs_from_arrays
from analysis.upaxis import UpPrior, parse_up_axis, prior_per_second, up_axis_vector
from analysis.upright import split_upright_lying

G = 9.80665
FS = 10.0
T0_S = 1_767_614_400  # 2026-01-05 12:00 UTC


def _unit(v: np.ndarray) -> np.ndarray:
    return np.asarray(v / np.linalg.norm(v, axis=-1, keepdims=True))


def _times(n: int) -> np.ndarray:
    return ((T0_S + np.arange(n) / FS) * 1e9).astype(np.int64)


@pytest.mark.parametrize(("text", "axis"), [("+y", "+y"), ("y", "+y"), (" -Z ", "-z"), ("+X", "+x")])
def test_parse_up_axis_normalises(text: str, axis: str) -> None:
    assert parse_up_axis(text) == axis


@pytest.mark.parametrize("text", ["", "up", "+w", "++y", "y+", "1", "-xy"])
def test_parse_up_axis_rejects_with_the_accepted_values(text: str) -> None:
    with pytest.raises(ValueError, match=r"one of \+x, -x, \+y, -y, \+z, -z"):
        parse_up_axis(text)


def test_up_axis_vector() -> None:
    np.testing.assert_array_equal(up_axis_vector("-z"), [0.0, 0.0, -1.0])
    np.testing.assert_array_equal(up_axis_vector("y"), [0.0, 1.0, 0.0])


def test_prior_per_second_spans() -> None:
    sec = np.arange(100, 110, dtype=np.int64)
    ns = 1_000_000_000
    out = prior_per_second(sec, [UpPrior(102 * ns, 105 * ns, "+x"), UpPrior(107 * ns, None, "-y")])
    assert np.isnan(out[[0, 1, 5, 6]]).all()
    np.testing.assert_array_equal(out[2:5], np.tile([1.0, 0.0, 0.0], (3, 1)))
    np.testing.assert_array_equal(out[7:], np.tile([0.0, -1.0, 0.0], (3, 1)))


def _all_lying(seed: int, n_s: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """A wear bout of still lying on the back (breathing, sensor noise): one posture only."""
    rng = np.random.default_rng(seed)
    n = int(n_s * FS)
    t = np.arange(n) / FS
    up = _unit(np.array([0.96, -0.2, 0.1]))
    acc = up * G + rng.normal(0, 0.05, (n, 3))
    acc[:, 0] += 0.05 * np.sin(2 * np.pi * 0.25 * t)
    return _times(n), acc


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_all_lying_bout_needs_the_prior(seed: int) -> None:
    t_ns, acc = _all_lying(seed)
    ep, _ = epochs_from_arrays(t_ns, acc, None, FS)
    # nothing in the data to estimate upright from: the held posture is taken as upright
    assert (ep["context"] == "upright").all()
    assert (ep["calibration"] == "none").all()
    ep, info = epochs_from_arrays(t_ns, acc, None, FS,
                                  up_priors=[UpPrior(int(t_ns[0]), None, "+y")])
    assert (ep["context"] == "lying").all()
    assert (ep["calibration"] == "prior").all()
    assert (ep["calibration_confidence"] == "low").all()
    assert ep["inclination_deg"].median() > 90
    assert info.mountings[0]["source"] == "prior"
    np.testing.assert_allclose(info.mountings[0]["up_sensor"] or [], [0.0, 1.0, 0.0])


def test_prior_outside_its_session_is_not_used() -> None:
    t_ns, acc = _all_lying(4)
    late = int(t_ns[-1]) + 10**9
    ep, _ = epochs_from_arrays(t_ns, acc, None, FS, up_priors=[UpPrior(late, None, "+y")])
    assert (ep["calibration"] == "none").all()


def _tilted_sway(seed: int, tilt_deg: float, n_s: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Upright swaying about a direction ``tilt_deg`` from the sensor's +y toward +x (a sensor
    sitting tilted), moving about one direction without drift (upright activity)."""
    rng = np.random.default_rng(seed)
    n = int(n_s * FS)
    t = np.arange(n) / FS
    a = np.radians(tilt_deg + 12 * np.sin(2 * np.pi * 0.3 * t))
    b = np.radians(8 * np.sin(2 * np.pi * 0.17 * t))
    up = np.stack([np.sin(a), np.cos(a) * np.cos(b), np.cos(a) * np.sin(b)], axis=1)
    return _times(n), up * G + rng.normal(0, 0.05, (n, 3))


@pytest.mark.parametrize("tilt_deg", [40.0, 70.0])
def test_prior_does_not_override_an_upright_found_in_the_data(tilt_deg: float) -> None:
    t_ns, acc = _tilted_sway(5, tilt_deg)
    base, _ = epochs_from_arrays(t_ns, acc, None, FS)
    ep, info = epochs_from_arrays(t_ns, acc, None, FS,
                                  up_priors=[UpPrior(int(t_ns[0]), None, "+y")])
    assert (ep["calibration"] == "estimated").all()
    assert (ep["context"] == "upright").all()  # 70° from +y would be lying by the prior
    np.testing.assert_array_equal(ep["inclination_deg"], base["inclination_deg"])
    assert info.mountings[0]["source"] == "estimated"


def _two_postures(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Still seconds of two postures 80° apart: A near the sensor's +y, B near +x."""
    rng = np.random.default_rng(seed)
    a = _unit(np.array([0.2, 0.98, 0.0]))
    b = _unit(np.array([0.95, -0.2, 0.1]))
    up = np.vstack([a + rng.normal(0, 0.01, (60, 3)), b + rng.normal(0, 0.01, (90, 3))])
    return _unit(up), np.full(150, 1.0)


def test_split_prior_picks_the_upright_posture_when_clear() -> None:
    up, spread = _two_postures(6)
    wrong_guess = up[100]  # an estimate that landed on the lying posture
    split = split_upright_lying(up, spread, wrong_guess)
    assert split is not None and split.lying_mask[:60].all()  # without prior: upside down
    split = split_upright_lying(up, spread, wrong_guess, prior=[0.0, 1.0, 0.0])
    assert split is not None and split.swapped
    assert not split.lying_mask[:60].any() and split.lying_mask[60:].all()


def test_split_ignores_an_unclear_prior() -> None:
    up, spread = _two_postures(7)
    guess = up[100]
    plain = split_upright_lying(up, spread, guess)
    # the prior halfway between the postures (both ~40° off): no clear decision
    mid = _unit(np.array([0.2, 0.98, 0.0]) + np.array([0.95, -0.2, 0.1]))
    with_prior = split_upright_lying(up, spread, guess, prior=mid)
    assert plain is not None and with_prior is not None
    np.testing.assert_array_equal(plain.lying_mask, with_prior.lying_mask)
    np.testing.assert_array_equal(plain.upright, with_prior.upright)
