"""Tests for the simulated wearer (small sample rates keep them fast)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensor.batch import SampleBatch
from sensor.simulate import (
    CONTEXTS,
    GRAVITY_MPS2,
    REMEDY_KINDS,
    SimulatedDay,
    SimulatedWearer,
    SimulationSettings,
)

FS = 10.0


@cache
def _wearer(**kwargs: object) -> SimulatedWearer:
    base: dict[str, object] = {"fs_hz": FS, "days": 3}
    base.update(kwargs)
    return SimulatedWearer(SimulationSettings(**base))  # type: ignore[arg-type]


@cache
def _day(index: int, **kwargs: object) -> SimulatedDay:
    return _wearer(**kwargs).day(index)


def _rotate_up(up: np.ndarray, omega: np.ndarray, dt_s: float) -> np.ndarray:
    """Propagate a world-fixed direction seen in a rotating frame: u_k = R(ω dt)ᵀ u_{k−1}."""
    rotvec = omega * dt_s
    angle = float(np.linalg.norm(rotvec))
    if angle < 1e-15:
        return up
    axis = rotvec / angle
    # Rodrigues for Rᵀ u = rotation by −angle
    c, s = np.cos(angle), np.sin(angle)
    return up * c - np.cross(axis, up) * s + axis * np.dot(axis, up) * (1.0 - c)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index runs where ``mask`` is true."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def test_determinism_by_seed() -> None:
    a = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=2, seed=7)).day(1)
    b = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=2, seed=7)).day(1)
    c = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=2, seed=8)).day(1)
    np.testing.assert_array_equal(a.t_ns, b.t_ns)
    np.testing.assert_array_equal(a.acc_mps2, b.acc_mps2)
    np.testing.assert_array_equal(a.gyr_rads, b.gyr_rads)
    np.testing.assert_array_equal(a.slouch, b.slouch)
    assert a.routines == b.routines and a.gaps == b.gaps
    assert a.acc_mps2.shape != c.acc_mps2.shape or not np.array_equal(a.acc_mps2, c.acc_mps2)


def test_days_are_independent() -> None:
    direct = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=5, seed=3)).day(4)
    sequential_wearer = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=7, seed=3))
    for k in range(5):
        later = sequential_wearer.day(k)
    np.testing.assert_array_equal(direct.t_ns, later.t_ns)
    np.testing.assert_array_equal(direct.acc_mps2, later.acc_mps2)
    np.testing.assert_array_equal(direct.flexion_deg, later.flexion_deg)
    assert direct.mount_changes == later.mount_changes


@pytest.mark.parametrize("ppm", [25.0, -80.0])
def test_times_increase_and_drift_matches_ppm(ppm: float) -> None:
    wearer = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=2, clock_drift_ppm=ppm))
    day0, day1 = wearer.day(0), wearer.day(1)
    for day in (day0, day1):
        assert day.t_ns.dtype == np.int64
        assert np.all(np.diff(day.t_ns) > 0)
        assert day.t_ns[0] >= day.day_start_ns and day.t_ns[-1] < day.day_end_ns
    period = 1e9 * (1.0 + ppm * 1e-6)
    span = (day0.t_ns[-1] - day0.t_ns[0]) / (day0.sample_index[-1] - day0.sample_index[0])
    assert span == pytest.approx(period, rel=1e-9)
    assert wearer.true_rate_hz == pytest.approx(1.0 / (1.0 + ppm * 1e-6), rel=1e-12)
    # over a day the drift accumulates to ppm × 86400 s relative to the nominal clock
    drift_s = (day0.t_ns[-1] - day0.t_ns[0]) * 1e-9 - (day0.sample_index[-1] - day0.sample_index[0])
    assert drift_s == pytest.approx(
        ppm * 1e-6 * (day0.sample_index[-1] - day0.sample_index[0]), rel=1e-6
    )
    # the sensor streams across midnight without a hole
    assert day1.sample_index[0] == day0.sample_index[-1] + 1
    assert abs((day1.t_ns[0] - day0.t_ns[-1]) - period) <= 1.0


def test_up_vectors_are_unit_and_mounting_truth_is_consistent() -> None:
    day = _day(0)
    np.testing.assert_allclose(np.linalg.norm(day.up_sensor, axis=1), 1.0, atol=1e-9)
    assert day.mounting[0][0] == 0
    assert [i for i, _ in day.mounting[1:]] == day.mount_changes
    starts = [i for i, _ in day.mounting] + [len(day)]
    for (start, m), end in zip(day.mounting, starts[1:], strict=True):
        np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-9)
        assert np.linalg.det(m) == pytest.approx(1.0)
        worn = np.flatnonzero(day.worn[start:end]) + start
        if worn.size == 0:
            continue
        up_body = day.up_sensor[worn] @ m  # Mᵀ u_S for row vectors
        flex = np.degrees(np.arcsin(np.clip(-up_body[:, 0], -1, 1)))
        np.testing.assert_allclose(flex, day.flexion_deg[worn], atol=1e-6)


def test_accelerometer_at_rest_reads_gravity() -> None:
    day = _day(0, night_wear_probability=0.0, acc_bias_mps2=0.0, fs_hz=2.0)
    first_hour = day.t_ns < day.day_start_ns + 3_600_000_000_000
    assert not day.worn[first_hour].any()
    assert np.all(day.context[first_hour] == CONTEXTS.index("nonwear"))
    diff = day.acc_mps2[first_hour] - GRAVITY_MPS2 * day.up_sensor[first_hour]
    assert np.all(np.abs(diff.mean(axis=0)) < 0.005)
    assert np.all(np.abs(diff.std(axis=0) - 0.03) < 0.005)
    # perfectly still: the true up vector does not move on the nightstand
    assert np.ptp(day.up_sensor[first_hour], axis=0).max() < 1e-12


def test_gyroscope_integration_is_exact_without_errors() -> None:
    day = _day(1, gyr_noise_rads=0.0, gyr_bias_rads=0.0, quantize=False, fs_hz=5.0)
    dt_s = 1.0 / _wearer(fs_hz=5.0).true_rate_hz
    walking = _runs(day.context == CONTEXTS.index("walking"))
    start, end = max(walking, key=lambda r: r[1] - r[0])
    end = min(end, start + 600)
    assert np.all(np.diff(day.sample_index[start:end]) == 1)
    up = day.up_sensor[start].copy()
    worst = 0.0
    for k in range(start + 1, end):
        up = _rotate_up(up, day.gyr_rads[k], dt_s)
        worst = max(worst, float(np.linalg.norm(up - day.up_sensor[k])))
    assert worst < 1e-9


def test_gyroscope_integration_with_noise_and_known_bias() -> None:
    wearer = _wearer()
    day = _day(0)
    dt_s = 1.0 / wearer.true_rate_hz
    desk = _runs(day.slouch)
    start, _ = max(desk, key=lambda r: r[1] - r[0])
    start = max(start - int(30 * FS), 0)
    end = start + int(60 * FS)
    assert np.all(np.diff(day.sample_index[start:end]) == 1)
    corrected = day.gyr_rads[start:end] - wearer.gyroscope_bias(day.t_ns[start:end])
    up = day.up_sensor[start].copy()
    for k in range(1, end - start):
        up = _rotate_up(up, corrected[k], dt_s)
    error_deg = np.degrees(np.arccos(np.clip(np.dot(up, day.up_sensor[end - 1]), -1, 1)))
    assert error_deg < 2.0


def test_walking_has_step_frequency_peak() -> None:
    day = _day(0)
    runs = [r for r in _runs(day.context == CONTEXTS.index("walking")) if r[1] - r[0] > 60 * FS]
    assert runs
    start, end = runs[0]
    segment = slice(start + int(5 * FS), start + int(5 * FS) + int(40 * FS))
    magnitude = np.linalg.norm(day.acc_mps2[segment], axis=1)
    magnitude = magnitude - magnitude.mean()
    spectrum = np.abs(np.fft.rfft(magnitude * np.hanning(magnitude.size)))
    freqs = np.fft.rfftfreq(magnitude.size, 1.0 / FS)
    peak = freqs[np.argmax(spectrum[1:]) + 1]
    assert 1.55 <= peak <= 2.25
    # vertical acceleration of a few m/s²
    assert 1.0 < magnitude.std() < 4.0


def test_context_wear_and_slouch_consistency() -> None:
    day = _day(0)
    nonwear = day.context == CONTEXTS.index("nonwear")
    np.testing.assert_array_equal(nonwear, ~day.worn)
    assert np.all(day.worn[day.slouch])
    assert np.all(day.context[day.slouch] == CONTEXTS.index("upright"))
    assert np.all(np.isnan(day.flexion_deg[~day.worn]))
    assert not np.isnan(day.flexion_deg[day.worn]).any()
    assert day.slouch.any()
    assert np.median(day.flexion_deg[day.slouch]) > 20.0
    upright_not_slouch = (day.context == CONTEXTS.index("upright")) & ~day.slouch
    assert np.median(day.flexion_deg[upright_not_slouch]) < 12.0
    # episodes are sustained (≥ 1 min), forward reaches (< 30 s) are not slouch
    lengths = [(b - a) / FS for a, b in _runs(day.slouch)]
    assert min(lengths) > 55.0
    lying = day.context == CONTEXTS.index("lying")
    assert lying.any()
    far_from_upright = (np.abs(day.flexion_deg[lying]) > 60.0) | (
        np.abs(day.lateral_deg[lying]) > 60.0
    )
    assert far_from_upright.mean() > 0.99


def test_routines_stand_tall_then_bend() -> None:
    day = _day(0)
    assert day.routines
    for start_ns, end_ns in day.routines:
        inside = (day.t_ns >= start_ns) & (day.t_ns < end_ns)
        flex = day.flexion_deg[inside]
        assert day.worn[inside].all()
        assert np.all(np.abs(flex[: int(4 * FS)]) < 2.0)
        assert 28.0 <= np.nanmax(flex) <= 52.0


def test_dst_day_is_25_hours() -> None:
    wearer = SimulatedWearer(SimulationSettings(fs_hz=1.0, start_date=dt.date(2026, 10, 19)))
    day = wearer.day(6)
    assert day.date == dt.date(2026, 10, 25)
    assert day.day_end_ns - day.day_start_ns == 25 * 3_600_000_000_000
    assert (day.t_ns[-1] - day.t_ns[0]) > 24.99 * 3600e9
    normal = wearer.day(5)
    assert normal.day_end_ns - normal.day_start_ns == 24 * 3_600_000_000_000
    spring = SimulatedWearer(SimulationSettings(fs_hz=1.0, start_date=dt.date(2027, 3, 22)))
    assert spring.day_bounds_ns(6)[1] - spring.day_bounds_ns(6)[0] == 23 * 3_600_000_000_000
    # wake-up follows the local clock: on Sunday (wake after 07:18 local) the first
    # attachment comes more than 8.3 h after local midnight because of the extra hour
    assert day.mount_changes
    assert day.t_ns[day.mount_changes[0]] - day.day_start_ns > 8.3 * 3600e9


def test_pain_and_remedies() -> None:
    wearer = SimulatedWearer(SimulationSettings(days=7))
    start = time.perf_counter()
    ratings = wearer.pain_ratings()
    remedies = wearer.remedies()
    assert time.perf_counter() - start < 2.0
    assert 3 * 7 <= len(ratings) <= 6 * 7
    assert all(isinstance(r.score, int) and 0 <= r.score <= 10 for r in ratings)
    assert all(r.kind in REMEDY_KINDS for r in remedies)
    times = [r.t_ns for r in ratings]
    assert times == sorted(times)
    assert [r.t_ns for r in remedies] == sorted(r.t_ns for r in remedies)
    first, last = wearer.day_bounds_ns(0)[0], wearer.day_bounds_ns(6)[1]
    assert all(first <= t < last for t in times)


def test_batches_concatenate_to_days() -> None:
    wearer = SimulatedWearer(SimulationSettings(fs_hz=1.0, days=2, seed=11))
    batches = list(wearer.batches(batch_s=60.0))
    assert all(isinstance(b, SampleBatch) and b.has_gyroscope for b in batches)
    days = list(wearer.iter_days())
    np.testing.assert_array_equal(
        np.concatenate([b.t_ns for b in batches]), np.concatenate([d.t_ns for d in days])
    )
    np.testing.assert_array_equal(
        np.concatenate([b.acc_mps2 for b in batches]), np.concatenate([d.acc_mps2 for d in days])
    )
    gyr = [b.gyr_rads for b in batches if b.gyr_rads is not None]
    np.testing.assert_array_equal(np.concatenate(gyr), np.concatenate([d.gyr_rads for d in days]))
    assert sum(b.gap_before for b in batches) == sum(len(d.gaps) for d in days)
    # schedule-level truth agrees with the per-sample truth
    assert wearer.routines() == [r for d in days for r in d.routines]
    t_all = np.concatenate([d.t_ns for d in days])
    in_episode = np.zeros(t_all.size, dtype=bool)
    for start_ns, end_ns in wearer.slouch_episodes():
        in_episode |= (t_all >= start_ns) & (t_all < end_ns)
    np.testing.assert_array_equal(in_episode, np.concatenate([d.slouch for d in days]))
    assert max(len(b) for b in batches) == 60

    async def collect() -> list[SampleBatch]:
        return [b async for b in wearer.stream(batch_s=60.0)]

    streamed = asyncio.run(collect())
    assert len(streamed) == len(batches)
    np.testing.assert_array_equal(
        np.concatenate([b.t_ns for b in streamed]), np.concatenate([d.t_ns for d in days])
    )


def test_gaps_are_reported_and_absent() -> None:
    day = _day(0)
    assert 1 <= len(day.gaps) <= 3
    for start_ns, end_ns in day.gaps:
        assert not np.any((day.t_ns >= start_ns) & (day.t_ns < end_ns))
        assert end_ns in set(day.t_ns.tolist())
        assert 2e9 <= end_ns - start_ns <= 61e9


def test_invalid_settings_and_index() -> None:
    with pytest.raises(ValueError, match="fs_hz"):
        SimulationSettings(fs_hz=0.0)
    with pytest.raises(ValueError, match="time zone"):
        SimulationSettings(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="seed"):
        SimulationSettings(seed=-1)
    with pytest.raises(ValueError, match="day index"):
        SimulatedWearer(SimulationSettings(days=2)).day(2)
    with pytest.raises(ValueError, match="batch_s"):
        next(SimulatedWearer(SimulationSettings(days=1, fs_hz=1.0)).batches(batch_s=0.0))


@pytest.mark.parametrize("night_wear", [0.0, 1.0])
def test_days_join_continuously_at_midnight(night_wear: float) -> None:
    wearer = SimulatedWearer(
        SimulationSettings(fs_hz=1.0, days=2, night_wear_probability=night_wear)
    )
    day0, day1 = wearer.day(0), wearer.day(1)
    assert bool(day0.worn[-1]) == bool(day1.worn[0]) == (night_wear == 1.0)
    cos_angle = float(np.dot(day0.up_sensor[-1], day1.up_sensor[0]))
    assert np.degrees(np.arccos(min(cos_angle, 1.0))) < 0.1
    np.testing.assert_allclose(day0.mounting[-1][1], day1.mounting[0][1])


def test_every_gyroscope_sample_is_consistent_with_the_up_vectors() -> None:
    """Noise-free: each gyro sample rotates the previous true up vector onto the next one."""
    wearer = SimulatedWearer(
        SimulationSettings(
            fs_hz=2.0,
            days=1,
            seed=5,
            gyr_noise_rads=0.0,
            gyr_bias_rads=0.0,
            acc_noise_mps2=0.0,
            acc_bias_mps2=0.0,
            quantize=False,
        )
    )
    day = wearer.day(0)
    rotvec = day.gyr_rads[1:] / wearer.true_rate_hz
    angle = np.linalg.norm(rotvec, axis=1)
    axis = rotvec / np.where(angle > 0, angle, 1.0)[:, None]
    up = day.up_sensor[:-1]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    predicted = (
        up * c - np.cross(axis, up) * s + axis * np.sum(axis * up, axis=1)[:, None] * (1 - c)
    )
    contiguous = np.diff(day.sample_index) == 1
    assert np.abs(predicted - day.up_sensor[1:])[contiguous].max() < 1e-9
    # off the body and without noise the accelerometer is exactly gravity
    off = ~day.worn
    np.testing.assert_allclose(
        day.acc_mps2[off], GRAVITY_MPS2 * day.up_sensor[off], atol=1e-6 * GRAVITY_MPS2
    )


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    timezone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney"]),
    offset=st.integers(0, 365),
)
def test_schedule_truth_is_well_formed(seed: int, timezone: str, offset: int) -> None:
    start = dt.date(2026, 1, 5) + dt.timedelta(days=offset)
    wearer = SimulatedWearer(
        SimulationSettings(seed=seed, days=3, timezone=timezone, start_date=start)
    )
    first, last = wearer.day_bounds_ns(0)[0], wearer.day_bounds_ns(2)[1]
    episodes = wearer.slouch_episodes()
    assert all(first < a < b < last and b - a >= 60e9 for a, b in episodes)
    assert all(b0 <= a1 for (_, b0), (a1, _) in zip(episodes, episodes[1:], strict=False))
    assert all(first < a < b < last for a, b in wearer.routines())
    ratings = wearer.pain_ratings()
    assert 9 <= len(ratings) <= 18
    assert all(0 <= r.score <= 10 for r in ratings)
    assert all(r.kind in REMEDY_KINDS for r in wearer.remedies())
