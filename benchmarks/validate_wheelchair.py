"""Thoracic flexion on a real upper back against optical motion capture.

Usage::

    PYTHONPATH=. python benchmarks/validate_wheelchair.py --data DIR

``DIR`` is a copy of the real-data folder (``wheelchair_upper_back/``; its README gives the
source, github aagdebruijn1/Python_cleaned). Each trunk-movement trial has an x-IMU3 on the
upper back (``imu/<trial>/Back */Inertial.csv``: device time in µs, gyroscope deg/s,
accelerometer g, ~50 Hz with dropped samples) and OptiTrack rigid bodies
(``opti/<trial>.csv``, 120 Hz: seven header rows — take metadata, blank, type, name, ID,
quantity, axis — then frame, time in s and the columns; rotations as quaternions X, Y, Z, W;
global frame Y up). A trial starts with a 360° turn of the wheelchair, then the participant
leans the trunk forward and back.

Per trial:

1. **Clocks.** The two clocks are not aligned. The angular-rate magnitude does not depend on
   the frame, so the IMU's |gyroscope| and the optical back body's |ω| (from consecutive
   quaternions; median-filtered over 9 frames against marker swaps, which show as single
   frames of > 700 °/s) are resampled to 100 Hz, low-passed at 5 Hz and cross-correlated;
   the lag with the highest correlation shifts the optical clock onto the IMU's. (The
   authors cross-correlate Euler angles of the chair body or trunk tilt angles,
   ``get_time_shift`` in their functions; this uses rates so that no frame conversion is
   needed.)
2. **Our flexion.** The IMU samples go onto a uniform 50 Hz grid (linear interpolation over
   the dropped samples) and through posturelog's causal tilt filter
   (:func:`analysis.tilt.gravity_direction`). The mounting
   (:class:`analysis.calibration.Mounting`) takes upright as the mean up direction over the
   stillest second (lowest mean |gyroscope|) before the trunk first tilts 20° from where it
   started, and the sagittal plane as the plane of the trunk movement: the medio-lateral axis
   is the smallest principal axis of the up vectors' second-moment matrix over the movement
   (PCA through the origin, as the routine fit does). Forward is signed so that the largest
   excursion is forward flexion. :func:`analysis.flexion.flexion_angles` gives flexion.
3. **Optical flexion.** The same steps on the back rigid body's up direction in its own frame
   (the global +Y axis rotated into the body), with upright at the same second: flexion
   relative to its own posture then.
4. **Error.** RMSE of the difference over the trunk movements: from 1 s before the optical
   back first tilts more than 15° from upright to 1 s after it last does. The whole overlap
   is printed too.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal
from scipy.spatial.transform import Rotation

from analysis.calibration import Mounting
from analysis.flexion import flexion_angles
from analysis.tilt import gravity_direction

log = logging.getLogger("validate_wheelchair")

G = 9.80665
GRID_HZ = 100.0
IMU_HZ = 50.0


@dataclass
class Trial:
    """One trial: IMU samples (own clock) and the optical back body's orientation."""

    name: str
    t_imu_s: np.ndarray  # (N,)
    acc_mps2: np.ndarray  # (N, 3)
    gyr_rads: np.ndarray  # (N, 3)
    t_opt_s: np.ndarray  # (M,)
    rot_opt: Rotation  # (M,) body → global


def read_imu(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x-IMU3 ``Inertial.csv``: times (s from the first sample), acc (m/s²), gyro (rad/s)."""
    df = pd.read_csv(path)
    need = ["Timestamp (us)", "Gyroscope X (deg/s)", "Accelerometer X (g)"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    t = df["Timestamp (us)"].to_numpy(dtype=float) / 1e6
    gyr = np.radians(df[[f"Gyroscope {a} (deg/s)" for a in "XYZ"]].to_numpy(dtype=float))
    acc = df[[f"Accelerometer {a} (g)" for a in "XYZ"]].to_numpy(dtype=float) * G
    if not np.all(np.diff(t) > 0):
        raise ValueError(f"{path}: timestamps are not increasing")
    return t - t[0], acc, gyr


def read_optitrack_body(path: Path, body: str) -> tuple[np.ndarray, Rotation]:
    """OptiTrack CSV: times (s) and orientations of rigid body ``body`` (frames with any
    missing component dropped)."""
    with path.open(newline="") as fh:
        rows = [next(csv.reader([fh.readline()])) for _ in range(7)]
    types, names, quantity, axis = rows[2], rows[3], rows[5], rows[6]
    cols = {axis[i]: i for i in range(len(names))
            if names[i] == body and types[i] == "Rigid Body" and quantity[i] == "Rotation"}
    if sorted(cols) != ["W", "X", "Y", "Z"]:
        raise ValueError(f"{path}: no quaternion columns for rigid body '{body}'")
    data = pd.read_csv(path, header=None, skiprows=7, names=range(len(axis)))
    t = data[1].to_numpy(dtype=float)
    q = data[[cols[a] for a in "XYZW"]].to_numpy(dtype=float)
    ok = np.isfinite(q).all(axis=1) & np.isfinite(t)
    if ok.sum() < 10:
        raise ValueError(f"{path}: fewer than 10 frames of '{body}'")
    return t[ok], Rotation.from_quat(q[ok])


def load_trials(root: Path) -> list[Trial]:
    """Every trial with both an upper-back IMU file and an optical file under ``root``."""
    trials = []
    for opt in sorted(root.glob("*/opti/*.csv")):
        imu_dir = opt.parent.parent / "imu" / opt.stem
        found = sorted(imu_dir.glob("Back*/Inertial.csv"))
        if not found:
            log.warning("%s: no upper-back IMU file under %s", opt.name, imu_dir)
            continue
        t_i, acc, gyr = read_imu(found[0])
        t_o, rot = read_optitrack_body(opt, "back")
        trials.append(Trial(opt.stem, t_i, acc, gyr, t_o, rot))
    return trials


def optical_rate(t_s: np.ndarray, rot: Rotation) -> tuple[np.ndarray, np.ndarray]:
    """Angular-rate magnitude (rad/s) between consecutive frames, at the frames' midpoints,
    median-filtered over 9 frames (marker swaps make single-frame spikes)."""
    w = (rot[:-1].inv() * rot[1:]).magnitude() / np.diff(t_s)
    return 0.5 * (t_s[:-1] + t_s[1:]), signal.medfilt(w, 9)


def clock_lag_s(t_imu: np.ndarray, w_imu: np.ndarray, t_opt: np.ndarray,
                w_opt: np.ndarray) -> tuple[float, float]:
    """Lag (s) to add to optical times to put them on the IMU clock, and the normalised
    cross-correlation at that lag."""
    gi = np.arange(t_imu[0], t_imu[-1], 1 / GRID_HZ)
    go = np.arange(t_opt[0], t_opt[-1], 1 / GRID_HZ)
    b, a = signal.butter(2, 5.0 / (GRID_HZ / 2))
    si = signal.filtfilt(b, a, np.interp(gi, t_imu, w_imu))
    so = signal.filtfilt(b, a, np.interp(go, t_opt, w_opt))
    si -= si.mean()
    so -= so.mean()
    c = signal.correlate(si, so, mode="full")
    lags = signal.correlation_lags(si.size, so.size, mode="full")
    k = int(np.argmax(c))
    r = float(c[k] / np.sqrt((si @ si) * (so @ so)))
    return float(lags[k] / GRID_HZ + gi[0] - go[0]), r


def _resample(t_new: np.ndarray, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.interp(t_new, t, x[:, j]) for j in range(x.shape[1])])


def movement_mounting(up: np.ndarray, upright: np.ndarray, moving: np.ndarray) -> Mounting:
    """Mounting with ``upright`` and the medio-lateral axis normal to the plane in which
    ``up[moving]`` moves; forward signed so the largest excursion is flexion.

    Parameters
    ----------
    up : ndarray, shape (N, 3)
        Unit up vectors in the sensor (or body) frame.
    upright : ndarray, shape (3,)
    moving : ndarray of bool, shape (N,)
    """
    u = up[moving]
    _, vecs = np.linalg.eigh(u.T @ u)
    ml = vecs[:, 0]
    fwd = np.cross(ml, upright)
    m = Mounting.from_axes(upright, fwd, "routine")
    flex, _, _ = flexion_angles(u, m)
    if np.nanmax(flex) < -np.nanmin(flex):
        m = Mounting.from_axes(upright, -fwd, "routine")
    return m


@dataclass
class TrialResult:
    name: str
    lag_s: float
    xcorr: float
    overlap_s: float
    movement_s: float
    rmse_movement_deg: float
    rmse_overlap_deg: float
    bias_deg: float
    peak_flexion_deg: float


def evaluate(trial: Trial) -> TrialResult:
    """Align, compute both flexions and their RMSE for one trial."""
    w_imu = np.linalg.norm(trial.gyr_rads, axis=1)
    t_w, w_opt = optical_rate(trial.t_opt_s, trial.rot_opt)
    lag, r = clock_lag_s(trial.t_imu_s, w_imu, t_w, w_opt)
    # our flexion: uniform 50 Hz grid, causal tilt filter
    t = np.arange(trial.t_imu_s[0], trial.t_imu_s[-1], 1 / IMU_HZ)
    up_i = gravity_direction(_resample(t, trial.t_imu_s, trial.acc_mps2),
                             _resample(t, trial.t_imu_s, trial.gyr_rads), IMU_HZ)
    # optical up direction (global +Y) in the body frame, on the IMU clock and grid
    up_o_frames = trial.rot_opt.inv().apply([0.0, 1.0, 0.0])
    t_o = trial.t_opt_s + lag
    inside = (t >= t_o[0]) & (t <= t_o[-1])
    if inside.sum() < 5 * IMU_HZ:
        raise ValueError(f"{trial.name}: clocks overlap by less than 5 s after alignment")
    t, up_i = t[inside], up_i[inside]
    up_o = _resample(t, t_o, up_o_frames)
    up_o /= np.linalg.norm(up_o, axis=1, keepdims=True)
    rate = np.interp(t, trial.t_imu_s, w_imu)
    # upright: the stillest second before the trunk first tilts 20° from where it started
    tilt0 = np.degrees(np.arccos(np.clip(up_i @ up_i[0], -1, 1)))
    first_tilt = int(np.argmax(tilt0 > 20)) if (tilt0 > 20).any() else t.size
    n = int(IMU_HZ)
    if first_tilt < n:
        raise ValueError(f"{trial.name}: no still second before the trunk movement")
    still = np.convolve(rate[:first_tilt], np.ones(n) / n, mode="valid")
    k = int(np.argmin(still))
    ref = slice(k, k + n)

    def upright(up: np.ndarray) -> np.ndarray:
        v = up[ref].mean(axis=0)
        return np.asarray(v / np.linalg.norm(v))

    inc_o = np.degrees(np.arccos(np.clip(up_o @ upright(up_o), -1, 1)))
    big = np.flatnonzero(inc_o > 15)
    if big.size == 0:
        raise ValueError(f"{trial.name}: the optical back never tilts 15° from upright")
    a, b = max(int(big[0]) - n, 0), min(int(big[-1]) + n, t.size - 1)
    moving = np.zeros(t.size, dtype=bool)
    moving[a:b + 1] = True
    f_i, _, _ = flexion_angles(up_i, movement_mounting(up_i, upright(up_i), moving))
    f_o, _, _ = flexion_angles(up_o, movement_mounting(up_o, upright(up_o), moving))
    err = f_i - f_o
    return TrialResult(
        trial.name, lag, r, float(t[-1] - t[0]), float(t[b] - t[a]),
        float(np.sqrt(np.mean(err[moving] ** 2))), float(np.sqrt(np.mean(err[k:] ** 2))),
        float(np.mean(err[moving])), float(np.max(f_o[moving])),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True,
                    help="copy of the real-data folder (or its wheelchair_upper_back/)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    root = args.data / "wheelchair_upper_back" if (args.data / "wheelchair_upper_back").is_dir() \
        else args.data
    if not root.is_dir():
        ap.error(f"{args.data}: not a directory")
    trials = load_trials(root)
    if not trials:
        ap.error(f"{root}: no trials (expected <subject>/opti/<trial>.csv and "
                 "<subject>/imu/<trial>/Back*/Inertial.csv)")
    rows = [evaluate(tr).__dict__ for tr in trials]
    table = pd.DataFrame(rows).set_index("name").round(2)
    sys.stdout.write(table.to_string() + "\n")
    pooled = np.sqrt(np.mean(np.square(table["rmse_movement_deg"])))
    sys.stdout.write(f"RMSE over trunk movements (RMS over trials): {pooled:.2f}°\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
