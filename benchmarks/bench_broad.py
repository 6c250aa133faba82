"""Inclination accuracy of analysis.tilt on real BROAD trials, next to vqf (and imufusion).

BROAD (Laidig, Caruso, Cereatti & Seel 2021, "BROAD — A Benchmark for Robust Inertial
Orientation Estimation", *Data* 6(7):72, CC BY 4.0): an IMU rigidly attached to an optical
marker body, 286 Hz, with optical orientation as truth. Each trial is expected as an ``.npz``
with the arrays ``imu_acc_mps2`` (N, 3), ``imu_gyr_rads`` (N, 3), ``opt_quat`` (N, 4; scalar
first, sensor → reference; NaN where the markers were lost), ``movement`` (N,) bool and
``sampling_rate_hz``.

Truth: the reference up direction in the sensor frame, ``q* ⊗ (0, 0, 0, 1) ⊗ q``. Error per
trial: the RMS over the ``movement`` samples with valid truth of the angle between the true
and estimated up directions (inclination error; heading does not enter). Every method sees the
same arrays (6D: accelerometer + gyroscope, no magnetometer).

Run from the repository root::

    python benchmarks/bench_broad.py --data DIR        # DIR holds the trial .npz files
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from analysis.tilt import gravity_direction  # noqa: E402

FloatArray = np.ndarray
Method = Callable[[FloatArray, FloatArray, float], FloatArray]


def up_in_sensor_frame(quat_wxyz: FloatArray) -> FloatArray:
    """Reference up (0, 0, 1) expressed in the sensor frame for sensor→reference quaternions.

    ``q* ⊗ (0, e_z) ⊗ q`` is ``R(q)ᵀ e_z``: the third row of the rotation matrix. Shape (N, 3).
    """
    w, x, y, z = (quat_wxyz[:, k] for k in range(4))
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)


def inclination_rmse_deg(est: FloatArray, truth: FloatArray, mask: FloatArray) -> float:
    """RMS angle (degrees) between unit vectors ``est`` and ``truth`` (N, 3) where ``mask``."""
    e = est[mask] / np.linalg.norm(est[mask], axis=1, keepdims=True)
    t = truth[mask] / np.linalg.norm(truth[mask], axis=1, keepdims=True)
    cross = np.linalg.norm(np.cross(e, t), axis=1)
    ang = np.degrees(np.arctan2(cross, np.einsum("ij,ij->i", e, t)))
    return float(np.sqrt(np.mean(ang**2)))


def ours(causal: bool) -> Method:
    def run(acc: FloatArray, gyr: FloatArray, fs: float) -> FloatArray:
        return gravity_direction(acc, gyr, fs, causal=causal)

    return run


def vqf_causal(acc: FloatArray, gyr: FloatArray, fs: float) -> FloatArray:
    from vqf import VQF

    out = VQF(1.0 / fs).updateBatch(np.ascontiguousarray(gyr), np.ascontiguousarray(acc))
    return up_in_sensor_frame(out["quat6D"])


def vqf_offline(acc: FloatArray, gyr: FloatArray, fs: float) -> FloatArray:
    from vqf import offlineVQF

    out = offlineVQF(np.ascontiguousarray(gyr), np.ascontiguousarray(acc), None, 1.0 / fs)
    return up_in_sensor_frame(out["quat6D"])


def imufusion_causal(acc: FloatArray, gyr: FloatArray, fs: float) -> FloatArray:
    """x-io Fusion (imufusion), 6D, with the settings used in ``bench_tilt.py``."""
    from bench_tilt import imufusion_gravity

    return imufusion_gravity(acc, gyr, fs)


def available_methods(with_imufusion: bool) -> dict[str, Method]:
    methods: dict[str, Method] = {"ours causal": ours(True), "ours offline": ours(False)}
    try:
        import vqf  # noqa: F401
    except ImportError:
        print("vqf not importable: comparing ours only (pip install '.[bench]')")
    else:
        methods["vqf causal"] = vqf_causal
        methods["offlineVQF"] = vqf_offline
    if with_imufusion:
        try:
            import imufusion  # noqa: F401
        except ImportError:
            print("imufusion not importable: skipped")
        else:
            methods["imufusion"] = imufusion_causal
    return methods


def evaluate(path: Path, methods: dict[str, Method]) -> dict[str, float]:
    data = np.load(path)
    acc = np.asarray(data["imu_acc_mps2"], dtype=np.float64)
    gyr = np.asarray(data["imu_gyr_rads"], dtype=np.float64)
    fs = float(data["sampling_rate_hz"])
    truth = up_in_sensor_frame(np.asarray(data["opt_quat"], dtype=np.float64))
    mask = np.asarray(data["movement"], dtype=bool) & np.isfinite(truth).all(axis=1)
    return {name: inclination_rmse_deg(f(acc, gyr, fs), truth, mask) for name, f in methods.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory of BROAD trial .npz files")
    parser.add_argument("--imufusion", action="store_true", help="also run imufusion (slow)")
    args = parser.parse_args(argv)
    files = sorted(args.data.glob("*.npz"))
    if not files:
        raise SystemExit(f"no .npz files in {args.data}")
    methods = available_methods(args.imufusion)
    names = list(methods)
    print(f"inclination RMSE (deg) over movement samples, {len(files)} trials")
    print(f"{'trial':44s}" + "".join(f"{n:>14s}" for n in names))
    rows = []
    for path in files:
        res = evaluate(path, methods)
        rows.append([res[n] for n in names])
        print(f"{path.stem:44s}" + "".join(f"{res[n]:14.3f}" for n in names), flush=True)
    mean = np.mean(rows, axis=0)
    print(f"{'mean':44s}" + "".join(f"{v:14.3f}" for v in mean))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
