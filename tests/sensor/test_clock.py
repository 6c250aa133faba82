"""SampleClock: drift tracking against bursty arrivals, gaps, device time, monotonic times."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensor.clock import ClockResult, SampleClock, lower_hull_slope

START_NS = 1_763_700_000_000_000_000  # 2025-11-21


def bursty_stream(
    *,
    rate_hz: float = 50.0,
    duration_s: float = 3600.0,
    drift: float = 30e-6,
    seed: int = 0,
    max_samples_per_notification: int = 6,
    conn_interval_ms: tuple[float, float] = (7.5, 50.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic BLE stream.

    The sensor's period is ``(1 + drift)`` × nominal. Notifications carry 1..max samples and
    become ready when their last sample is taken; they go out at the next connection event
    (interval redrawn every 10 s in ``conn_interval_ms``, so several notifications share an event:
    bursts), then get a host delay (exponential, mean 3 ms, plus 0.2 % stalls of 50–300 ms);
    the host queue keeps them in order.

    Returns
    -------
    t_true : (N,) int64 true sample times; starts, ends : (M,) sample index ranges per
    notification; arrival : (M,) int64 arrival times.
    """
    rng = np.random.default_rng(seed)
    n = int(rate_hz * duration_s)
    period = 1e9 / rate_hz * (1.0 + drift)
    t_true = START_NS + np.rint(np.arange(n) * period).astype(np.int64)
    sizes = rng.integers(1, max_samples_per_notification + 1, size=n)
    ends = np.cumsum(sizes)
    ends = np.append(ends[ends < n], n)
    starts = np.concatenate([[0], ends[:-1]])
    ready = t_true[ends - 1]
    # connection events
    seg_s = 10.0
    n_seg = int(duration_s / seg_s) + 2
    intervals: list[np.ndarray] = []
    for ci in rng.uniform(conn_interval_ms[0] * 1e6, conn_interval_ms[1] * 1e6, size=n_seg):
        intervals.append(np.full(int(seg_s * 1e9 / ci) + 1, ci))
    events = START_NS + rng.uniform(0, 7.5e6) + np.cumsum(np.concatenate(intervals))
    sent = events[np.searchsorted(events, ready, side="left")]
    m = ends.size
    delay = rng.exponential(3e6, size=m)
    stall = rng.random(m) < 0.002
    delay[stall] += rng.uniform(50e6, 300e6, size=int(stall.sum()))
    arrival = np.maximum.accumulate(np.rint(sent + delay).astype(np.int64))
    return t_true, starts, ends, arrival


def run_clock(
    clock: SampleClock,
    starts: np.ndarray,
    ends: np.ndarray,
    arrival: np.ndarray,
    n_total: int,
) -> tuple[np.ndarray, list[int]]:
    out = np.zeros(n_total, dtype=np.int64)
    gaps: list[int] = []
    for s, e, a in zip(starts.tolist(), ends.tolist(), arrival.tolist(), strict=True):
        r = clock.assign(e - s, a)
        out[s:e] = r.t_ns
        if r.gap_before:
            gaps.append(s)
    return out, gaps


def test_drift_30ppm_bursty_hour_within_5ms_rms() -> None:
    t_true, starts, ends, arrival = bursty_stream()
    clock = SampleClock(50.0)
    t0 = time.perf_counter()
    out, gaps = run_clock(clock, starts, ends, arrival, t_true.size)
    elapsed = time.perf_counter() - t0
    err_ms = (out - t_true) / 1e6
    rms = float(np.sqrt(np.mean(err_ms**2)))
    assert rms < 5.0, rms
    assert rms < 2.0, rms  # measured ~0.6 ms; keeps a margin for other seeds
    assert gaps == []
    assert np.all(np.diff(out) > 0)
    assert clock.drift == pytest.approx(30e-6, abs=3e-6)
    assert clock.effective_rate_hz == pytest.approx(50.0 / (1 + 30e-6), rel=3e-6)
    # without drift tracking the last hour would be 108 ms off
    assert abs(err_ms[-1]) < 5.0
    assert elapsed < 10.0


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("drift", [-40e-6, 0.0])
def test_other_drifts_and_seeds_ten_minutes(seed: int, drift: float) -> None:
    t_true, starts, ends, arrival = bursty_stream(duration_s=600.0, drift=drift, seed=seed)
    out, gaps = run_clock(SampleClock(50.0), starts, ends, arrival, t_true.size)
    err_ms = (out - t_true) / 1e6
    assert float(np.sqrt(np.mean(err_ms**2))) < 5.0
    assert gaps == []


def test_gap_detected_and_reanchored() -> None:
    t_true, starts, ends, arrival = bursty_stream(duration_s=300.0, seed=3)
    lost = (starts >= 6000) & (ends <= 6500)  # 10 s of notifications never arrive
    keep = ~lost
    first_after = int(starts[keep][starts[keep] >= 6000][0])
    clock = SampleClock(50.0)
    out, gaps = run_clock(clock, starts[keep], ends[keep], arrival[keep], t_true.size)
    assert gaps == [first_after]
    kept = np.concatenate([np.arange(s, e) for s, e in zip(starts[keep], ends[keep], strict=True)])
    err_ms = (out[kept] - t_true[kept]) / 1e6
    assert float(np.sqrt(np.mean(err_ms**2))) < 5.0
    after = kept[kept >= first_after + 250]  # 5 s after the gap: re-converged
    assert np.max(np.abs(out[after] - t_true[after])) < 20e6


def test_short_gap_detected() -> None:
    t_true, starts, ends, arrival = bursty_stream(duration_s=120.0, seed=4)
    keep = ~((starts >= 3000) & (ends <= 3050))  # ~1 s lost
    _, gaps = run_clock(SampleClock(50.0), starts[keep], ends[keep], arrival[keep], t_true.size)
    assert len(gaps) == 1


def test_reset_reanchors_keeps_rate_and_flags_gap() -> None:
    t_true, starts, ends, arrival = bursty_stream(duration_s=400.0, seed=5)
    half = starts.size // 2
    clock = SampleClock(50.0)
    out1, gaps1 = run_clock(clock, starts[:half], ends[:half], arrival[:half], t_true.size)
    drift = clock.drift
    assert drift == pytest.approx(30e-6, abs=5e-6)
    last = int(out1[ends[half - 1] - 1])
    clock.reset()
    # reconnect 3 s later; the first notification after the reconnect is flagged
    shift = 3_000_000_000
    r = clock.assign(3, int(arrival[half]) + shift)
    assert r.gap_before and int(r.t_ns[0]) > last
    assert clock.drift == drift
    r2 = clock.assign(2, int(arrival[half + 1]) + shift)
    assert not r2.gap_before and int(r2.t_ns[0]) > int(r.t_ns[-1])


def test_reset_keeps_times_increasing_even_if_host_clock_steps_back() -> None:
    clock = SampleClock(100.0)
    a = clock.assign(10, START_NS)
    clock.reset()
    b = clock.assign(10, START_NS - 10_000_000_000)
    assert b.gap_before
    assert np.all(np.diff(np.concatenate([a.t_ns, b.t_ns])) > 0)


@settings(max_examples=80, deadline=None)
@given(
    rate=st.sampled_from([10.0, 25.0, 50.0, 200.0]),
    steps=st.lists(
        st.tuples(
            st.integers(0, 12),  # samples in the notification
            st.integers(-200_000_000, 2_000_000_000),  # arrival step (may go backwards)
            st.booleans(),  # reset before it
        ),
        min_size=1,
        max_size=60,
    ),
)
def test_times_strictly_increasing_always(rate: float, steps: list[tuple[int, int, bool]]) -> None:
    clock = SampleClock(rate)
    arrival = START_NS
    times: list[np.ndarray] = []
    for n, step, reset in steps:
        if reset:
            clock.reset()
        arrival += step
        r = clock.assign(n, arrival)
        assert isinstance(r, ClockResult)
        assert r.t_ns.shape == (n,) and r.t_ns.dtype == np.int64
        times.append(r.t_ns)
    t = np.concatenate(times)
    assert np.all(np.diff(t) > 0)


def test_device_time_mode() -> None:
    # Polar-like: 200 Hz, frames of 36 samples, strap clock runs 20 ppm fast vs host
    rate = 200.0
    n = 200 * 300
    period_dev = round(1e9 / rate)
    dev = 10**15 + np.arange(n, dtype=np.int64) * period_dev
    t_true = START_NS + np.rint(np.arange(n) * period_dev * (1 - 20e-6)).astype(np.int64)
    rng = np.random.default_rng(7)
    frame = 36
    clock = SampleClock(rate, has_device_time=True)
    out = np.zeros(n, dtype=np.int64)
    gaps = []
    for i in range(0, n, frame):
        sl = slice(i, min(n, i + frame))
        if 556 * frame <= i < 566 * frame:  # 10 frames lost: device time jumps
            continue
        arr = int(t_true[sl][-1] + rng.uniform(0, 30e6))
        r = clock.assign(sl.stop - sl.start, arr, dev[sl])
        out[sl] = r.t_ns
        if r.gap_before:
            gaps.append(i)
    assert gaps == [566 * frame]
    got = out != 0
    err_ms = (out[got] - t_true[got]) / 1e6
    assert float(np.sqrt(np.mean(err_ms**2))) < 5.0
    assert clock.drift == pytest.approx(-20e-6, abs=5e-6)
    assert np.all(np.diff(out[got]) > 0)
    # strap restarted: device time goes backwards → re-anchor with a gap
    r = clock.assign(3, int(t_true[-1]) + 10_000_000, np.array([5, 5_000_005, 10_000_005]))
    assert r.gap_before and int(r.t_ns[0]) > int(out[got][-1])


def test_device_time_validation() -> None:
    clock = SampleClock(50.0, has_device_time=True)
    with pytest.raises(ValueError):
        clock.assign(2, START_NS)
    with pytest.raises(ValueError):
        clock.assign(2, START_NS, np.array([1, 2, 3]))
    with pytest.raises(ValueError):
        clock.assign(2, START_NS, np.array([2, 1]))


def test_argument_validation_and_empty() -> None:
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            SampleClock(bad)
    with pytest.raises(ValueError):
        SampleClock(50.0, gap_factor=0.0)
    clock = SampleClock(50.0)
    with pytest.raises(ValueError):
        clock.assign(-1, START_NS)
    r = clock.assign(0, START_NS)
    assert r.t_ns.shape == (0,) and not r.gap_before


def test_first_notification_spaced_at_nominal_period_ending_at_arrival() -> None:
    r = SampleClock(50.0).assign(5, START_NS)
    assert int(r.t_ns[-1]) == START_NS
    assert np.all(np.diff(r.t_ns) == 20_000_000)


def test_lower_hull_slope() -> None:
    x = np.arange(10, dtype=np.float64)
    y = 2.0 * x + np.array([5, 0, 3, 0, 9, 0, 1, 0, 4, 0], dtype=np.float64)
    assert lower_hull_slope(x, y) == pytest.approx(2.0)
    assert lower_hull_slope(x[:1], y[:1]) is None
