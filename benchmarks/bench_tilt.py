"""Speed, memory and accuracy of analysis.tilt next to vqf, imufusion and ahrs.

Run from the repository root::

    python benchmarks/bench_tilt.py            # day at 50 Hz + fast motion at 286 Hz + a week
    python benchmarks/bench_tilt.py --no-week  # skip the week of flexion

Inputs (the same arrays for every filter):

* ``day50``: one simulated day at 50 Hz, ``sensor.simulate.SimulatedWearer(SimulationSettings(
  days=1)).day(0)`` (~4.3 M samples) with its true ``up_sensor``; falls back to the synthetic
  generator in ``tests/analysis/conftest.py`` if the simulator is missing.
* ``fast286``: 10 min of fast, large rotations at 286 Hz with accelerations, noise and a
  1°/s-scale gyroscope bias (``fast_trajectory`` in ``tests/analysis/conftest.py``).

Timing: the methods run in interleaved rounds (ours, vqf, ours, vqf, ...) so that all of them see
the same background load on the shared machine; each rate is the **median** over the rounds
(5 for the causal filters, 3 for the offline ones), by wall clock and by process CPU time, and
the speed ratios to ``vqf.VQF.updateBatch`` are given for both. imufusion (one Python call per
sample) and ahrs Madgwick (pure Python) run once on a slice. Peak memory is the tracemalloc peak of
one separate run (numpy and vqf arrays are traced). Inclination RMSE is the RMS angle between
estimated and true up vectors over the samples the method processed.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.calibration import Mounting  # noqa: E402
from analysis.flexion import flexion_angles  # noqa: E402
from analysis.tilt import gravity_direction  # noqa: E402
from tests.analysis.conftest import angle_deg, fast_trajectory, posture_trajectory  # noqa: E402

FloatArray = np.ndarray


def up_from_sensor_to_earth(q: FloatArray) -> FloatArray:
    """Up in the sensor frame from sensor→earth quaternions [w, x, y, z] (z up): R(q)ᵀ e_z."""
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    # third row of R(q)
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)


def load_day() -> tuple[str, FloatArray, FloatArray, FloatArray, float]:
    try:
        from sensor.simulate import SimulatedWearer, SimulationSettings
    except ImportError:
        tr = posture_trajectory(86400.0, 50.0, seed=1, lying=True)
        return "day50 (synthetic)", tr.acc, tr.gyr, tr.up, 50.0
    day = SimulatedWearer(SimulationSettings(days=1)).day(0)
    return "day50 (SimulatedWearer)", day.acc_mps2, day.gyr_rads, day.up_sensor, 50.0


def rmse(est: FloatArray, truth: FloatArray) -> float:
    return float(np.sqrt(np.nanmean(angle_deg(est, truth) ** 2)))


def timed_once(fn: Callable[[], FloatArray]) -> tuple[float, float, FloatArray]:
    """Wall-clock and process-CPU seconds of one run, and its output."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def imufusion_gravity(acc: FloatArray, gyr: FloatArray, fs: float) -> FloatArray:
    """Up in the sensor frame (N, 3) from x-io Fusion (imufusion), 6D, one call per sample."""
    import imufusion

    a = imufusion.Ahrs()
    a.set_settings(imufusion.AhrsSettings(
        sample_rate=fs,
        convention=imufusion.CONVENTION_NWU,
        gain=0.5,
        gyroscope_range=2000.0,
        acceleration_rejection=10.0,
        magnetic_rejection=0.0,
        rejection_timeout=int(5 * fs),
    ))
    g_dps = np.degrees(gyr)
    a_g = acc / 9.80665
    out = np.empty((acc.shape[0], 3))
    for k in range(acc.shape[0]):
        a.update_no_magnetometer(g_dps[k], a_g[k])
        out[k] = a.get_gravity()
    return out


def methods(acc: FloatArray, gyr: FloatArray, fs: float) -> list[tuple[str, Callable[[], FloatArray], int | None, int]]:
    """(name, run, slice length or None, repeats)."""
    import ahrs
    import vqf

    ts = 1.0 / fs
    acc = np.ascontiguousarray(acc, dtype=np.float64)
    gyr = np.ascontiguousarray(gyr, dtype=np.float64)
    n_fusion = min(len(acc), 200_000)
    n_madgwick = min(len(acc), 20_000)

    def fusion() -> FloatArray:
        return imufusion_gravity(acc[:n_fusion], gyr[:n_fusion], fs)

    def madgwick() -> FloatArray:
        q = ahrs.filters.Madgwick(gyr=gyr[:n_madgwick], acc=acc[:n_madgwick], frequency=fs).Q
        return up_from_sensor_to_earth(np.asarray(q))

    return [
        ("ours causal", lambda: gravity_direction(acc, gyr, fs, causal=True), None, 5),
        ("ours offline", lambda: gravity_direction(acc, gyr, fs, causal=False), None, 3),
        ("ours acc-only causal", lambda: gravity_direction(acc, None, fs, causal=True), None, 3),
        ("ours acc-only offline", lambda: gravity_direction(acc, None, fs, causal=False), None, 3),
        (REFERENCE, lambda: up_from_sensor_to_earth(vqf.VQF(ts).updateBatch(gyr, acc)["quat6D"]), None, 5),
        ("vqf offlineVQF", lambda: up_from_sensor_to_earth(vqf.offlineVQF(gyr, acc, None, ts)["quat6D"]), None, 3),
        ("vqf BasicVQF.updateBatch", lambda: up_from_sensor_to_earth(vqf.BasicVQF(ts).updateBatch(gyr, acc)["quat6D"]), None, 3),
        ("imufusion (py loop)", fusion, n_fusion, 1),
        ("ahrs Madgwick", madgwick, n_madgwick, 1),
    ]


def check_conventions() -> None:
    """Static, tilted sensor: every method must return the accelerometer direction."""
    rng = np.random.default_rng(0)
    u = rng.normal(size=3)
    u /= np.linalg.norm(u)
    acc = np.tile(9.81 * u, (2000, 1))
    gyr = np.zeros((2000, 3))
    for name, run, _, _ in methods(acc, gyr, 50.0):
        est = run()
        err = float(angle_deg(est[-1], u))
        if err > 1.0:
            raise RuntimeError(f"{name}: up-vector convention check failed ({err:.1f}°)")


REFERENCE = "vqf VQF.updateBatch"


def bench(label: str, acc: FloatArray, gyr: FloatArray, up: FloatArray, fs: float) -> list[str]:
    todo = methods(acc, gyr, fs)
    walls: dict[str, list[float]] = {name: [] for name, *_ in todo}
    cpus: dict[str, list[float]] = {name: [] for name, *_ in todo}
    outputs: dict[str, FloatArray] = {}
    # interleaved rounds: every method sees the same background load
    for r in range(max(repeat for *_, repeat in todo)):
        for name, run, _, repeat in todo:
            if r < repeat:
                wall, cpu, outputs[name] = timed_once(run)
                walls[name].append(wall)
                cpus[name].append(cpu)
    rows = []
    n_ref = len(acc)
    ref_wall = n_ref / float(np.median(walls[REFERENCE]))
    ref_cpu = n_ref / float(np.median(cpus[REFERENCE]))
    for name, run, n_slice, _ in todo:
        n = len(acc) if n_slice is None else n_slice
        rate = n / float(np.median(walls[name]))
        rate_cpu = n / float(np.median(cpus[name]))
        mem = peak_mib(run) if n_slice is None else float("nan")
        rows.append(
            f"| {label} | {name} | {n:,} | {len(walls[name])} | {rate / 1e6:8.2f} | "
            f"{rate_cpu / 1e6:8.2f} | {rate / ref_wall:6.2f} | {rate_cpu / ref_cpu:6.2f} | "
            f"{mem:8.0f} | {rmse(outputs[name], up[:n]):6.3f} |"
        )
        print(rows[-1], flush=True)
    return rows


def week(days: int = 7) -> None:
    """Flexion for a week, one local day at a time: peak RSS must stay bounded."""
    try:
        from sensor.simulate import SimulatedWearer, SimulationSettings
    except ImportError:
        print("week: sensor.simulate not available; skipped")
        return
    wearer = SimulatedWearer(SimulationSettings(days=days))
    total = 0
    t_filter = 0.0
    errs = []
    for k in range(days):
        day = wearer.day(k)
        t0 = time.perf_counter()
        up = gravity_direction(day.acc_mps2, day.gyr_rads, 50.0, causal=True)
        t_filter += time.perf_counter() - t0
        # the true mounting of the first attachment of the day, as body axes in sensor coordinates
        for j, (start, m) in enumerate(day.mounting):
            stop = day.mounting[j + 1][0] if j + 1 < len(day.mounting) else len(up)
            mount = Mounting.from_axes(m[:, 2], m[:, 0], "routine")
            f, _, _ = flexion_angles(up[start:stop], mount)
            ok = day.worn[start:stop] & np.isfinite(day.flexion_deg[start:stop])
            errs.append((f[ok] - day.flexion_deg[start:stop][ok]) ** 2)
        total += len(up)
        del day, up
        gc.collect()
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    e = np.concatenate(errs)
    print(
        f"\nweek: {days} days, {total:,} samples, causal filter {total / t_filter / 1e6:.2f} M samples/s, "
        f"flexion RMSE (true mounting, worn) {np.sqrt(e.mean()):.2f}°, peak RSS of the process "
        f"{peak_rss_mib:.0f} MiB (includes the simulator)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-week", action="store_true", help="skip the week of flexion")
    parser.add_argument("--fast-seconds", type=float, default=600.0)
    args = parser.parse_args()
    check_conventions()
    header = [
        "| data | method | samples | runs | M samples/s (wall, median) | M samples/s (CPU, median) "
        "| × VQF.updateBatch (wall) | × VQF.updateBatch (CPU) | peak MiB | incl. RMSE ° |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join(header), flush=True)
    rows = []
    label, acc, gyr, up, fs = load_day()
    rows += bench(label, acc, gyr, up, fs)
    del acc, gyr, up
    tr = fast_trajectory(args.fast_seconds, 286.0, seed=7)
    rows += bench("fast286 (synthetic)", tr.acc, tr.gyr, tr.up, tr.fs)
    print("\n" + "\n".join(header + rows))
    if not args.no_week:
        week()


if __name__ == "__main__":
    main()
