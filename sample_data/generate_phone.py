"""Regenerate the phone-export samples in sample_data/phone/ (deterministic).

Run from the repository root: ``python sample_data/generate_phone.py``.

A phone sits in a snug pocket between the shoulder blades, top edge towards the head and the
screen facing out of the back. The wearer stands still, bends forward (flexion 40°, then 70°)
and comes back up, with breathing sway and sensor noise. The same motion is written as:

* ``phyphox_example.zip`` — phyphox CSV export (comma, decimal point) of an experiment with
  "Acceleration with g" and the gyroscope as two export sets, with ``meta/time.csv`` and one
  pause;
* ``sensor_logger_example.zip`` — Sensor Logger export from an iPhone (default settings:
  iOS signs, ``Accelerometer.csv`` without gravity plus ``Gravity.csv``);
* ``sensor_logger_android_example.zip`` — Sensor Logger export from an Android phone
  (``TotalAcceleration.csv`` with gravity, ``Accelerometer.csv``, ``Gravity.csv``).

Phone frame (Android convention): y towards the top edge, z out of the screen, x = y × z. With
the trunk flexed forward by θ, the up direction in the phone frame is (0, cos θ, sin θ), so a
still phone reads specific force g·(0, cos θ, sin θ) and the angular rate about x is −dθ/dt.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "phone"
G = 9.80665
SEED = 9
DURATION_S = 90.0
NS = 1_000_000_000

# (time s, flexion deg) key points; smooth transitions between them
_KEYS = [(0, 0), (30, 0), (33, 40), (50, 40), (53, 0), (65, 0), (69, 70), (78, 70), (82, 0), (90, 0)]


def flexion_rad(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Trunk flexion θ(t) and dθ/dt in rad, rad/s (smoothstep between key points, plus breathing)."""
    kt = np.array([k[0] for k in _KEYS], dtype=float)
    kv = np.radians([k[1] for k in _KEYS])
    i = np.clip(np.searchsorted(kt, t_s, side="right") - 1, 0, kt.size - 2)
    span = kt[i + 1] - kt[i]
    f = np.clip((t_s - kt[i]) / span, 0.0, 1.0)
    s = f * f * (3 - 2 * f)
    ds = 6 * f * (1 - f) / span
    theta = kv[i] + (kv[i + 1] - kv[i]) * s
    dtheta = (kv[i + 1] - kv[i]) * ds
    breath = np.radians(0.4)
    theta = theta + breath * np.sin(2 * np.pi * 0.25 * t_s)
    dtheta = dtheta + breath * 2 * np.pi * 0.25 * np.cos(2 * np.pi * 0.25 * t_s)
    return theta, dtheta


def motion(t_s: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Specific force (m/s², Android/our convention) and angular rate (rad/s) at times t_s."""
    theta, dtheta = flexion_rad(t_s)
    up = np.column_stack([np.zeros_like(theta), np.cos(theta), np.sin(theta)])
    acc = G * up + rng.normal(0.0, 0.03, size=up.shape)
    gyr = np.column_stack([-dtheta, np.zeros_like(theta), np.zeros_like(theta)])
    gyr = gyr + np.array([0.002, -0.001, 0.0015]) + rng.normal(0.0, 0.004, size=gyr.shape)
    return acc, gyr


def gravity(t_s: np.ndarray) -> np.ndarray:
    """The phone's gravity estimate (Android convention, m/s²): smooth, noise-free."""
    theta, _ = flexion_rad(t_s)
    return G * np.column_stack([np.zeros_like(theta), np.cos(theta), np.sin(theta)])


def jittered_times(rate_hz: float, rng: np.random.Generator, offset_s: float = 0.0) -> np.ndarray:
    """Irregular sample times in seconds: nominal period with ±jitter, strictly increasing."""
    n = int(DURATION_S * rate_hz)
    t = offset_s + np.arange(n) / rate_hz + rng.normal(0.0, 0.0015, size=n)
    t = np.maximum.accumulate(t)
    t[1:] = np.maximum(t[1:], t[:-1] + 1e-4)
    return t[(t >= 0) & (t < DURATION_S)]


def _zip(path: Path, files: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 16, 7, 31, 30))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def _sci(v: float) -> str:
    return f"{v:.9E}"


def phyphox_files(start_utc: datetime, rng: np.random.Generator, sep: str = ",", decimal: str = ".") -> dict[str, str]:
    """The members of a phyphox CSV export; a 5 s pause at experiment time 45 s."""
    pause_at, pause_s = 45.0, 5.0
    t_acc = jittered_times(50.0, rng)
    t_gyr = jittered_times(40.0, rng, offset_s=0.004)
    acc, _ = motion(t_acc, rng)
    _, gyr = motion(t_gyr, rng)

    def num(v: float) -> str:
        return _sci(v).replace(".", decimal)

    def table(names: list[str], t: np.ndarray, values: np.ndarray) -> str:
        lines = [sep.join(f'"{n}"' for n in names)]
        lines += [sep.join(num(x) for x in (ti, *row)) for ti, row in zip(t, values, strict=True)]
        return "\n".join(lines) + "\n"

    t0 = start_utc.timestamp()

    def stamp(sys_s: float) -> str:
        return datetime.fromtimestamp(sys_s, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC+00:00"

    events = [("START", 0.0, t0), ("PAUSE", pause_at, t0 + pause_at), ("START", pause_at, t0 + pause_at + pause_s)]
    time_csv = sep.join(f'"{c}"' for c in ("event", "experiment time", "system time", "system time text")) + "\n"
    time_csv += "".join(
        f'"{e}"{sep}{f"{x:.15E}".replace(".", decimal)}{sep}{f"{s:.15E}".replace(".", decimal)}{sep}"{stamp(s)}"\n'
        for e, x, s in events
    )
    device = sep.join(('"property"', '"value"')) + "\n" + "".join(
        f'"{k}"{sep}"{v}"\n'
        for k, v in (("version", "1.2.0"), ("build", "1020009"), ("fileFormat", "1.19"), ("deviceModel", "Example phone"),
                     ("deviceBrand", "Example"), ("deviceBaseOS", "Android 14"))
    )
    return {
        "Accelerometer.csv": table(["Time (s)", "Acceleration x (m/s^2)", "Acceleration y (m/s^2)", "Acceleration z (m/s^2)"], t_acc, acc),
        "Gyroscope.csv": table(["Time (s)", "Gyroscope x (rad/s)", "Gyroscope y (rad/s)", "Gyroscope z (rad/s)"], t_gyr, gyr),
        "meta/device.csv": device,
        "meta/time.csv": time_csv,
    }


def sensor_logger_files(start_utc: datetime, rng: np.random.Generator, platform: str) -> dict[str, str]:
    """The members of a Sensor Logger zip export from ``"ios"`` or ``"android"`` (default settings)."""
    t0_ns = int(start_utc.timestamp()) * NS
    t_acc = jittered_times(50.0, rng)
    t_gyr = jittered_times(50.0, rng, offset_s=0.007)
    acc, _ = motion(t_acc, rng)
    _, gyr = motion(t_gyr, rng)
    grav = gravity(t_acc)
    user = acc - grav
    sign = -1.0 if platform == "ios" else 1.0  # iOS reports acceleration and gravity negated

    def table(t: np.ndarray, values: np.ndarray, repeat: int | None = None) -> str:
        ns = t0_ns + np.round(t * NS).astype(np.int64)
        rows = [f"{n},{ti:.9f},{v[2]:.9f},{v[1]:.9f},{v[0]:.9f}" for n, ti, v in zip(ns, t, values, strict=True)]
        if repeat is not None:  # a reading reported twice with the same timestamp
            rows.insert(repeat + 1, rows[repeat])
        return "time,seconds_elapsed,z,y,x\n" + "\n".join(rows) + "\n"

    files = {
        "Accelerometer.csv": table(t_acc, sign * user),
        "Gravity.csv": table(t_acc, sign * grav),
        "Gyroscope.csv": table(t_gyr, gyr, repeat=1000),
    }
    if platform == "android":
        files["TotalAcceleration.csv"] = table(t_acc, acc)
    sensors = "|".join(k[:-4] for k in files)
    files["Metadata.csv"] = (
        "version,device name,recording epoch time,recording time,recording timezone,platform,appVersion,"
        "device id,sensors,sampleRateMs,standardisation,platform version\n"
        f"3,Example phone,{t0_ns // 1_000_000},{start_utc:%Y-%m-%d_%H-%M-%S},UTC,{platform},1.40.0,"
        f"example-device,{sensors},{'|'.join('20' for _ in files)},false,{'18.1' if platform == 'ios' else '14'}\n"
    )
    return files


def main() -> None:
    rng = np.random.default_rng(SEED)
    _zip(HERE / "phyphox_example.zip", phyphox_files(datetime(2026, 11, 16, 7, 30, tzinfo=UTC), rng))
    _zip(HERE / "sensor_logger_example.zip", sensor_logger_files(datetime(2026, 11, 17, 7, 30, tzinfo=UTC), rng, "ios"))
    _zip(
        HERE / "sensor_logger_android_example.zip",
        sensor_logger_files(datetime(2026, 11, 18, 7, 30, tzinfo=UTC), rng, "android"),
    )
    for p in sorted(HERE.glob("*.zip")):
        print(f"{p.name}: {p.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
